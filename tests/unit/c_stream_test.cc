// ExportArrowStream, consumed through the C stream callbacks only.
#include <arrow/api.h>
#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <gtest/gtest.h>

#include "sluice/session.h"
#include "sluice/sluice_c.h"

namespace sluice {
namespace {

struct StreamResult {
  int64_t rows = 0;
  int64_t sum_first = 0;
  std::string format;
  int64_t columns = 0;
  std::string error;
};

// Only C: get_schema, get_next, get_last_error, release.
StreamResult ConsumeWithCallbacks(struct ArrowArrayStream* stream) {
  StreamResult result;
  struct ArrowSchema schema;
  EXPECT_EQ(stream->get_schema(stream, &schema), 0);
  result.columns = schema.n_children;
  result.format = schema.n_children > 0 ? schema.children[0]->format : "";
  schema.release(&schema);
  while (true) {
    struct ArrowArray array;
    const int rc = stream->get_next(stream, &array);
    if (rc != 0) {
      const char* message = stream->get_last_error(stream);
      result.error = message ? message : "unknown";
      break;
    }
    if (array.release == nullptr) break;  // end of stream
    result.rows += array.length;
    const struct ArrowArray* first = array.children[0];
    if (std::string(result.format) == "l") {
      const auto* values = static_cast<const int64_t*>(first->buffers[1]);
      for (int64_t i = 0; i < first->length; ++i)
        result.sum_first += values[first->offset + i];
    }
    array.release(&array);
  }
  stream->release(stream);
  return result;
}

TEST(CStream, ExportsTheLiveStream) {
  auto session = Connect().ValueOrDie();
  auto frame =
      session->Sql("SELECT id, id * 2 AS twice FROM range(1000000) WHERE id % 2 = 0")
          .ValueOrDie();
  struct ArrowArrayStream stream;
  ASSERT_TRUE(frame.ExportArrowStream(&stream).ok());
  auto result = ConsumeWithCallbacks(&stream);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.rows, 500000);
  EXPECT_EQ(result.columns, 2);
  EXPECT_EQ(result.format, "l");
  EXPECT_EQ(result.sum_first, 2LL * (499999LL * 500000 / 2));
}

TEST(CStream, ErrorsArriveThroughGetNext) {
  auto session = Connect().ValueOrDie();
  auto frame =
      session->Sql("SELECT 10 / (id - 700000) AS q FROM range(1000000)").ValueOrDie();
  struct ArrowArrayStream stream;
  ASSERT_TRUE(frame.ExportArrowStream(&stream).ok());
  auto result = ConsumeWithCallbacks(&stream);
  EXPECT_NE(result.error.find("divide by zero"), std::string::npos) << result.error;
}

TEST(CStream, BatchesAreExportedWithoutCopying) {
  auto session = Connect().ValueOrDie();
  arrow::Int64Builder builder;
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(builder.Append(i).ok());
  auto array = builder.Finish().ValueOrDie();
  auto table =
      arrow::Table::Make(arrow::schema({arrow::field("v", arrow::int64())}), {array});
  ASSERT_TRUE(session->RegisterTable("t", table).ok());
  struct ArrowArrayStream stream;
  ASSERT_TRUE(
      session->Sql("SELECT v FROM t").ValueOrDie().ExportArrowStream(&stream).ok());
  const auto* begin = array->data()->buffers[1]->data();
  const auto* end = begin + array->data()->buffers[1]->size();
  struct ArrowArray exported;
  ASSERT_EQ(stream.get_next(&stream, &exported), 0);
  ASSERT_NE(exported.release, nullptr);
  const auto* values = static_cast<const uint8_t*>(exported.children[0]->buffers[1]);
  EXPECT_TRUE(values >= begin && values < end) << "the exported buffer is a copy";
  exported.release(&exported);
  stream.release(&stream);
}

TEST(CStream, RequestedSchemaSelectsReordersAndWidens) {
  auto session = Connect().ValueOrDie();
  auto frame =
      session->Sql("SELECT CAST(id AS INTEGER) AS small, 'x' AS tag, id FROM range(10)")
          .ValueOrDie();
  auto requested = arrow::schema({arrow::field("id", arrow::int64()),
                                  arrow::field("small", arrow::int64()),
                                  arrow::field("tag", arrow::large_utf8())});
  struct ArrowArrayStream stream;
  ASSERT_TRUE(frame.ExportArrowStream(&stream, requested).ok());
  auto reader = arrow::ImportRecordBatchReader(&stream).ValueOrDie();
  ASSERT_TRUE(reader->schema()->Equals(*requested)) << reader->schema()->ToString();
  auto table = reader->ToTable().ValueOrDie();
  EXPECT_EQ(table->num_rows(), 10);
  auto small = std::static_pointer_cast<arrow::Int64Array>(
      table->GetColumnByName("small")->chunk(0));
  EXPECT_EQ(small->Value(9), 9);
}

TEST(CStream, RequestedSchemaIsRejectedBeforeAnythingRuns) {
  auto session = Connect().ValueOrDie();
  auto frame = session->Sql("SELECT id, 1.5 AS x FROM range(10)").ValueOrDie();
  struct ArrowArrayStream stream;
  stream.release = nullptr;
  auto missing = frame.ExportArrowStream(
      &stream, arrow::schema({arrow::field("nope", arrow::int64())}));
  EXPECT_TRUE(missing.IsInvalid());
  EXPECT_NE(missing.message().find("no column 'nope'"), std::string::npos)
      << missing.ToString();
  auto lossy = frame.ExportArrowStream(
      &stream, arrow::schema({arrow::field("id", arrow::int32())}));
  EXPECT_TRUE(lossy.IsInvalid());
  EXPECT_NE(lossy.message().find("without loss"), std::string::npos) << lossy.ToString();
  auto narrowing = frame.ExportArrowStream(
      &stream, arrow::schema({arrow::field("x", arrow::float32())}));
  EXPECT_TRUE(narrowing.IsInvalid());
  EXPECT_EQ(stream.release, nullptr) << "a rejected request must not export a stream";
}

TEST(CStream, CEntryPointsRunAQuery) {
  sluice_session* session = nullptr;
  char* error = nullptr;
  ASSERT_EQ(sluice_connect("local:", &session, &error), 0);
  struct ArrowArrayStream stream;
  ASSERT_EQ(sluice_query(session, "SELECT id FROM range(1000)", 2, &stream, &error), 0);
  auto result = ConsumeWithCallbacks(&stream);
  EXPECT_EQ(result.rows, 1000);
  EXPECT_EQ(result.sum_first, 999 * 1000 / 2);
  EXPECT_NE(sluice_query(session, "SELECT * FROM nowhere", 0, &stream, &error), 0);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("nowhere"), std::string::npos);
  sluice_free_error(error);
  sluice_session_free(session);
}

}  // namespace
}  // namespace sluice
