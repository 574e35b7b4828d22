// The "sluice_aggregate" Acero node groups and aggregates as Acero's own aggregate does.
#include <functional>
#include <random>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/options.h>
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "common/decimal_sum.h"
#include "exec/hash_aggregate_node.h"

namespace sluice {
namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;
using exec::GroupedAggregateCall;

struct Call {
  std::string function;  // the plan's name
  std::string input;
};

// The aggregate of `input` by `keys`, sorted by the keys: through our node, or through
// Acero's aggregate with the functions lowering gives it.
std::shared_ptr<arrow::Table> Aggregated(bool ours,
                                         const std::shared_ptr<arrow::Table>& input,
                                         const std::vector<std::string>& keys,
                                         const std::vector<Call>& calls, bool threads) {
  ac::Declaration aggregate;
  if (ours) {
    std::vector<GroupedAggregateCall> own;
    arrow::FieldVector fields;
    for (const auto& key : keys) {
      auto field = input->schema()->GetFieldByName(key);
      if (field->type()->id() == arrow::Type::DICTIONARY) {
        field = field->WithType(
            static_cast<const arrow::DictionaryType&>(*field->type()).value_type());
      }
      fields.push_back(field);
    }
    for (size_t i = 0; i < calls.size(); ++i) {
      own.push_back({calls[i].function, calls[i].input});
      std::shared_ptr<arrow::DataType> type = arrow::int64();
      const auto field = input->schema()->GetFieldByName(calls[i].input);
      if (calls[i].function == "mean") {
        type = arrow::float64();
      } else if (calls[i].function == "min" || calls[i].function == "max") {
        type = field->type();
      } else if (calls[i].function == "sum") {
        type =
            field->type()->id() == arrow::Type::DECIMAL128
                ? arrow::decimal128(
                      38,
                      static_cast<const arrow::Decimal128Type&>(*field->type()).scale())
            : field->type()->id() == arrow::Type::DOUBLE ? arrow::float64()
                                                         : arrow::int64();
      }
      fields.push_back(arrow::field("a" + std::to_string(i), type));
    }
    EXPECT_TRUE(exec::RegisterHashAggregateNode().ok());
    aggregate = {exec::kHashAggregateNode,
                 exec::GroupedAggregateOptions(keys, own, arrow::schema(fields))};
  } else {
    EXPECT_TRUE(RegisterDecimalSum().ok());
    std::vector<cp::Aggregate> aggregates;
    for (size_t i = 0; i < calls.size(); ++i) {
      const auto field = input->schema()->GetFieldByName(calls[i].input);
      const bool decimal = field && field->type()->id() == arrow::Type::DECIMAL128;
      std::string name = "hash_" + calls[i].function;
      std::shared_ptr<cp::FunctionOptions> options =
          std::make_shared<cp::ScalarAggregateOptions>(true, 1);
      if (calls[i].function == "count") {
        options = std::make_shared<cp::CountOptions>(cp::CountOptions::ONLY_VALID);
      } else if (calls[i].function == "count_all") {
        options = nullptr;
      } else if (decimal && calls[i].function != "min" && calls[i].function != "max") {
        name = std::string("hash_") +
               (calls[i].function == "sum" ? kDecimalSum : kDecimalMean);
        options = nullptr;
      }
      std::vector<arrow::FieldRef> target;
      if (!calls[i].input.empty()) target.emplace_back(calls[i].input);
      aggregates.emplace_back(name, options, target, "a" + std::to_string(i));
    }
    std::vector<arrow::FieldRef> refs(keys.begin(), keys.end());
    aggregate = {"aggregate", ac::AggregateNodeOptions(aggregates, refs)};
  }
  auto plan = ac::Declaration::Sequence(
      {{"table_source", ac::TableSourceNodeOptions(input, /*max_batch_size=*/10000)},
       std::move(aggregate)});
  auto result = ac::DeclarationToTable(std::move(plan), threads);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return nullptr;
  std::vector<cp::SortKey> order;
  for (const auto& key : keys) order.emplace_back(key);
  auto indices =
      cp::SortIndices(arrow::Datum(*result), cp::SortOptions(order)).ValueOrDie();
  return cp::Take(*result, indices).ValueOrDie().table();
}

// `keys` grouped by our node as by Acero's; `plain_keys` are what Acero groups by
// instead (the plain columns of dictionary-encoded keys), if given.
void ExpectSameGroups(const std::shared_ptr<arrow::Table>& input,
                      const std::vector<std::string>& keys,
                      const std::vector<Call>& calls,
                      std::vector<std::string> plain_keys = {}) {
  if (plain_keys.empty()) plain_keys = keys;
  auto expected = Aggregated(false, input, plain_keys, calls, /*threads=*/false);
  ASSERT_NE(expected, nullptr);
  for (bool threads : {false, true}) {
    auto actual = Aggregated(true, input, keys, calls, threads);
    ASSERT_NE(actual, nullptr);
    ASSERT_EQ(actual->num_rows(), expected->num_rows());
    ASSERT_EQ(actual->num_columns(), expected->num_columns());
    for (int c = 0; c < actual->num_columns(); ++c) {
      EXPECT_TRUE(actual->column(c)->Equals(*expected->column(c)))
          << "column " << c << " (" << expected->schema()->field(c)->name()
          << "), threads " << threads << ": "
          << actual->column(c)->ToString().substr(0, 400) << "\nexpected "
          << expected->column(c)->ToString().substr(0, 400);
    }
  }
}

// Random rows: keys of every kind (a few values, with NULLs; a clustered key with runs
// and more groups than fit in cache; strings; dates and decimals) and values to
// aggregate, with NULLs. Doubles are multiples of 1/4, so every order of summing them is
// exact.
std::shared_ptr<arrow::Table> RandomTable(int64_t rows) {
  std::mt19937_64 random(7);
  arrow::Int32Builder few, i32;
  arrow::Int64Builder clustered;
  arrow::StringBuilder word;
  arrow::Date32Builder day;
  arrow::Decimal128Builder price(arrow::decimal128(15, 2)), code(arrow::decimal128(9, 1));
  arrow::DoubleBuilder real;
  const std::vector<std::string> words = {
      "", "A", "R", "N", "MAIL", "SHIP", "longer words here"};
  int64_t run_key = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const uint64_t r = random();
    const bool null = r % 11 == 0;
    EXPECT_TRUE((null ? few.AppendNull() : few.Append(static_cast<int32_t>(r % 5))).ok());
    if (random() % 3 == 0) ++run_key;
    EXPECT_TRUE(clustered.Append(run_key).ok());
    EXPECT_TRUE(((r >> 8) % 13 == 0 ? word.AppendNull()
                                    : word.Append(words[(r >> 12) % words.size()]))
                    .ok());
    EXPECT_TRUE(day.Append(static_cast<int32_t>(9000 + (r >> 16) % 40)).ok());
    EXPECT_TRUE(
        code.Append(arrow::Decimal128(static_cast<int64_t>((r >> 20) % 7) - 3)).ok());
    const auto cents = static_cast<int64_t>((r >> 24) % 2000000) - 1000000;
    EXPECT_TRUE(
        ((r >> 4) % 17 == 0 ? price.AppendNull() : price.Append(arrow::Decimal128(cents)))
            .ok());
    EXPECT_TRUE(((r >> 5) % 19 == 0
                     ? i32.AppendNull()
                     : i32.Append(static_cast<int32_t>((r >> 30) % 100000) - 50000))
                    .ok());
    EXPECT_TRUE(((r >> 6) % 23 == 0
                     ? real.AppendNull()
                     : real.Append(static_cast<double>((r >> 40) % 4000) / 4))
                    .ok());
  }
  auto schema = arrow::schema(
      {arrow::field("few", arrow::int32()), arrow::field("clustered", arrow::int64()),
       arrow::field("word", arrow::utf8()), arrow::field("day", arrow::date32()),
       arrow::field("code", arrow::decimal128(9, 1)),
       arrow::field("price", arrow::decimal128(15, 2)),
       arrow::field("i32", arrow::int32()), arrow::field("real", arrow::float64())});
  std::vector<std::shared_ptr<arrow::Array>> columns = {
      few.Finish().ValueOrDie(),  clustered.Finish().ValueOrDie(),
      word.Finish().ValueOrDie(), day.Finish().ValueOrDie(),
      code.Finish().ValueOrDie(), price.Finish().ValueOrDie(),
      i32.Finish().ValueOrDie(),  real.Finish().ValueOrDie()};
  return arrow::Table::Make(schema, columns);
}

