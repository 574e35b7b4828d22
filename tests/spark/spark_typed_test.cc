// Typed rows and the session pool on a Spark session: structs out of Spark queries, the
// mapping checked before any row, and pooled sessions configured on creation.
#include <gtest/gtest.h>

#include "sluice/session_pool.h"
#include "sluice/typed.h"
#include "spark_test_env.h"

namespace spark_typed {

struct Trade {
  int64_t id;
  std::string sym;
  double px;
  std::optional<int64_t> qty;
};

struct Pair {
  int32_t x;
  std::optional<std::string> y;
  bool operator==(const Pair&) const = default;
};

struct Shaped {
  int64_t id;
  sluice::Decimal<12, 2> amount;
  std::vector<int32_t> counts;
  Pair pair;
};

struct Mismatched {
  int64_t id;
  int64_t missing;
};

}  // namespace spark_typed

SLUICE_ROW(spark_typed::Trade, id, sym, px, qty)
SLUICE_ROW(spark_typed::Pair, x, y)
SLUICE_ROW(spark_typed::Shaped, id, amount, counts, pair)
SLUICE_ROW(spark_typed::Mismatched, id, missing)

namespace sluice {
namespace {

using spark_typed::Trade;
using testing::SparkServer;

constexpr const char* kTrades =
    "SELECT id, concat('S', CAST(id % 3 AS STRING)) AS sym, CAST(id AS DOUBLE) / 2 AS "
    "px, "
    "CASE WHEN id % 2 = 0 THEN id * 10 END AS qty FROM range(5)";

TEST(SparkTyped, StructsComeOutOfSparkQueries) {
  auto session = Connect(SparkServer::Get().Uri()).ValueOrDie();
  auto rows = Query<Trade>(*session, kTrades).Collect();
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ((*rows)[4].id, 4);
  EXPECT_EQ((*rows)[4].sym, "S1");
  EXPECT_DOUBLE_EQ((*rows)[4].px, 2.0);
  EXPECT_EQ((*rows)[4].qty, std::optional<int64_t>(40));
  EXPECT_EQ((*rows)[3].qty, std::nullopt);

  auto none = Query<Trade>(*session, std::string(kTrades) + " LIMIT 0").First();
  EXPECT_TRUE(IsNoRows(none.status())) << none.status();
  auto mismatched = Query<spark_typed::Mismatched>(*session, kTrades).Collect();
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("\"missing\" for spark_typed::Mismatched"),
            std::string::npos)
      << mismatched.status();

  auto stream =
      Query<Trade>(*session,
                   "SELECT id, 'x' AS sym, CAST(1.5 AS DOUBLE) AS px, id AS qty "
                   "FROM range(0, 300000, 1, 3)")
          .Stream();
  ASSERT_TRUE(stream.ok()) << stream.status();
  int64_t count = 0, sum = 0;
  for (const Trade& trade : **stream) {
    ++count;
    sum += trade.id;
  }
  ASSERT_TRUE((*stream)->status().ok()) << (*stream)->status();
  EXPECT_EQ(count, 300000);
  EXPECT_EQ(sum, int64_t{300000} * 299999 / 2);
}

TEST(SparkTyped, DecimalListAndStructMembers) {
  auto session = Connect(SparkServer::Get().Uri()).ValueOrDie();
  auto rows =
      Query<spark_typed::Shaped>(
          *session,
          "SELECT id, CAST(id * 1.25 AS DECIMAL(12, 2)) AS amount, "
          "array(CAST(id AS INT), 2) AS counts, named_struct('x', CAST(id AS INT), "
          "'y', CASE WHEN id = 1 THEN 'one' END) AS pair FROM range(3) ORDER BY id")
          .Collect();
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  const auto& one = (*rows)[1];
  EXPECT_EQ(one.amount.ToString(), "1.25");
  EXPECT_EQ(one.counts, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(one.pair, (spark_typed::Pair{1, "one"}));
  EXPECT_EQ((*rows)[2].amount.ToString(), "2.50");
  EXPECT_EQ((*rows)[2].pair, (spark_typed::Pair{2, std::nullopt}));
}

TEST(SparkTyped, PooledSparkSessionsAreConfiguredOnCreation) {
  SessionPoolOptions options;
  options.uri = SparkServer::Get().Uri();
  options.max_sessions = 2;
  options.settings = {{"spark.sql.shuffle.partitions", "3"},
                      {"max_buffered_batches", "4"}};
  auto pool = SessionPool::Make(options).ValueOrDie();
  {
    auto first = pool->Borrow().ValueOrDie();
    auto second = pool->Borrow().ValueOrDie();
    EXPECT_NE(first.session(), second.session());
    EXPECT_EQ(*first->Get("spark.sql.shuffle.partitions"), "3");
    EXPECT_EQ(*second->Get("max_buffered_batches"), "4");
    auto rows = Query<Trade>(*first, kTrades).Collect();
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(rows->size(), 5u);
  }
  EXPECT_EQ(pool->borrowed(), 0u);
  EXPECT_TRUE(pool->Close(std::chrono::seconds(10)).ok());
}

}  // namespace
}  // namespace sluice
