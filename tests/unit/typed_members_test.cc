// Typed rows with DECIMAL, list and struct members: round trips, conversions and the
// errors that name the column, the element or the field.
#include <arrow/api.h>
#include <gtest/gtest.h>

#include "sluice/typed.h"
#include "test_util.h"

namespace members_test {

using Money = sluice::Decimal<12, 2>;

struct Point {
  double x;
  std::optional<double> y;
  bool operator==(const Point&) const = default;
};

struct StrictPoint {
  double x;
  double y;
};

struct Nested {
  int64_t id;
  Money amount;
  std::optional<sluice::Decimal<38, 10>> precise;
  std::vector<int32_t> counts;
  std::vector<std::optional<std::string>> tags;
  std::optional<std::vector<double>> maybe_list;
  Point at;
  std::optional<Point> maybe_at;
  std::vector<Point> path;
  bool operator==(const Nested&) const = default;
};

struct StrictTags {
  int64_t id;
  std::vector<std::string> tags;
};

struct StrictAt {
  int64_t id;
  StrictPoint at;
};

struct Amount {
  Money amount;
};

struct Mixed {
  int64_t id;
  std::optional<int64_t> maybe;
  std::string name;
  bool flag;
  double ratio;
  std::optional<sluice::Date> day;
  bool operator==(const Mixed&) const = default;
};

}  // namespace members_test

SLUICE_ROW(members_test::Point, x, y)
SLUICE_ROW(members_test::StrictPoint, x, y)
SLUICE_ROW(members_test::Nested, id, amount, precise, counts, tags, maybe_list, at,
           maybe_at, path)
SLUICE_ROW(members_test::StrictTags, id, tags)
SLUICE_ROW(members_test::StrictAt, id, at)
SLUICE_ROW(members_test::Amount, amount)
SLUICE_ROW(members_test::Mixed, id, maybe, name, flag, ratio, day)

namespace sluice {
namespace {

using members_test::Money;
using members_test::Nested;
using members_test::Point;

std::vector<Nested> Sample() {
  const __int128 big =
      static_cast<__int128>(9'999'999'999'999'999'999ULL) * 1'000'000'000;
  return {
      {1,
       Money::FromUnscaled(123456),
       Decimal<38, 10>::FromUnscaled(big),
       {1, 2, 3},
       {"a", std::nullopt, "it's"},
       std::vector<double>{0.5},
       {1.5, std::nullopt},
       Point{2.5, 3.5},
       {{0, 0}, {1, std::nullopt}}},
      {2,
       Money::FromUnscaled(-5),
       std::nullopt,
       {},
       {},
       std::nullopt,
       {-1, 4},
       std::nullopt,
       {}},
  };
}

TEST(TypedMembers, DecimalsListsAndStructsRoundTripThroughADeltaTable) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  const auto rows = Sample();
  // A table of the rows' own schema, created empty from an encoded batch.
  auto batch = EncodeRows(rows.data(), rows.size()).ValueOrDie();
  ASSERT_TRUE(
      session->RegisterTable("src", arrow::Table::FromRecordBatches({batch}).ValueOrDie())
          .ok());
  ASSERT_TRUE(
      session->Exec("CREATE TABLE nested AS SELECT * FROM src WHERE id < 0").ok());
  auto inserted = Insert(*session, "nested", rows);
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_EQ(inserted->rows_affected, 2);
  auto back = Query<Nested>(*session, "SELECT * FROM nested ORDER BY id").Collect();
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, rows);
  // The DECIMAL column is usable from SQL with its exact value.
  auto total =
      Query<members_test::Amount>(*session,
                                  "SELECT CAST(sum(amount) AS DECIMAL(12, 2)) AS amount "
                                  "FROM nested")
          .First();
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(total->amount.ToString(), "1234.51");
}

TEST(TypedMembers, DecimalsTakeNarrowerDecimalsAndShortIntegersExactly) {
  auto session = Connect().ValueOrDie();
  auto scaled = Query<members_test::Amount>(
                    *session, "SELECT CAST(-12.5 AS DECIMAL(5, 1)) AS amount")
                    .First();
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  EXPECT_EQ(scaled->amount, Money::FromUnscaled(-1250));
  auto integer =
      Query<members_test::Amount>(*session, "SELECT CAST(7 AS INT) AS amount").First();
  ASSERT_TRUE(integer.ok()) << integer.status();
  EXPECT_EQ(integer->amount.ToString(), "7.00");
  // More decimals, more integer digits, or a BIGINT (19 digits) would not fit.
  for (const char* sql : {"SELECT CAST(1 AS DECIMAL(12, 4)) AS amount",
                          "SELECT CAST(1 AS DECIMAL(20, 2)) AS amount",
                          "SELECT CAST(1 AS BIGINT) AS amount"}) {
    auto refused = Query<members_test::Amount>(*session, sql).First();
    ASSERT_FALSE(refused.ok()) << sql;
    EXPECT_TRUE(refused.status().IsTypeError()) << refused.status();
    EXPECT_NE(refused.status().message().find("column \"amount\""), std::string::npos)
        << refused.status();
  }
}

