// The portable subset of SQL and DataFrame calls gives the same rows on the embedded
// engine and on Spark: each case runs on both, over the same uploaded tables, and the
// results are compared value by value (as text, rows sorted, since row order without
// ORDER BY is the engine's).
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "sluice/session.h"
#include "spark_test_env.h"

namespace sluice {
namespace {

using testing::SparkServer;

std::shared_ptr<arrow::Table> Trades() {
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("sym", arrow::utf8()),
       arrow::field("price", arrow::float64()), arrow::field("qty", arrow::int64())});
  auto id =
      arrow::json::ArrayFromJSONString(arrow::int64(), "[1,2,3,4,5,6,7,8]").ValueOrDie();
  auto sym = arrow::json::ArrayFromJSONString(
                 arrow::utf8(), R"(["AB","CD","AB","EF","CD","AB",null,"EF"])")
                 .ValueOrDie();
  auto price = arrow::json::ArrayFromJSONString(arrow::float64(),
                                                "[10.5,20,11,30.25,19.5,12,5,null]")
                   .ValueOrDie();
  auto qty = arrow::json::ArrayFromJSONString(arrow::int64(), "[100,5,7,1,3,50,2,9]")
                 .ValueOrDie();
  return arrow::Table::Make(schema, arrow::ArrayVector{id, sym, price, qty});
}

std::shared_ptr<arrow::Table> Symbols() {
  auto schema = arrow::schema(
      {arrow::field("code", arrow::utf8()), arrow::field("name", arrow::utf8())});
  auto code =
      arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["AB","CD","XY"])").ValueOrDie();
  auto name =
      arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["Alpha","Charlie","Xray"])")
          .ValueOrDie();
  return arrow::Table::Make(schema, arrow::ArrayVector{code, name});
}

// Each row as one line of its values in text, the lines sorted.
std::vector<std::string> Canonical(const arrow::Table& table) {
  std::vector<std::string> rows(table.num_rows());
  for (int c = 0; c < table.num_columns(); ++c) {
    int64_t r = 0;
    for (const auto& chunk : table.column(c)->chunks()) {
      for (int64_t i = 0; i < chunk->length(); ++i, ++r) {
        auto scalar = chunk->GetScalar(i).ValueOrDie();
        std::string text = "NULL";
        if (scalar->is_valid) {
          // Integral doubles print alike whatever the engine's type.
          auto as_double = scalar->CastTo(arrow::float64());
          text = as_double.ok()
                     ? std::to_string(
                           static_cast<const arrow::DoubleScalar&>(**as_double).value)
                     : scalar->ToString();
        }
        rows[r] += (c ? "|" : "") + text;
      }
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

class Conformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    local_ = *Connect("local:");
    spark_ = *Connect(SparkServer::Get().Uri());
    for (const auto& session : {local_, spark_}) {
      ASSERT_TRUE(session->RegisterTable("trades", Trades()).ok());
      ASSERT_TRUE(session->RegisterTable("symbols", Symbols()).ok());
    }
  }
  static void TearDownTestSuite() {
    local_.reset();
    spark_.reset();
  }

  // Runs `make` on both sessions and compares what they return.
  void ExpectSame(const std::string& what,
                  const std::function<arrow::Result<DataFrame>(Session&)>& make) {
    auto local = make(*local_);
    ASSERT_TRUE(local.ok()) << what << ": " << local.status();
    auto local_rows = local->Collect();
    ASSERT_TRUE(local_rows.ok()) << what << ": " << local_rows.status();
    auto spark = make(*spark_);
    ASSERT_TRUE(spark.ok()) << what << ": " << spark.status();
    auto spark_rows = spark->Collect();
    ASSERT_TRUE(spark_rows.ok()) << what << ": " << spark_rows.status();
    EXPECT_EQ(Canonical(**local_rows), Canonical(**spark_rows)) << what;
  }

  static std::shared_ptr<Session> local_;
  static std::shared_ptr<Session> spark_;
};

std::shared_ptr<Session> Conformance::local_;
std::shared_ptr<Session> Conformance::spark_;

const char* const kQueries[] = {
    "SELECT id, price * qty AS notional FROM trades WHERE qty > 4",
    "SELECT sym, count(*) AS n, sum(qty) AS q, min(price) AS lo, max(price) AS hi "
    "FROM trades GROUP BY sym",
    "SELECT sym, avg(price) AS mean FROM trades WHERE sym IS NOT NULL GROUP BY sym "
    "HAVING count(*) > 1",
    "SELECT count(*), count(sym), count(DISTINCT sym) FROM trades",
    "SELECT id FROM trades ORDER BY price DESC NULLS LAST, id LIMIT 3",
    "SELECT id FROM trades ORDER BY id LIMIT 2 OFFSET 5",
    "SELECT t.id, s.name FROM trades t JOIN symbols s ON t.sym = s.code",
    "SELECT t.id, s.name FROM trades t LEFT JOIN symbols s ON t.sym = s.code",
    "SELECT id, CASE WHEN qty >= 50 THEN 'big' WHEN qty >= 5 THEN 'mid' ELSE 'small' END "
    "AS size FROM trades",
    "SELECT id, coalesce(sym, 'none') AS s, upper(lower(sym)) AS u, length(sym) AS l "
    "FROM trades",
    "SELECT id FROM trades WHERE sym IN ('AB', 'EF') AND price BETWEEN 10 AND 30",
    "SELECT id FROM trades WHERE sym LIKE 'A%' OR sym LIKE '%F'",
    "SELECT x.sym, x.total FROM (SELECT sym, sum(qty) AS total FROM trades GROUP BY sym) "
    "x "
    "WHERE x.total > 10",
    "SELECT id, abs(price - 15) AS distance, qty % 4 AS r FROM trades WHERE price IS NOT "
    "NULL",
    "SELECT id * 2 + 1 AS odd FROM range(6)",
};

TEST_F(Conformance, PortableSqlGivesTheSameRows) {
  for (const char* query : kQueries) {
    ExpectSame(query, [&](Session& session) { return session.Sql(query); });
  }
}

TEST_F(Conformance, DataFrameCallsGiveTheSameRows) {
  ExpectSame("filter, select", [](Session& session) -> arrow::Result<DataFrame> {
    ARROW_ASSIGN_OR_RAISE(auto trades, session.Table("trades"));
    return trades.Filter("price > 11").Select({"id", "qty * 2 AS double_qty"});
  });
  ExpectSame("aggregate, sort, limit", [](Session& session) -> arrow::Result<DataFrame> {
    ARROW_ASSIGN_OR_RAISE(auto trades, session.Table("trades"));
    return trades.Aggregate({"sym"}, {"sum(qty) AS q", "count(*) AS n"})
        .Sort({"q DESC"})
        .Limit(2);
  });
  ExpectSame("join", [](Session& session) -> arrow::Result<DataFrame> {
    ARROW_ASSIGN_OR_RAISE(auto trades, session.Table("trades"));
    ARROW_ASSIGN_OR_RAISE(auto symbols, session.Table("symbols"));
    return trades.Join(symbols, "l.sym = r.code", JoinType::kLeft).Select({"id", "name"});
  });
}

}  // namespace
}  // namespace sluice
