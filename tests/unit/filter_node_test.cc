// The "sluice_filter" Acero node keeps exactly the rows Acero's own filter keeps.
#include <random>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/options.h>
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "exec/filter_node.h"

namespace sluice {
namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

std::shared_ptr<arrow::Table> Filtered(const std::string& node,
                                       const std::shared_ptr<arrow::Table>& input,
                                       const cp::Expression& predicate) {
  auto plan = ac::Declaration::Sequence(
      {{"table_source", ac::TableSourceNodeOptions(input, /*max_batch_size=*/1000)},
       {node, ac::FilterNodeOptions(predicate)}});
  return ac::DeclarationToTable(std::move(plan), /*use_threads=*/false).ValueOrDie();
}

// `rows` random values in [-1000, 1000) with a NULL in about every seventh row, as
// `type` (by cast, binary through strings; fixed-size binary by hand).
std::shared_ptr<arrow::Array> Column(const std::shared_ptr<arrow::DataType>& type,
                                     int64_t rows, std::mt19937_64* random) {
  std::uniform_int_distribution<int64_t> value(-1000, 999);
  if (type->id() == arrow::Type::FIXED_SIZE_BINARY) {
    arrow::FixedSizeBinaryBuilder builder(type);
    for (int64_t i = 0; i < rows; ++i) {
      const std::string bytes = std::to_string(100 + value(*random) % 900).substr(0, 3);
      EXPECT_TRUE(
          ((*random)() % 7 == 0 ? builder.AppendNull() : builder.Append(bytes)).ok());
    }
    return builder.Finish().ValueOrDie();
  }
  arrow::Int64Builder builder;
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t v = value(*random);
    EXPECT_TRUE(((*random)() % 7 == 0 ? builder.AppendNull() : builder.Append(v)).ok());
  }
  auto ints = builder.Finish().ValueOrDie();
  if (type->id() == arrow::Type::INT64) return ints;
  if (type->id() == arrow::Type::DICTIONARY) {
    auto strings = cp::Cast(ints, arrow::utf8()).ValueOrDie();
    return cp::DictionaryEncode(strings).ValueOrDie().make_array();
  }
  if (type->id() == arrow::Type::INT8) {
    ints = cp::Divide(ints, arrow::MakeScalar(int64_t{8})).ValueOrDie().make_array();
  }
  if (type->id() == arrow::Type::DATE32 || type->id() == arrow::Type::BINARY) {
    const auto via = type->id() == arrow::Type::DATE32 ? arrow::int32() : arrow::utf8();
    return cp::Cast(cp::Cast(ints, via).ValueOrDie(), type).ValueOrDie().make_array();
  }
  return cp::Cast(ints, type).ValueOrDie().make_array();
}

TEST(FilterNode, KeepsTheRowsAceroKeepsForEveryColumnType) {
  ASSERT_TRUE(cp::Initialize().ok());
  ASSERT_TRUE(exec::RegisterFilterNode().ok());
  std::mt19937_64 random(42);
  const int64_t rows = 4321;  // batches of 1000 and a last one of 321: partial bytes
  auto schema = arrow::schema(
      {arrow::field("p", arrow::float64()), arrow::field("i8", arrow::int8()),
       arrow::field("i16", arrow::int16()), arrow::field("i32", arrow::int32()),
       arrow::field("i64", arrow::int64()), arrow::field("d", arrow::decimal128(22, 2)),
       arrow::field("day", arrow::date32()),
       arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
       arrow::field("s", arrow::utf8()), arrow::field("bin", arrow::binary()),
       arrow::field("b", arrow::boolean()),
       arrow::field("dict", arrow::dictionary(arrow::int32(), arrow::utf8())),
       arrow::field("f", arrow::fixed_size_binary(3))});
  arrow::ArrayVector columns;
  for (const auto& field : schema->fields()) {
    columns.push_back(Column(field->type(), rows, &random));
  }
  auto batch = arrow::RecordBatch::Make(schema, rows, columns);
  ASSERT_TRUE(batch->ValidateFull().ok());
  auto table = arrow::Table::FromRecordBatches({batch}).ValueOrDie();
  // p is a random double with NULLs: thresholds keep none, some, about half, most, all.
  for (double threshold : {-1e308, -900.0, 0.0, 700.0, 1e308}) {
    SCOPED_TRACE(threshold);
    auto predicate = cp::greater(cp::field_ref("p"), cp::literal(threshold));
    auto ours = Filtered(exec::kFilterNode, table, predicate);
    auto acero = Filtered("filter", table, predicate);
    ASSERT_EQ(ours->num_rows(), acero->num_rows());
    EXPECT_TRUE(ours->Equals(*acero)) << ours->ToString().substr(0, 2000);
  }
  // A constant predicate; a predicate with no NULLs that keeps every other row.
  auto none = Filtered(exec::kFilterNode, table, cp::literal(false));
  EXPECT_EQ(none->num_rows(), 0);
  auto every_other =
      cp::equal(cp::call("bit_wise_and", {cp::field_ref("i64"), cp::literal(int64_t{1})}),
                cp::literal(int64_t{0}));
  EXPECT_TRUE(Filtered(exec::kFilterNode, table, every_other)
                  ->Equals(*Filtered("filter", table, every_other)));
}

TEST(FilterNode, RefusesAPredicateThatIsNotBoolean) {
  ASSERT_TRUE(cp::Initialize().ok());
  ASSERT_TRUE(exec::RegisterFilterNode().ok());
  auto table = arrow::Table::FromRecordBatches(
                   {arrow::RecordBatch::Make(
                       arrow::schema({arrow::field("x", arrow::int64())}), 0,
                       {arrow::MakeEmptyArray(arrow::int64()).ValueOrDie()})})
                   .ValueOrDie();
  auto plan = ac::Declaration::Sequence(
      {{"table_source", ac::TableSourceNodeOptions(table)},
       {exec::kFilterNode, ac::FilterNodeOptions(cp::field_ref("x"))}});
  auto result = ac::DeclarationToTable(std::move(plan));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("must be boolean"), std::string::npos)
      << result.status().ToString();
}

}  // namespace
}  // namespace sluice
