// ChooseColumnEncodings: each column's Parquet encoding from a data file's first rows.
#include <arrow/api.h>
#include <gtest/gtest.h>
#include <parquet/properties.h>

#include "delta/column_encodings.h"

namespace sluice::delta {
namespace {

constexpr int64_t kRows = 20000;

template <typename Builder, typename Value>
std::shared_ptr<arrow::Array> Build(Builder builder, int64_t rows,
                                    Value (*value)(int64_t),
                                    bool (*is_null)(int64_t) = nullptr) {
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(
        (is_null && is_null(i) ? builder.AppendNull() : builder.Append(value(i))).ok());
  }
  return builder.Finish().ValueOrDie();
}

struct Choice {
  bool dictionary;
  parquet::Encoding::type fallback;
};

std::map<std::string, Choice> Choose(const std::shared_ptr<arrow::RecordBatch>& sample) {
  parquet::WriterProperties::Builder builder;
  ChooseColumnEncodings(*sample, &builder);
  const auto properties = builder.build();
  std::map<std::string, Choice> choices;
  for (const auto& field : sample->schema()->fields()) {
    const auto path = parquet::schema::ColumnPath::FromDotString(field->name());
    choices[field->name()] = {properties->dictionary_enabled(path),
                              properties->encoding(path)};
  }
  return choices;
}

TEST(ColumnEncodings, DeltasForKeysAndPricesDictionariesForFewValues) {
  auto key = Build(
      arrow::Int64Builder(), kRows, +[](int64_t i) { return 1000 + i / 4; });
  auto flag = Build(
      arrow::Int32Builder(), kRows, +[](int64_t i) { return int32_t(i % 7); });
  auto price = Build(
      arrow::Decimal128Builder(arrow::decimal128(12, 2)), kRows,
      +[](int64_t i) { return arrow::Decimal128(i * 7919 % 1000003); });
  auto rate = Build(
      arrow::Decimal128Builder(arrow::decimal128(4, 2)), kRows,
      +[](int64_t i) { return arrow::Decimal128(i % 11); });
  auto wide = Build(
      arrow::Decimal128Builder(arrow::decimal128(30, 2)), kRows,
      +[](int64_t i) { return arrow::Decimal128(i * 7919); });
  auto nullable = Build(
      arrow::Int64Builder(), kRows, +[](int64_t i) { return i * 104729; },
      +[](int64_t i) { return i % 3 == 0; });
  auto name = Build(
      arrow::StringBuilder(), kRows,
      +[](int64_t i) { return "customer#" + std::to_string(i); });
  auto kind = Build(
      arrow::StringBuilder(), kRows,
      +[](int64_t i) { return std::string(i % 2 ? "AIR" : "RAIL"); });
  auto schema = arrow::schema(
      {arrow::field("key", key->type()), arrow::field("flag", flag->type()),
       arrow::field("price", price->type()), arrow::field("rate", rate->type()),
       arrow::field("wide", wide->type()), arrow::field("nullable", nullable->type()),
       arrow::field("name", name->type()), arrow::field("kind", kind->type())});
  auto choices = Choose(arrow::RecordBatch::Make(
      schema, kRows, {key, flag, price, rate, wide, nullable, name, kind}));
  for (const char* deltas : {"key", "price", "nullable"}) {
    EXPECT_FALSE(choices[deltas].dictionary) << deltas;
    EXPECT_EQ(choices[deltas].fallback, parquet::Encoding::DELTA_BINARY_PACKED) << deltas;
  }
  for (const char* dictionary : {"flag", "rate", "kind", "wide"}) {
    EXPECT_TRUE(choices[dictionary].dictionary) << dictionary;
  }
  // Mostly distinct strings go without a dictionary, in the writer's default (PLAIN).
  EXPECT_FALSE(choices["name"].dictionary);
  EXPECT_EQ(choices["name"].fallback, parquet::Encoding::UNKNOWN);
}

TEST(ColumnEncodings, SmallSamplesKeepTheDefaults) {
  auto key = Build(
      arrow::Int64Builder(), 1000, +[](int64_t i) { return i; });
  auto name = Build(
      arrow::StringBuilder(), 1000, +[](int64_t i) { return std::to_string(i); });
  auto choices =
      Choose(arrow::RecordBatch::Make(arrow::schema({arrow::field("key", key->type()),
                                                     arrow::field("name", name->type())}),
                                      1000, {key, name}));
  EXPECT_TRUE(choices["key"].dictionary);
  EXPECT_TRUE(choices["name"].dictionary);
  // A column that is mostly NULL has too few values to judge either.
  auto sparse = Build(
      arrow::Int64Builder(), kRows, +[](int64_t i) { return i; },
      +[](int64_t i) { return i % 100 != 0; });
  choices = Choose(arrow::RecordBatch::Make(
      arrow::schema({arrow::field("sparse", sparse->type())}), kRows, {sparse}));
  EXPECT_TRUE(choices["sparse"].dictionary);
}

}  // namespace
}  // namespace sluice::delta