const std::vector<Call> kEveryCall = {
    {"count_all", ""}, {"count", "price"}, {"sum", "price"}, {"mean", "price"},
    {"min", "price"},  {"max", "price"},   {"sum", "i32"},   {"min", "i32"},
    {"max", "day"},    {"sum", "real"},    {"mean", "real"}, {"count", "word"}};

TEST(HashAggregateNode, GroupsAsAceroDoesByFixedWidthKeysWithNulls) {
  ASSERT_TRUE(cp::Initialize().ok());
  ExpectSameGroups(RandomTable(100000), {"few"}, kEveryCall);
  ExpectSameGroups(RandomTable(100000), {"day", "code", "few"}, kEveryCall);
}

TEST(HashAggregateNode, GroupsAsAceroDoesByStringKeys) {
  ASSERT_TRUE(cp::Initialize().ok());
  ExpectSameGroups(RandomTable(100000), {"word"}, kEveryCall);
  ExpectSameGroups(RandomTable(100000), {"few", "word"}, kEveryCall);
}

// Over 64Ki groups in runs of equal keys: the runs are collapsed before lookup, and the
// groups merged across threads partition by partition.
TEST(HashAggregateNode, GroupsAsAceroDoesByAClusteredKeyWithManyGroups) {
  ASSERT_TRUE(cp::Initialize().ok());
  ExpectSameGroups(RandomTable(600000), {"clustered"}, kEveryCall);
  ExpectSameGroups(RandomTable(600000), {"clustered", "word"}, {{"count_all", ""}});
}

