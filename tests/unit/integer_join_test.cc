// IntegerKeyTable finds a build side's rows by key; the "sluice_integer_join" node joins
// as Acero's hash join does.
#include <optional>
#include <random>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/options.h>
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "exec/integer_join_node.h"
#include "exec/integer_key_table.h"

namespace sluice {
namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;
using exec::IntegerKeyTable;

std::shared_ptr<arrow::ArrayData> Int64s(const std::vector<std::optional<int64_t>>& v) {
  arrow::Int64Builder builder;
  for (const auto& value : v) {
    EXPECT_TRUE((value ? builder.Append(*value) : builder.AppendNull()).ok());
  }
  return builder.Finish().ValueOrDie()->data();
}

using Pairs = std::vector<std::pair<uint32_t, uint32_t>>;

Pairs Probe(const IntegerKeyTable& table, const std::shared_ptr<arrow::ArrayData>& keys) {
  std::vector<uint32_t> probe_rows, build_rows;
  table.Probe(arrow::ArraySpan(*keys), &probe_rows, &build_rows);
  Pairs pairs;
  for (size_t i = 0; i < probe_rows.size(); ++i) {
    pairs.emplace_back(probe_rows[i], build_rows[i]);
  }
  return pairs;
}

TEST(IntegerKeyTable, DenseKeysIndexAnArrayWithDuplicatesInRowOrder) {
  IntegerKeyTable table(arrow::default_memory_pool());
  ASSERT_TRUE(table.Build(arrow::ArraySpan(*Int64s({5, 7, std::nullopt, 5, 6}))).ok());
  EXPECT_TRUE(table.direct());
  EXPECT_EQ(Probe(table, Int64s({5, 4, std::nullopt, 8, 6, 7, -100})),
            (Pairs{{0, 0}, {0, 3}, {4, 4}, {5, 1}}));
}

TEST(IntegerKeyTable, SparseKeysGoThroughAHashedTable) {
  IntegerKeyTable table(arrow::default_memory_pool());
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  const int64_t highest = std::numeric_limits<int64_t>::max();
  ASSERT_TRUE(
      table.Build(arrow::ArraySpan(*Int64s({highest, -1, lowest, 1000000000000, -1})))
          .ok());
  EXPECT_FALSE(table.direct());
  EXPECT_EQ(Probe(table, Int64s({-1, 0, lowest, highest, 1000000000000, 1})),
            (Pairs{{0, 1}, {0, 4}, {2, 2}, {3, 0}, {4, 3}}));
}

TEST(IntegerKeyTable, AnEmptyOrAllNullBuildSideMatchesNothing) {
  for (const auto& build : {Int64s({}), Int64s({std::nullopt, std::nullopt})}) {
    IntegerKeyTable table(arrow::default_memory_pool());
    ASSERT_TRUE(table.Build(arrow::ArraySpan(*build)).ok());
    EXPECT_EQ(Probe(table, Int64s({0, 1, std::nullopt})), Pairs{});
  }
}

TEST(IntegerKeyTable, ThirtyTwoBitKeys) {
  arrow::Date32Builder dates;
  ASSERT_TRUE(dates.AppendValues({19000, 19002, 19000}).ok());
  auto build = dates.Finish().ValueOrDie();
  IntegerKeyTable table(arrow::default_memory_pool());
  ASSERT_TRUE(table.Build(arrow::ArraySpan(*build->data())).ok());
  ASSERT_TRUE(dates.AppendValues({19002, 19001, 19000}).ok());
  EXPECT_EQ(Probe(table, dates.Finish().ValueOrDie()->data()),
            (Pairs{{0, 1}, {2, 0}, {2, 2}}));
  EXPECT_TRUE(IntegerKeyTable::Supports(*arrow::int32()));
  EXPECT_FALSE(IntegerKeyTable::Supports(*arrow::int16()));
  EXPECT_FALSE(IntegerKeyTable::Supports(*arrow::utf8()));
}

// `rows` rows: a key (dense: 0 to `span`, or spread over 64 bits; some NULL), a string
// and a decimal.
std::shared_ptr<arrow::Table> RandomSide(int64_t rows, int64_t span, bool spread,
                                         const std::string& prefix, uint64_t seed) {
  std::mt19937_64 random(seed);
  arrow::Int64Builder keys;
  arrow::StringBuilder words;
  arrow::Decimal128Builder prices(arrow::decimal128(15, 2));
  for (int64_t i = 0; i < rows; ++i) {
    const uint64_t r = random();
    const auto key = static_cast<int64_t>(r % static_cast<uint64_t>(span));
    EXPECT_TRUE((r % 29 == 0
                     ? keys.AppendNull()
                     : keys.Append(spread ? key * 0x10000000001LL - (1LL << 60) : key))
                    .ok());
    EXPECT_TRUE(words.Append("w" + std::to_string((r >> 20) % 1000)).ok());
    EXPECT_TRUE(prices.Append(arrow::Decimal128(static_cast<int64_t>(r >> 40))).ok());
  }
  auto schema = arrow::schema({arrow::field(prefix + "key", arrow::int64()),
                               arrow::field(prefix + "word", arrow::utf8()),
                               arrow::field(prefix + "price", arrow::decimal128(15, 2))});
  return arrow::Table::Make(schema,
                            {keys.Finish().ValueOrDie(), words.Finish().ValueOrDie(),
                             prices.Finish().ValueOrDie()});
}

// `probe` joined with `build` on their keys (an inner join, or a right outer one that
// keeps every build row), sorted by every column: by our node or by Acero's hash join.
std::shared_ptr<arrow::Table> Joined(bool ours,
                                     const std::shared_ptr<arrow::Table>& probe,
                                     const std::shared_ptr<arrow::Table>& build,
                                     bool threads, bool right_outer) {
  ac::Declaration join;
  if (ours) {
    EXPECT_TRUE(exec::RegisterIntegerJoinNode().ok());
    join = {exec::kIntegerJoinNode,
            exec::IntegerJoinOptions("p_key", "b_key", right_outer)};
  } else {
    const auto type = right_outer ? ac::JoinType::RIGHT_OUTER : ac::JoinType::INNER;
    join = {"hashjoin", ac::HashJoinNodeOptions(type, {"p_key"}, {"b_key"},
                                                cp::literal(true), "", "")};
  }
  join.inputs = {
      ac::Declaration("table_source", ac::TableSourceNodeOptions(probe, 10000)),
      ac::Declaration("table_source", ac::TableSourceNodeOptions(build, 7000))};
  auto result = ac::DeclarationToTable(std::move(join), threads);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return nullptr;
  std::vector<cp::SortKey> order;
  for (const auto& field : (*result)->schema()->fields())
    order.emplace_back(field->name());
  auto indices =
      cp::SortIndices(arrow::Datum(*result), cp::SortOptions(order)).ValueOrDie();
  return cp::Take(*result, indices).ValueOrDie().table();
}

void ExpectJoinedAsAceroDoes(const std::shared_ptr<arrow::Table>& probe,
                             const std::shared_ptr<arrow::Table>& build,
                             bool right_outer = false) {
  auto expected = Joined(false, probe, build, /*threads=*/false, right_outer);
  ASSERT_NE(expected, nullptr);
  for (bool threads : {false, true}) {
    auto actual = Joined(true, probe, build, threads, right_outer);
    ASSERT_NE(actual, nullptr);
    EXPECT_EQ(actual->num_rows(), expected->num_rows()) << "threads " << threads;
    EXPECT_TRUE(actual->Equals(*expected)) << "threads " << threads;
  }
}

// Build rows with no match in the probe side, where it is a NULL, in a right outer join.
int64_t UnmatchedBuildRows(const std::shared_ptr<arrow::Table>& probe,
                           const std::shared_ptr<arrow::Table>& build) {
  auto joined = Joined(true, probe, build, /*threads=*/true, /*right_outer=*/true);
  if (joined == nullptr) return -1;
  return joined->GetColumnByName("p_word")->null_count();
}

// Keys with NULLs and duplicates on both sides: a dense build side (an indexed array)
// and a spread one (the hashed table).
TEST(IntegerJoinNode, JoinsAsAceroDoes) {
  ASSERT_TRUE(cp::Initialize().ok());
  for (bool spread : {false, true}) {
    SCOPED_TRACE(spread ? "spread" : "dense");
    ExpectJoinedAsAceroDoes(RandomSide(50000, 30000, spread, "p_", 1),
                            RandomSide(20000, 30000, spread, "b_", 2));
  }
}

// A build side whose every row has one key gives each probe batch many rows, cut into
// output batches; a primary key gives each probe row one match (its columns kept).
TEST(IntegerJoinNode, ManyMatchesAndOneMatchPerRow) {
  ASSERT_TRUE(cp::Initialize().ok());
  ExpectJoinedAsAceroDoes(RandomSide(3000, 2, false, "p_", 3),
                          RandomSide(200, 2, false, "b_", 4));
  auto primary = RandomSide(5000, 5000, false, "b_", 5);
  arrow::Int64Builder keys;
  for (int64_t i = 0; i < primary->num_rows(); ++i) ASSERT_TRUE(keys.Append(i).ok());
  primary =
      primary
          ->SetColumn(0, primary->schema()->field(0),
                      std::make_shared<arrow::ChunkedArray>(keys.Finish().ValueOrDie()))
          .ValueOrDie();
  ExpectJoinedAsAceroDoes(RandomSide(30000, 5000, false, "p_", 6), primary);
  // Every probe row matching once, in order.
  auto renamed = primary->RenameColumns({"p_key", "p_word", "p_price"}).ValueOrDie();
  ExpectJoinedAsAceroDoes(renamed, primary);
}

TEST(IntegerJoinNode, AnEmptySideJoinsNothing) {
  ASSERT_TRUE(cp::Initialize().ok());
  auto probe = RandomSide(1000, 100, false, "p_", 7);
  auto build = RandomSide(1000, 100, false, "b_", 8);
  ExpectJoinedAsAceroDoes(probe->Slice(0, 0), build);
  ExpectJoinedAsAceroDoes(probe, build->Slice(0, 0));
}

// A right outer join keeps every build row: those no probe row matched (NULL keys among
// them) once each, beside NULL probe columns; the probe side's unmatched rows go.
TEST(IntegerJoinNode, RightOuterKeepsEveryBuildRowAsAceroDoes) {
  ASSERT_TRUE(cp::Initialize().ok());
  for (bool spread : {false, true}) {
    SCOPED_TRACE(spread ? "spread" : "dense");
    // Probe keys cover a third of the build side's range: most build rows match nothing.
    auto probe = RandomSide(40000, 10000, spread, "p_", 9);
    auto build = RandomSide(20000, 30000, spread, "b_", 10);
    ExpectJoinedAsAceroDoes(probe, build, /*right_outer=*/true);
    EXPECT_GT(UnmatchedBuildRows(probe, build), 10000);
    // Many matches per probe row, and more unmatched rows than one output batch holds.
    ExpectJoinedAsAceroDoes(RandomSide(3000, 3, spread, "p_", 11),
                            RandomSide(90000, 100000, spread, "b_", 12),
                            /*right_outer=*/true);
  }
  auto probe = RandomSide(1000, 100, false, "p_", 13);
  auto build = RandomSide(1000, 100, false, "b_", 14);
  // No probe rows: every build row, once.
  ExpectJoinedAsAceroDoes(probe->Slice(0, 0), build, /*right_outer=*/true);
  EXPECT_EQ(UnmatchedBuildRows(probe->Slice(0, 0), build), build->num_rows());
  ExpectJoinedAsAceroDoes(probe, build->Slice(0, 0), /*right_outer=*/true);
}

TEST(IntegerJoinNode, RefusesOtherKeys) {
  auto probe =
      arrow::schema({arrow::field("a", arrow::int64()), arrow::field("s", arrow::utf8()),
                     arrow::field("i", arrow::int32())});
  EXPECT_TRUE(exec::IntegerJoinSupports(*probe, "a", *probe, "a"));
  EXPECT_FALSE(exec::IntegerJoinSupports(*probe, "a", *probe, "i"));
  EXPECT_FALSE(exec::IntegerJoinSupports(*probe, "s", *probe, "s"));
  EXPECT_FALSE(exec::IntegerJoinSupports(*probe, "a", *probe, "missing"));
}

}  // namespace
}  // namespace sluice
