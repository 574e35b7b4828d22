// ConformBatch: batches relabelled to their stream's schema, or refused.
#include <arrow/api.h>
#include <gtest/gtest.h>

#include "common/conform_batch.h"

namespace sluice {
namespace {

std::shared_ptr<arrow::RecordBatch> Batch(bool nullable, bool with_null) {
  arrow::Int64Builder builder;
  EXPECT_TRUE(builder.Append(1).ok());
  EXPECT_TRUE((with_null ? builder.AppendNull() : builder.Append(2)).ok());
  auto schema = arrow::schema({arrow::field("k", arrow::int64(), nullable)});
  return arrow::RecordBatch::Make(schema, 2, {builder.Finish().ValueOrDie()});
}

TEST(ConformBatch, RelabelsNullabilityWithoutACopy) {
  auto stream_schema = arrow::schema({arrow::field("k", arrow::int64(), false)});
  auto batch = Batch(/*nullable=*/true, /*with_null=*/false);
  auto conformed = ConformBatch(batch, stream_schema, "test").ValueOrDie();
  EXPECT_TRUE(conformed->schema()->Equals(*stream_schema));
  EXPECT_EQ(conformed->column(0)->data()->buffers[1],
            batch->column(0)->data()->buffers[1]);
  auto nullable = arrow::schema({arrow::field("k", arrow::int64(), true)});
  EXPECT_TRUE(ConformBatch(Batch(false, false), nullable, "test").ok());
}

TEST(ConformBatch, RefusesNullsInANotNullColumnAndOtherTypes) {
  auto not_null = arrow::schema({arrow::field("k", arrow::int64(), false)});
  auto refused =
      ConformBatch(Batch(true, /*with_null=*/true), not_null, "the server sent");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("the server sent"), std::string::npos);
  auto other_type = arrow::schema({arrow::field("k", arrow::int32())});
  EXPECT_FALSE(ConformBatch(Batch(true, false), other_type, "x").ok());
  auto other_name = arrow::schema({arrow::field("j", arrow::int64())});
  EXPECT_FALSE(ConformBatch(Batch(true, false), other_name, "x").ok());
}

}  // namespace
}  // namespace sluice