// `table` with column `name` of `type` holding f(row).
template <typename Builder>
std::shared_ptr<arrow::Table> WithKey(const std::shared_ptr<arrow::Table>& table,
                                      const std::string& name,
                                      std::shared_ptr<arrow::DataType> type,
                                      const std::function<int64_t(int64_t)>& f) {
  Builder builder(type, arrow::default_memory_pool());
  for (int64_t row = 0; row < table->num_rows(); ++row) {
    EXPECT_TRUE(builder.Append(static_cast<typename Builder::value_type>(f(row))).ok());
  }
  auto column = builder.Finish().ValueOrDie();
  return table
      ->AddColumn(table->num_columns(), arrow::field(name, type),
                  std::make_shared<arrow::ChunkedArray>(column))
      .ValueOrDie();
}

// Keys ascending in runs are numbered without a hash table while they stay in order: in
// one sequence, in two overlapping ones (as two sorted files give: a key in both is one
// group), and in one that stops being ordered after many groups (the groups move to a
// hash table, a key seen twice merged).
TEST(HashAggregateNode, GroupsAsAceroDoesByAKeyInAscendingSequences) {
  ASSERT_TRUE(cp::Initialize().ok());
  constexpr int64_t kRows = 300000;
  auto table = RandomTable(kRows);
  table = WithKey<arrow::Int64Builder>(table, "two", arrow::int64(), [](int64_t row) {
    return row < 180000 ? row / 3 : (row - 180000) / 2 + 20000;
  });
  table = WithKey<arrow::Int64Builder>(table, "breaks", arrow::int64(), [](int64_t row) {
    return row < 250000 ? row / 4 : (row * 7919) % 62500;
  });
  table = WithKey<arrow::Int16Builder>(table, "i16", arrow::int16(),
                                       [](int64_t row) { return row / 20 - 7000; });
  table = WithKey<arrow::Date32Builder>(table, "date", arrow::date32(),
                                        [](int64_t row) { return 9000 + row / 5; });
  for (const char* key : {"two", "breaks", "i16", "date"}) {
    SCOPED_TRACE(key);
    ExpectSameGroups(table, {key}, kEveryCall);
  }
}

