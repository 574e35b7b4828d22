// Streams registered as tables: Session::RegisterReader.
#include <atomic>
#include <thread>

#include <arrow/api.h>
#include <arrow/c/abi.h>
#include <gtest/gtest.h>

#include "sluice/session.h"
#include "test_util.h"

namespace sluice {
namespace {

// A reader of `batches` batches of ids, counting the batches it has produced and
// optionally failing at batch `fail_at`.
class CountingReader : public arrow::RecordBatchReader {
 public:
  CountingReader(int batches, std::atomic<int>* produced, int fail_at = -1)
      : source_(testing::MakeIdTable(batches * 100, 100)),
        reader_(*source_),
        produced_(produced),
        fail_at_(fail_at) {}

  std::shared_ptr<arrow::Schema> schema() const override { return source_->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    if (produced_->load() == fail_at_) return arrow::Status::IOError("source broke");
    ARROW_RETURN_NOT_OK(reader_.ReadNext(out));
    if (*out) ++*produced_;
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<arrow::Table> source_;
  arrow::TableBatchReader reader_;
  std::atomic<int>* produced_;
  int fail_at_;
};

int64_t Int(const std::shared_ptr<arrow::Table>& table, int column) {
  auto chunk = table->CombineChunks().ValueOrDie()->column(column)->chunk(0);
  return std::static_pointer_cast<arrow::Int64Array>(chunk)->Value(0);
}

TEST(ReaderTable, NothingIsReadUntilAQueryPulls) {
  std::atomic<int> produced{0};
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(
      session->RegisterReader("s", std::make_shared<CountingReader>(50, &produced)).ok());
  auto frame = session->Sql("SELECT count(*), sum(id) FROM s WHERE id % 2 = 0");
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(produced.load(), 0);
  auto result = frame->Collect().ValueOrDie();
  EXPECT_EQ(produced.load(), 50);
  EXPECT_EQ(Int(result, 0), 2500);
  EXPECT_EQ(Int(result, 1), 2 * (2499LL * 2500 / 2));
}

TEST(ReaderTable, AnExportedStreamStartsAtTheFirstGetNext) {
  std::atomic<int> produced{0};
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(
      session->RegisterReader("s", std::make_shared<CountingReader>(5, &produced)).ok());
  struct ArrowArrayStream stream;
  ASSERT_TRUE(session->Sql("SELECT id FROM s")->ExportArrowStream(&stream).ok());
  struct ArrowSchema schema;
  ASSERT_EQ(stream.get_schema(&stream, &schema), 0);
  schema.release(&schema);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(produced.load(), 0);
  struct ArrowArray array;
  ASSERT_EQ(stream.get_next(&stream, &array), 0);
  EXPECT_EQ(array.length, 100);
  array.release(&array);
  EXPECT_GE(produced.load(), 1);
  stream.release(&stream);
}

TEST(ReaderTable, OneReaderServesOneQuery) {
  std::atomic<int> produced{0};
  auto session = Connect().ValueOrDie();
  auto reader = std::make_shared<CountingReader>(3, &produced);
  ASSERT_TRUE(session->RegisterReader("s", reader).ok());
  ASSERT_TRUE(session->Sql("SELECT s FROM s")->Collect().ok());
  auto again = session->Sql("SELECT s FROM s");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("already read"), std::string::npos)
      << again.status().ToString();
  // The table let go of the reader when its scan ended.
  EXPECT_EQ(reader.use_count(), 1);
}

TEST(ReaderTable, AnOpenerServesEveryQuery) {
  std::atomic<int> produced{0};
  auto session = Connect().ValueOrDie();
  auto schema = testing::MakeIdTable(1)->schema();
  ASSERT_TRUE(session
                  ->RegisterReader(
                      "s", schema,
                      [&]() -> arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> {
                        return std::make_shared<CountingReader>(4, &produced);
                      })
                  .ok());
  for (int i = 0; i < 3; ++i) {
    auto result = session->Sql("SELECT count(*) FROM s")->Collect();
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(Int(*result, 0), 400);
  }
  EXPECT_EQ(produced.load(), 12);
}

TEST(ReaderTable, TheReadersErrorEndsTheQuery) {
  std::atomic<int> produced{0};
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(
      session->RegisterReader("s", std::make_shared<CountingReader>(9, &produced, 5))
          .ok());
  auto result = session->Sql("SELECT sum(id) FROM s")->Collect();
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsIOError()) << result.status().ToString();
  EXPECT_NE(result.status().message().find("source broke"), std::string::npos);
}

TEST(ReaderTable, AnEarlyStopLeavesTheRestUnread) {
  std::atomic<int> produced{0};
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(
      session->RegisterReader("s", std::make_shared<CountingReader>(1000, &produced))
          .ok());
  ExecOptions options;
  options.max_buffered_batches = 2;
  auto reader = session->Sql("SELECT id FROM s")->Stream(options).ValueOrDie();
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE(reader->ReadNext(&batch).ok());
  ASSERT_TRUE(reader->Close().ok());
  // Bounded by the query's buffers and the source's read-ahead (a few tens of these
  // small batches on a loaded machine), not by the stream's length (1000).
  EXPECT_LT(produced.load(), 100);
}

}  // namespace
}  // namespace sluice
