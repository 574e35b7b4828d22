// Window functions: the operator holds one partition (plus a chunk of small ones) at a
// time, and a window query stops, threads and all, when its stream is closed.
#include <chrono>
#include <thread>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "exec/window_reader.h"
#include "sluice/sluice.h"
#include "test_util.h"

namespace sluice {
namespace {

// Rows (g, v) with g = row / partition_rows and v = row: already sorted by g, then v.
class SortedRows : public arrow::RecordBatchReader {
 public:
  SortedRows(int64_t batches, int64_t partition_rows)
      : batches_(batches), partition_rows_(partition_rows) {}
  std::shared_ptr<arrow::Schema> schema() const override { return Schema(); }
  static std::shared_ptr<arrow::Schema> Schema() {
    return arrow::schema(
        {arrow::field("g", arrow::int64()), arrow::field("v", arrow::int64())});
  }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    *out = nullptr;
    if (made_ == batches_) return arrow::Status::OK();
    constexpr int64_t kRows = 65536;
    arrow::Int64Builder g, v;
    ARROW_RETURN_NOT_OK(g.Reserve(kRows));
    ARROW_RETURN_NOT_OK(v.Reserve(kRows));
    for (int64_t i = 0; i < kRows; ++i) {
      const int64_t row = made_ * kRows + i;
      g.UnsafeAppend(row / partition_rows_);
      v.UnsafeAppend(row);
    }
    ++made_;
    ARROW_ASSIGN_OR_RAISE(auto gs, g.Finish());
    ARROW_ASSIGN_OR_RAISE(auto vs, v.Finish());
    *out = arrow::RecordBatch::Make(Schema(), kRows, {gs, vs});
    return arrow::Status::OK();
  }

 private:
  int64_t batches_, partition_rows_, made_ = 0;
};

TEST(Window, TheOperatorHoldsOnePartitionAtATime) {
  auto session = Connect().ValueOrDie();     // registers Arrow's compute functions
#if defined(__SANITIZE_THREAD__)
  // ThreadSanitizer makes it about ten times slower: 26M rows, 420 MB of input, still
  // over three times the bound below.
  static constexpr int64_t kBatches = 400;
#else
  static constexpr int64_t kBatches = 1200;  // 78.6M rows, 1.26 GB of input
#endif
  static constexpr int64_t kPartition = 100000;
  plan::WindowCall row_number{"row_number", "", 1, "", {}, "rn"};
  plan::WindowCall moving{"sum", "v", 1, "", {}, "s"};
  moving.frame.unit = plan::WindowFrame::Unit::kRows;
  moving.frame.start = plan::WindowFrame::Bound::kPreceding;
  moving.frame.start_offset = 1;
  auto output = arrow::schema(
      {arrow::field("g", arrow::int64()), arrow::field("v", arrow::int64()),
       arrow::field("rn", arrow::int64()), arrow::field("s", arrow::int64())});
  exec::WindowReader reader(
      []() -> arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> {
        return std::make_shared<SortedRows>(kBatches, kPartition);
      },
      {"g"}, exec::WindowEvaluator({"v"}, {row_number, moving}, output));
  const int64_t baseline = testing::CurrentRssBytes();
  testing::ResetPeakRss();
  int64_t rows = 0, checked = 0;
  std::shared_ptr<arrow::RecordBatch> batch;
  while (true) {
    auto status = reader.ReadNext(&batch);
    ASSERT_TRUE(status.ok()) << status;
    if (!batch) break;
    const auto& v = static_cast<const arrow::Int64Array&>(*batch->column(1));
    const auto& rn = static_cast<const arrow::Int64Array&>(*batch->column(2));
    const auto& s = static_cast<const arrow::Int64Array&>(*batch->column(3));
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      const int64_t row = v.Value(i);
      const bool first = row % kPartition == 0;
      ASSERT_EQ(rn.Value(i), row % kPartition + 1) << "row " << row;
      ASSERT_EQ(s.Value(i), first ? row : 2 * row - 1) << "row " << row;
      ++checked;
    }
    rows += batch->num_rows();
  }
  EXPECT_EQ(rows, kBatches * 65536);
  EXPECT_EQ(checked, rows);
  // A chunk of 65,536 rows or one 100,000-row partition, plus a batch, at a time: a few
  // MiB of columns and their window values, against the 0.4 to 1.26 GB streamed.
  const int64_t growth = testing::PeakRssBytes() - baseline;
  EXPECT_LT(growth, 128LL << 20) << "peak RSS grew by " << (growth >> 20) << " MiB";
}

TEST(Window, AWindowQueryStopsWhenItsStreamCloses) {
  auto session = Connect().ValueOrDie();
  const int threads_before = testing::ThreadCount();
  auto sink = session->RegisterStreamingTable(
      "feed", arrow::schema({arrow::field("id", arrow::int64())}));
  ASSERT_TRUE(sink.ok()) << sink.status();
  // A producer that never finishes: the sort below the window never ends, only closing
  // the stream stops the query (and then the producer's writes fail).
  std::thread producer([sink = *sink] {
    auto ids = testing::MakeIdTable(65536)->CombineChunksToBatch().ValueOrDie();
    while (sink->Write(ids).ok())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  {
    auto stream = session
                      ->Sql(
                          "SELECT id, row_number() OVER (PARTITION BY id % 7 ORDER BY "
                          "id DESC) AS rn FROM feed")
                      ->Stream();
    ASSERT_TRUE(stream.ok()) << stream.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE((*stream)->Close().ok());
    // Promptly, without sorting what the input plan has gathered.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  }
  producer.join();
  EXPECT_LT(testing::CpuSecondsWhileSleeping(300), 0.05) << "the query kept running";
  EXPECT_LE(testing::ThreadCount(), threads_before);
}

// A window's reader waits on its input plan on a thread of its own: with one thread for
// the query, and windows nested in each other's input, nothing waits on itself.
TEST(Window, NestedWindowsRunOnASingleThread) {
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(session->Exec("SET threads = 1").ok());
  auto result = session
                    ->Sql(
                        "SELECT count(*), sum(l), sum(r) FROM (SELECT lag(id) OVER "
                        "(ORDER BY id) AS l, rank() OVER (PARTITION BY id % 3 ORDER BY "
                        "id DESC) AS r FROM range(300000)) t")
                    ->Collect();
  ASSERT_TRUE(result.ok()) << result.status();
  auto row = (*result)->CombineChunksToBatch().ValueOrDie();
  EXPECT_EQ(static_cast<const arrow::Int64Array&>(*row->column(0)).Value(0), 300000);
  EXPECT_EQ(static_cast<const arrow::Int64Array&>(*row->column(1)).Value(0),
            int64_t{299999} * 299998 / 2);
  EXPECT_EQ(static_cast<const arrow::Int64Array&>(*row->column(2)).Value(0),
            3 * (int64_t{100000} * 100001 / 2));
}

TEST(Window, ErrorsInsideTheWindowEndTheStreamWithThem) {
  auto session = Connect().ValueOrDie();
  auto result = session
                    ->Sql(
                        "SELECT sum(x) OVER (ORDER BY x) FROM (SELECT CASE WHEN id = 5 "
                        "THEN 9223372036854775807 ELSE id END AS x FROM range(10)) t")
                    ->Collect();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("bigint out of range"), std::string::npos)
      << result.status();
}

}  // namespace
}  // namespace sluice