// Dictionary-encoded keys (a dictionary per batch, NULL indices and a NULL entry) group
// by their values.
TEST(HashAggregateNode, GroupsDictionaryEncodedKeysByTheirValues) {
  ASSERT_TRUE(cp::Initialize().ok());
  auto table = RandomTable(50000);
  auto words = table->GetColumnByName("word");
  arrow::ArrayVector chunks;
  for (int64_t offset = 0; offset < table->num_rows(); offset += 7000) {
    auto slice = words->Slice(offset, 7000)->chunk(0);
    auto encoded = cp::DictionaryEncode(slice).ValueOrDie().make_array();
    if (offset == 14000) {
      // A dictionary whose first entry is NULL, and indices to it.
      auto& dictionary = static_cast<arrow::DictionaryArray&>(*encoded);
      auto entries =
          arrow::Concatenate({arrow::MakeArrayOfNull(arrow::utf8(), 1).ValueOrDie(),
                              dictionary.dictionary()})
              .ValueOrDie();
      auto shifted = cp::Add(dictionary.indices(), arrow::MakeScalar(int32_t{1}))
                         .ValueOrDie()
                         .make_array();
      encoded = arrow::DictionaryArray::FromArrays(dictionary.type(), shifted, entries)
                    .ValueOrDie();
    }
    chunks.push_back(encoded);
  }
  auto dictionary = std::make_shared<arrow::ChunkedArray>(chunks);
  table = table
              ->AddColumn(table->num_columns(), arrow::field("dword", dictionary->type()),
                          dictionary)
              .ValueOrDie();
  ExpectSameGroups(table, {"dword"}, kEveryCall, {"word"});
  ExpectSameGroups(table, {"few", "dword"}, kEveryCall, {"few", "word"});
}

// `column` dictionary-encoded in chunks of `rows` rows, each with its own dictionary.
std::shared_ptr<arrow::ChunkedArray> Encoded(const arrow::ChunkedArray& column,
                                             int64_t rows) {
  arrow::ArrayVector chunks;
  for (int64_t offset = 0; offset < column.length(); offset += rows) {
    auto slice = arrow::Concatenate(column.Slice(offset, rows)->chunks()).ValueOrDie();
    chunks.push_back(cp::DictionaryEncode(slice).ValueOrDie().make_array());
  }
  return std::make_shared<arrow::ChunkedArray>(chunks);
}

