// The "sluice_top_k" Acero node returns the first rows of Acero's own "order_by".
#include <random>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/options.h>
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "exec/top_k_node.h"

namespace sluice {
namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

// `rows` rows: a DECIMAL and a string with few distinct values and NULLs (many ties),
// and a unique id.
std::shared_ptr<arrow::Table> Rows(int64_t rows, std::mt19937_64* random) {
  arrow::Decimal128Builder price(arrow::decimal128(12, 2));
  arrow::StringBuilder name;
  arrow::Int64Builder id;
  std::uniform_int_distribution<int64_t> value(-50, 50);
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(((*random)() % 9 == 0 ? price.AppendNull()
                                      : price.Append(arrow::Decimal128(value(*random))))
                    .ok());
    EXPECT_TRUE(((*random)() % 7 == 0
                     ? name.AppendNull()
                     : name.Append(std::string(1, static_cast<char>('a' + i % 5))))
                    .ok());
    EXPECT_TRUE(id.Append(i).ok());
  }
  auto schema = arrow::schema({arrow::field("price", arrow::decimal128(12, 2)),
                               arrow::field("name", arrow::utf8()),
                               arrow::field("id", arrow::int64())});
  return arrow::Table::Make(schema,
                            {price.Finish().ValueOrDie(), name.Finish().ValueOrDie(),
                             id.Finish().ValueOrDie()});
}

std::shared_ptr<arrow::Table> Planned(ac::Declaration last,
                                      const std::shared_ptr<arrow::Table>& input) {
  auto plan = ac::Declaration::Sequence(
      {{"table_source", ac::TableSourceNodeOptions(input, /*max_batch_size=*/1000)},
       std::move(last)});
  return ac::DeclarationToTable(std::move(plan), /*use_threads=*/true).ValueOrDie();
}

TEST(TopKNode, ReturnsTheFirstRowsOfTheOrderWithNullsWhereAsked) {
  ASSERT_TRUE(cp::Initialize().ok());
  ASSERT_TRUE(exec::RegisterTopKNode().ok());
  std::mt19937_64 random(11);
  const auto input = Rows(150000, &random);  // several gatherings of 64Ki rows
  using cp::NullPlacement;
  using cp::SortOrder;
  for (auto order : {SortOrder::Ascending, SortOrder::Descending}) {
    for (auto nulls : {NullPlacement::AtStart, NullPlacement::AtEnd}) {
      // price, then name in the other direction, then the unique id: one order.
      const cp::Ordering ordering(
          {cp::SortKey("price", order, nulls),
           cp::SortKey("name",
                       order == SortOrder::Ascending ? SortOrder::Descending
                                                     : SortOrder::Ascending,
                       nulls == NullPlacement::AtEnd ? NullPlacement::AtStart
                                                     : NullPlacement::AtEnd),
           cp::SortKey("id")});
      auto sorted = Planned({"order_by", ac::OrderByNodeOptions(ordering)}, input);
      for (int64_t count : {0, 1, 7, 5000, 200000}) {
        SCOPED_TRACE(ordering.ToString() + " first " + std::to_string(count));
        auto top = Planned({exec::kTopKNode, exec::TopKOptions(ordering, count)}, input);
        auto expected = sorted->Slice(0, count);
        ASSERT_EQ(top->num_rows(), expected->num_rows());
        EXPECT_TRUE(top->Equals(*expected)) << top->Slice(0, 10)->ToString();
      }
    }
  }
}

TEST(TopKNode, TiesAtTheCutGiveRowsOfTheTiedValue) {
  // Only price orders: the first 30 rows by price have the right prices, whichever of
  // the tied rows they are.
  ASSERT_TRUE(cp::Initialize().ok());
  ASSERT_TRUE(exec::RegisterTopKNode().ok());
  std::mt19937_64 random(5);
  const auto input = Rows(20000, &random);
  const cp::Ordering ordering({cp::SortKey("price")});
  auto top = Planned({exec::kTopKNode, exec::TopKOptions(ordering, 30)}, input);
  auto sorted = Planned({"order_by", ac::OrderByNodeOptions(ordering)}, input);
  ASSERT_EQ(top->num_rows(), 30);
  EXPECT_TRUE(top->column(0)->Equals(*sorted->Slice(0, 30)->column(0)));
}

TEST(TopKNode, NullsOfASingleKeyAreKeptWhereTheOrderPutsThem) {
  // One key: NULLs first or last must come out as "order_by" puts them, all of them when
  // the count asks for every row (Arrow's select_k documents leaving NULLs out).
  ASSERT_TRUE(cp::Initialize().ok());
  ASSERT_TRUE(exec::RegisterTopKNode().ok());
  std::mt19937_64 random(3);
  const auto input = Rows(3000, &random);
  using cp::NullPlacement;
  using cp::SortOrder;
  for (auto order : {SortOrder::Ascending, SortOrder::Descending}) {
    for (auto nulls : {NullPlacement::AtStart, NullPlacement::AtEnd}) {
      const cp::Ordering ordering({cp::SortKey("price", order, nulls)});
      auto sorted = Planned({"order_by", ac::OrderByNodeOptions(ordering)}, input);
      for (int64_t count : {10, 400, 3000}) {
        SCOPED_TRACE(ordering.ToString() + " first " + std::to_string(count));
        auto top = Planned({exec::kTopKNode, exec::TopKOptions(ordering, count)}, input);
        ASSERT_EQ(top->num_rows(), count);
        EXPECT_TRUE(top->column(0)->Equals(*sorted->Slice(0, count)->column(0)));
      }
    }
  }
}

TEST(TopKNode, RefusesANegativeCount) {
  ASSERT_TRUE(cp::Initialize().ok());
  ASSERT_TRUE(exec::RegisterTopKNode().ok());
  std::mt19937_64 random(1);
  auto plan = ac::Declaration::Sequence(
      {{"table_source", ac::TableSourceNodeOptions(Rows(10, &random))},
       {exec::kTopKNode, exec::TopKOptions(cp::Ordering({cp::SortKey("id")}), -1)}});
  auto result = ac::DeclarationToTable(std::move(plan));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("count >= 0"), std::string::npos);
}

}  // namespace
}  // namespace sluice