TEST(TypedMembers, DecimalTextIsExact) {
  EXPECT_EQ(Money::Parse("-0.05")->unscaled, -5);
  EXPECT_EQ(Money::Parse("1234567890.1")->ToString(), "1234567890.10");
  EXPECT_EQ(Money::Parse(".5")->ToString(), "0.50");
  EXPECT_FALSE(Money::Parse("12345678901").has_value());  // 11 integer digits
  EXPECT_FALSE(Money::Parse("1.234").has_value());        // 3 decimals
  EXPECT_FALSE(Money::Parse("1e3").has_value());
  EXPECT_FALSE(Money::Parse("-").has_value());
  EXPECT_EQ(Money::FromUnscaled(-5).ToString(), "-0.05");
  EXPECT_DOUBLE_EQ(Money::FromUnscaled(1250).ToDouble(), 12.5);
  EXPECT_LT(Money::FromUnscaled(-1), Money::FromUnscaled(0));
}

TEST(TypedMembers, NullsInsideListsAndStructsNeedOptionalMembers) {
  auto session = Connect().ValueOrDie();
  const auto rows = Sample();
  auto batch = EncodeRows(rows.data(), rows.size()).ValueOrDie();
  ASSERT_TRUE(
      session->RegisterTable("src", arrow::Table::FromRecordBatches({batch}).ValueOrDie())
          .ok());
  auto tags = FromTable<members_test::StrictTags>(*session, "src").Collect();
  ASSERT_FALSE(tags.ok());
  EXPECT_NE(tags.status().message().find(
                "column \"tags\" element holds NULL, but its member is not std::optional "
                "(in members_test::StrictTags)"),
            std::string::npos)
      << tags.status();
  auto at = FromTable<members_test::StrictAt>(*session, "src").Collect();
  ASSERT_FALSE(at.ok());
  EXPECT_NE(at.status().message().find("column \"at\" field \"y\" holds NULL"),
            std::string::npos)
      << at.status();
  // Without NULLs where the members cannot take them, the strict mapping reads fine.
  auto strict =
      Query<members_test::StrictAt>(*session, "SELECT id, at FROM src WHERE id = 2")
          .First();
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_EQ(strict->at.y, 4);
}

TEST(TypedMembers, ListAndStructTypesAreCheckedBeforeAnyRow) {
  auto session = Connect().ValueOrDie();
  // A list of BIGINT does not fit std::vector<int32_t>; a scalar is not a list.
  std::vector<Nested> rows = Sample();
  auto batch = EncodeRows(rows.data(), rows.size()).ValueOrDie();
  ASSERT_TRUE(
      session->RegisterTable("src", arrow::Table::FromRecordBatches({batch}).ValueOrDie())
          .ok());
  auto wrong =
      Query<members_test::StrictTags>(*session, "SELECT id, counts AS tags FROM src")
          .Collect();
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(wrong.status().IsTypeError()) << wrong.status();
  EXPECT_NE(wrong.status().message().find("column \"tags\" is list"), std::string::npos)
      << wrong.status();
  auto scalar =
      Query<members_test::StrictAt>(*session, "SELECT id, id AS at FROM src").Collect();
  ASSERT_FALSE(scalar.ok());
  EXPECT_TRUE(scalar.status().IsTypeError()) << scalar.status();
}

// Columns of the members' own types decode a row at a time; others (here an INT column
// into an int64_t member) column by column. Both give the same rows, from any offset of a
// sliced batch.
TEST(TypedMembers, RowAndColumnDecodingAgree) {
  auto session = Connect().ValueOrDie();
  const std::string columns =
      "CASE WHEN id % 3 = 0 THEN NULL ELSE id * 7 END AS maybe, 'n' || id AS name, "
      "id % 2 = 0 AS flag, id * 5e-1 AS ratio, "
      "CASE WHEN id % 4 = 0 THEN NULL ELSE CAST('2024-01-01' AS DATE) + CAST(id AS INT) "
      "END AS day FROM range(100)";
  auto native = session->Sql("SELECT id, " + columns)->Collect().ValueOrDie();
  auto narrow =
      session->Sql("SELECT CAST(id AS INT) AS id, " + columns)->Collect().ValueOrDie();
  for (const auto& table : {native, narrow}) {
    auto batch = table->CombineChunksToBatch().ValueOrDie()->Slice(3, 50);
    auto decoder = RowDecoder<members_test::Mixed>::Make(*batch->schema()).ValueOrDie();
    std::vector<members_test::Mixed> rows;
    ASSERT_TRUE(decoder.DecodeRange(*batch, 10, 20, &rows).ok());
    ASSERT_EQ(rows.size(), 20u);
    for (int64_t k = 0; k < 20; ++k) {
      const int64_t id = 13 + k;
      const auto& row = rows[static_cast<size_t>(k)];
      EXPECT_EQ(row.id, id);
      EXPECT_EQ(row.maybe, id % 3 == 0 ? std::nullopt : std::optional<int64_t>(id * 7));
      EXPECT_EQ(row.name, "n" + std::to_string(id));
      EXPECT_EQ(row.flag, id % 2 == 0);
      EXPECT_EQ(row.ratio, id * 0.5);
      EXPECT_EQ(row.day, id % 4 == 0
                             ? std::nullopt
                             : std::optional<Date>(Date(std::chrono::days(19723 + id))));
    }
  }
}

}  // namespace
}  // namespace sluice