// One or two dictionary-encoded keys are numbered by their values' codes (up to 254
// values each, NULL apart); a key that gets more values goes on in a hash table with the
// groups it had.
TEST(HashAggregateNode, GroupsDictionaryKeysByTheirCodesThenByHashWhenTheyOutgrowThem) {
  ASSERT_TRUE(cp::Initialize().ok());
  auto table = RandomTable(60000);
  // "many": 100 values (and NULLs) in the first 30000 rows, then 400 more.
  arrow::StringBuilder many;
  for (int64_t i = 0; i < table->num_rows(); ++i) {
    const int64_t value = i < 30000 ? i % 100 : 100 + i % 400;
    ASSERT_TRUE(
        (i % 37 == 0 ? many.AppendNull() : many.Append("m" + std::to_string(value)))
            .ok());
  }
  table =
      table
          ->AddColumn(table->num_columns(), arrow::field("many", arrow::utf8()),
                      std::make_shared<arrow::ChunkedArray>(many.Finish().ValueOrDie()))
          .ValueOrDie();
  auto few_text =
      cp::Cast(arrow::Datum(table->GetColumnByName("few")), arrow::utf8()).ValueOrDie();
  for (const auto& [name, column] :
       std::vector<std::pair<std::string, std::shared_ptr<arrow::ChunkedArray>>>{
           {"dword", Encoded(*table->GetColumnByName("word"), 7000)},
           {"dfew", Encoded(*few_text.chunked_array(), 9000)},
           {"dmany", Encoded(*table->GetColumnByName("many"), 5000)},
           {"few_text", few_text.chunked_array()}}) {
    table =
        table->AddColumn(table->num_columns(), arrow::field(name, column->type()), column)
            .ValueOrDie();
  }
  ExpectSameGroups(table, {"dword", "dfew"}, kEveryCall, {"word", "few_text"});
  ExpectSameGroups(table, {"dmany"}, kEveryCall, {"many"});
  ExpectSameGroups(table, {"dfew", "dmany"}, kEveryCall, {"few_text", "many"});
}

TEST(HashAggregateNode, NoInputGivesNoGroups) {
  ASSERT_TRUE(cp::Initialize().ok());
  auto empty = RandomTable(10)->Slice(0, 0);
  for (bool threads : {false, true}) {
    auto result = Aggregated(true, empty, {"few"}, kEveryCall, threads);
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->num_rows(), 0);
  }
}

TEST(HashAggregateNode, ADecimalSumBeyond38DigitsIsAnError) {
  ASSERT_TRUE(cp::Initialize().ok());
  arrow::Decimal128Builder values(arrow::decimal128(38, 0));
  arrow::Int32Builder keys;
  const auto big = arrow::Decimal128("90000000000000000000000000000000000000");
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(values.Append(big).ok());
    ASSERT_TRUE(keys.Append(1).ok());
  }
  auto table =
      arrow::Table::Make(arrow::schema({arrow::field("k", arrow::int32()),
                                        arrow::field("v", arrow::decimal128(38, 0))}),
                         {keys.Finish().ValueOrDie(), values.Finish().ValueOrDie()});
  ASSERT_TRUE(exec::RegisterHashAggregateNode().ok());
  auto plan = ac::Declaration::Sequence(
      {{"table_source", ac::TableSourceNodeOptions(table)},
       {exec::kHashAggregateNode,
        exec::GroupedAggregateOptions(
            {"k"}, {{"sum", "v"}},
            arrow::schema({arrow::field("k", arrow::int32()),
                           arrow::field("s", arrow::decimal128(38, 0))}))}});
  auto result = ac::DeclarationToTable(std::move(plan), /*use_threads=*/false);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("decimal sum overflow"), std::string::npos)
      << result.status();
}

TEST(HashAggregateNode, RefusesWhatItDoesNotImplement) {
  auto schema = arrow::schema({arrow::field("k", arrow::float64()),
                               arrow::field("i", arrow::int32()),
                               arrow::field("s", arrow::utf8())});
  EXPECT_FALSE(exec::GroupedAggregateSupports(*schema, {"k"}, {{"count_all", ""}}));
  EXPECT_FALSE(exec::GroupedAggregateSupports(*schema, {}, {{"count_all", ""}}));
  EXPECT_FALSE(exec::GroupedAggregateSupports(*schema, {"i"}, {{"min", "s"}}));
  EXPECT_FALSE(exec::GroupedAggregateSupports(*schema, {"i"}, {{"count_distinct", "s"}}));
  EXPECT_TRUE(exec::GroupedAggregateSupports(*schema, {"i", "s"}, {{"sum", "i"}}));
}

}  // namespace
}  // namespace sluice
