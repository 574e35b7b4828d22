// The DataFrame API: chaining, deferred errors, parameters, Collect and schema.
#include <arrow/api.h>
#include <gtest/gtest.h>

#include "sluice/session.h"
#include "test_util.h"

namespace sluice {
namespace {

int64_t Int(const std::shared_ptr<arrow::Table>& table, int column, int64_t row) {
  auto chunk = table->CombineChunks().ValueOrDie()->column(column)->chunk(0);
  return std::static_pointer_cast<arrow::Int64Array>(chunk)->Value(row);
}

TEST(DataFrame, ChainsLikeSql) {
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(session->RegisterTable("ids", testing::MakeIdTable(1000)).ok());
  auto frame = session->Table("ids")
                   ->Filter("id % 10 = 3")
                   .Select({"id", "id * 2 AS twice", "s"})
                   .Sort({"id DESC"})
                   .Limit(3, 1);
  ASSERT_TRUE(frame.status().ok()) << frame.status().ToString();
  EXPECT_EQ(frame.schema()->ToString(), "id: int64\ntwice: int64\ns: string");
  auto table = frame.Collect().ValueOrDie();
  ASSERT_EQ(table->num_rows(), 3);
  EXPECT_EQ(Int(table, 0, 0), 983);
  EXPECT_EQ(Int(table, 1, 2), 2 * 963);
}

TEST(DataFrame, AggregateAndJoin) {
  auto session = Connect().ValueOrDie();
  auto numbers = session->Sql("SELECT id, id % 3 AS k FROM range(30)").ValueOrDie();
  auto totals =
      numbers.Aggregate({"k"}, {"sum(id) AS total", "count(*) AS n"}).Sort({"k"});
  auto table = totals.Collect().ValueOrDie();
  ASSERT_EQ(table->num_rows(), 3);
  EXPECT_EQ(Int(table, 1, 0), 0 + 3 + 6 + 9 + 12 + 15 + 18 + 21 + 24 + 27);
  EXPECT_EQ(Int(table, 2, 2), 10);

  auto names = session->Sql("SELECT * FROM (VALUES (0, 'zero'), (2, 'two')) v(k, name)")
                   .ValueOrDie();
  auto joined = totals.Join(names, "l.k = r.k").Select({"name", "total"}).Sort({"total"});
  auto result = joined.Collect().ValueOrDie();
  ASSERT_EQ(result->num_rows(), 2) << result->ToString();
  EXPECT_EQ(result->schema()->field(0)->name(), "name");
  auto left = totals.Join(names, "l.k = r.k", JoinType::kLeft).Collect().ValueOrDie();
  EXPECT_EQ(left->num_rows(), 3);
}

// Each argument is parsed on its own as exactly one fragment: text that would reach
// into the rest of a statement (another table, another clause) is refused.
TEST(DataFrame, ExpressionsCannotEscapeTheirCall) {
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(session->RegisterTable("ids", testing::MakeIdTable(10)).ok());
  ASSERT_TRUE(session->RegisterTable("secret", testing::MakeIdTable(5)).ok());
  auto ids = session->Table("ids").ValueOrDie();
  struct Case {
    DataFrame frame;
    std::string expected;
  };
  const Case cases[] = {
      {ids.Select({"* FROM secret --"}),
       "Select: '* FROM secret --' is not one select item"},
      {ids.Select({"id, s"}), "is not one select item"},
      {ids.Select({"id /*"}), "unterminated /* comment"},
      {ids.Filter("true UNION SELECT * FROM secret"), "is not one expression"},
      {ids.Filter("id > 1 --"), ""},
      {ids.Filter("id > 1 ORDER BY 1"), "is not one expression"},
      {ids.Filter("id AS x"), "is not one expression"},
      {ids.Sort({"id LIMIT 1"}), "is not one sort key"},
      {ids.Sort({"id; DROP TABLE secret"}), "is not one sort key"},
      {ids.Aggregate({"s"}, {"count(*) FROM secret"}), "is not one select item"},
      {ids.Aggregate({"*"}, {"count(*)"}), "is not allowed to be *"},
      {ids.Join(ids, "l.id = r.id WHERE false"), "is not one expression"},
      {ids.Join(ids, "l.id = r.id')"), "unterminated quoted string"},
  };
  for (const auto& c : cases) {
    if (c.expected.empty()) {
      EXPECT_TRUE(c.frame.status().ok()) << c.frame.status().ToString();
      EXPECT_EQ(c.frame.Collect().ValueOrDie()->num_rows(), 8);
      continue;
    }
    EXPECT_FALSE(c.frame.status().ok()) << c.expected;
    EXPECT_NE(c.frame.status().message().find(c.expected), std::string::npos)
        << c.frame.status().ToString();
  }
  // A reference to the internal input name is no way in either.
  EXPECT_FALSE(ids.Filter("id IN (SELECT id FROM __input)").status().ok());
}

// `?` placeholders are numbered in order and bound by value, like $n.
TEST(DataFrame, QuestionMarkPlaceholdersAreBoundInOrder) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  ASSERT_TRUE(
      session->Exec("CREATE TABLE t AS SELECT id, 'v' || id AS s FROM range(5)").ok());
  ASSERT_TRUE(session
                  ->Exec("INSERT INTO t VALUES (?, ?)",
                         {Param(int64_t{7}), Param("it's; DROP TABLE t --")})
                  .ok());
  auto table = session
                   ->Sql(
                       "SELECT count(*) AS n, max(s) AS m FROM t VERSION AS OF 2 "
                       "WHERE id >= ? AND s <> ?",
                       {Param(int64_t{2}), Param("v3")})
                   ->Collect()
                   .ValueOrDie();
  EXPECT_EQ(Int(table, 0, 0), 3);  // 2, 4 and 7
  auto mixed = session->Sql("SELECT ? + $1", {Param(1)});
  EXPECT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("either ? or $n placeholders"),
            std::string::npos);
  auto unbound = session->Sql("SELECT ? + ?", {Param(1)});
  EXPECT_FALSE(unbound.ok());
  EXPECT_NE(unbound.status().message().find("$2"), std::string::npos) << unbound.status();
}

// Errors in a DataFrame argument point into the arguments as given.
TEST(DataFrame, ArgumentErrorsShowTheArguments) {
  auto session = Connect().ValueOrDie();
  auto frame = session->Sql("SELECT id FROM range(3)")->Select({"id", "nope + 1 AS x"});
  EXPECT_NE(frame.status().message().find("(line 1, column 5)\n  id, nope + 1 AS x\n"
                                          "      ^"),
            std::string::npos)
      << frame.status().ToString();
}

TEST(DataFrame, ErrorsAreKeptAndReported) {
  auto session = Connect().ValueOrDie();
  auto frame =
      session->Sql("SELECT id FROM range(3)")->Select({"nope + 1"}).Filter("id > 1");
  EXPECT_FALSE(frame.status().ok());
  EXPECT_NE(frame.status().message().find("column \"nope\" does not exist"),
            std::string::npos)
      << frame.status().ToString();
  EXPECT_EQ(frame.schema(), nullptr);
  EXPECT_FALSE(frame.Collect().ok());
  EXPECT_FALSE(frame.Stream().ok());
  EXPECT_TRUE(session->Sql("SELECT 1")->Limit(-1).status().IsInvalid());
}

TEST(DataFrame, ParametersBindByValue) {
  auto session = Connect().ValueOrDie();
  auto frame =
      session->Sql("SELECT id FROM range(100) WHERE id >= $1 AND id < $2 AND $3 = 'x'",
                   {Param(int64_t{10}), Param(13), Param("x")});
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  auto table = frame->Collect().ValueOrDie();
  ASSERT_EQ(table->num_rows(), 3);
  EXPECT_EQ(Int(table, 0, 2), 12);
  // A parameter is a value, never SQL.
  auto injected = session->Sql("SELECT count(*) FROM range(5) WHERE $1 = 'a'",
                               {Param("a' OR '1'='1")});
  EXPECT_EQ(Int(injected->Collect().ValueOrDie(), 0, 0), 0);
  EXPECT_FALSE(session->Sql("SELECT $2", {Param(1)}).ok());
}

TEST(DataFrame, ExplainShowsPushdown) {
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(session->RegisterTable("ids", testing::MakeIdTable(100)).ok());
  auto plan = session->Sql("SELECT id + 1 FROM ids WHERE id > 5")->Explain().ValueOrDie();
  EXPECT_NE(plan.find("columns=[id]"), std::string::npos) << plan;  // s is never read
  EXPECT_NE(plan.find("filter_hint=(id > 5)"), std::string::npos) << plan;
  auto rows = session->Sql("EXPLAIN SELECT id FROM ids")->Collect().ValueOrDie();
  EXPECT_EQ(rows->schema()->field(0)->name(), "plan");
  EXPECT_GE(rows->num_rows(), 2);
}

TEST(DataFrame, ASortUnderALimitKeepsOnlyTheRowsTheLimitNeeds) {
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(session->RegisterTable("ids", testing::MakeIdTable(100)).ok());
  // Through a projection: OFFSET 3 + LIMIT 2 rows of the order.
  auto plan = session->Sql("SELECT id + 1 FROM ids ORDER BY id DESC LIMIT 2 OFFSET 3")
                  ->Explain()
                  .ValueOrDie();
  EXPECT_NE(plan.find("] first 5"), std::string::npos) << plan;
  // An aggregate between them needs every row: no limit.
  plan = session
             ->Sql(
                 "SELECT id % 3, count(*) FROM (SELECT id FROM ids ORDER BY id) t "
                 "GROUP BY 1 LIMIT 2")
             ->Explain()
             .ValueOrDie();
  EXPECT_EQ(plan.find(" first "), std::string::npos) << plan;
  auto rows = session->Sql("SELECT id FROM ids ORDER BY id DESC LIMIT 2 OFFSET 3")
                  ->Collect()
                  .ValueOrDie();
  ASSERT_EQ(rows->num_rows(), 2);
  EXPECT_EQ(rows->column(0)->ToString(), "[\n  [\n    96,\n    95\n  ]\n]");
}

size_t Occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

TEST(DataFrame, RepeatedSubexpressionsAreComputedOnce) {
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(session->RegisterTable("ids", testing::MakeIdTable(100)).ok());
  const std::string sql =
      "SELECT sum((id * 3) - 1), sum(((id * 3) - 1) * 2), max((id * 3) - 1 + id % 7), "
      "min(id % 7) FROM ids";
  auto plan = session->Sql(sql)->Explain().ValueOrDie();
  EXPECT_EQ(Occurrences(plan, "multiply_checked(id"), 1u) << plan;
  EXPECT_EQ(Occurrences(plan, "divide_checked(id"), 1u) << plan;  // id % 7
  auto table = session->Sql(sql)->Collect().ValueOrDie();
  // ids 0..99: sum(3i - 1) = 14750, twice that, max(3i - 1 + i % 7) = 296 + 1, min 0.
  EXPECT_EQ(Int(table, 0, 0), 14750);
  EXPECT_EQ(Int(table, 1, 0), 29500);
  EXPECT_EQ(Int(table, 2, 0), 297);
  EXPECT_EQ(Int(table, 3, 0), 0);
}

TEST(DataFrame, CountOfAWholeTableComesFromMetadata) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  for (const char* sql :
       {"CREATE TABLE t AS SELECT id FROM range(1000)",
        "INSERT INTO t SELECT id FROM range(500)", "DELETE FROM t WHERE id < 100"}) {
    ASSERT_TRUE(session->Exec(sql).ok()) << sql;
  }
  const std::string whole = "SELECT count(*), count(*) AS again FROM t";
  auto plan = session->Sql(whole)->Explain().ValueOrDie();
  EXPECT_NE(plan.find("from metadata"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Aggregate"), std::string::npos) << plan;
  auto table = session->Sql(whole)->Collect().ValueOrDie();
  EXPECT_EQ(Int(table, 0, 0), 1300);  // ids 100..999, and 100..499 again
  EXPECT_EQ(Int(table, 1, 0), 1300);
  // A filter, a key or another aggregate needs the rows.
  for (const char* sql : {"SELECT count(*) FROM t WHERE id > 10",
                          "SELECT count(*) FILTER (WHERE id > 10) FROM t",
                          "SELECT count(*), count(id) FROM t",
                          "SELECT id % 2, count(*) FROM t GROUP BY 1"}) {
    auto explained = session->Sql(sql)->Explain().ValueOrDie();
    EXPECT_EQ(explained.find("from metadata"), std::string::npos) << sql << "\n"
                                                                  << explained;
  }
  table = session->Sql("SELECT count(*) FROM t WHERE id >= 500")->Collect().ValueOrDie();
  EXPECT_EQ(Int(table, 0, 0), 500);
}

TEST(DataFrame, ACountWithAFilterReadsOnlyTheFilteredColumns) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  ASSERT_TRUE(
      session->Exec("CREATE TABLE t AS SELECT id, id * 2 AS a, 'x' AS s FROM range(1000)")
          .ok());
  const std::string sql = "SELECT count(*) FROM t WHERE a > 10";
  auto plan = session->Sql(sql)->Explain().ValueOrDie();
  EXPECT_NE(plan.find("columns=[a]"), std::string::npos) << plan;
  EXPECT_EQ(Int(session->Sql(sql)->Collect().ValueOrDie(), 0, 0), 994);
  // The same through a projection and a union.
  const std::string unioned =
      "SELECT count(*) FROM (SELECT s, id FROM t WHERE a > 10 UNION ALL "
      "SELECT s, id FROM t WHERE id < 3) u";
  plan = session->Sql(unioned)->Explain().ValueOrDie();
  EXPECT_NE(plan.find("columns=[a] filter_hint"), std::string::npos) << plan;
  EXPECT_NE(plan.find("columns=[id] filter_hint"), std::string::npos) << plan;
  EXPECT_EQ(Int(session->Sql(unioned)->Collect().ValueOrDie(), 0, 0), 997);
}

// As in PostgreSQL: a CTE read more than once (or MATERIALIZED) is computed once per
// query; one read once (or NOT MATERIALIZED) is part of the query.
TEST(DataFrame, ACteReadTwiceIsComputedOnce) {
  auto session = Connect().ValueOrDie();
  const std::string body = " (SELECT id % 10 AS k, id FROM range(1000)) ";
  const std::string twice =
      "SELECT count(*), sum(a.id + b.id) FROM t a JOIN t b ON a.id = b.id";
  const std::string once = "SELECT count(*), sum(id) FROM t";
  struct Case {
    std::string sql;
    int64_t scanned;
    int64_t count;
    int64_t sum;
  };
  for (const Case& c :
       {Case{"WITH t AS" + body + twice, 1000, 1000, 999000},
        Case{"WITH t AS NOT MATERIALIZED" + body + twice, 2000, 1000, 999000},
        Case{"WITH t AS" + body + once, 1000, 1000, 499500},
        Case{"WITH t AS MATERIALIZED" + body + once, 1000, 1000, 499500}}) {
    SCOPED_TRACE(c.sql);
    EXPECT_EQ(testing::RowsScanned(*session, c.sql), c.scanned);
    auto table = session->Sql(c.sql)->Collect().ValueOrDie();
    EXPECT_EQ(Int(table, 0, 0), c.count);
    EXPECT_EQ(Int(table, 1, 0), c.sum);
    const bool materialized = c.sql.find(" MATERIALIZED") != std::string::npos &&
                              c.sql.find("NOT MATERIALIZED") == std::string::npos;
    const bool shared = c.scanned == 1000 && c.sql.find(twice) != std::string::npos;
    EXPECT_EQ(session->Sql(c.sql)->Explain().ValueOrDie().find("materialized CTE t") !=
                  std::string::npos,
              materialized || shared);
  }
  // EXPLAIN shows the CTE's plan once, under its first reference.
  const std::string plan =
      session->Sql("WITH t AS" + body + twice)->Explain().ValueOrDie();
  const size_t cte_scan = plan.find("Scan range(");
  ASSERT_NE(cte_scan, std::string::npos) << plan;
  EXPECT_EQ(plan.find("Scan range(", cte_scan + 1), std::string::npos) << plan;
  EXPECT_LT(plan.find("materialized CTE t"), cte_scan) << plan;
  // References read the columns they need, in their own order.
  auto pair =
      session
          ->Sql("WITH t AS" + body +
                "SELECT b.k, a.id, b.id FROM t a, t b WHERE a.id = 7 AND b.id = 18")
          ->Collect()
          .ValueOrDie();
  ASSERT_EQ(pair->num_columns(), 3);
  EXPECT_EQ(Int(pair, 0, 0), 8);
  EXPECT_EQ(Int(pair, 1, 0), 7);
  EXPECT_EQ(Int(pair, 2, 0), 18);
  // An error in the CTE is every reference's.
  auto failed = session->Sql(
      "WITH t AS (SELECT CAST(id AS INTEGER) / (id - 5) AS q FROM range(10)) "
      "SELECT * FROM t a, t b");
  ASSERT_TRUE(failed.ok());
  auto result = failed->Collect();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("ivide by zero"), std::string::npos)
      << result.status().ToString();
}

TEST(DataFrame, CorrelatedAggregatesGroupOnlyTheKeysTheOuterQueryHas) {
  auto session = Connect().ValueOrDie();
  // Ten outer rows (7, 107, ..., 907); the subquery groups 200k rows by id % 1000, 200
  // rows a key. Each outer row's count is 200, or 0 where its key is shifted past 999.
  const std::string sql =
      "SELECT sum(n), count(*), count(*) FILTER (WHERE n = 0) FROM (SELECT a.id, "
      "(SELECT count(*) FROM range(200000) l WHERE l.id % 1000 = a.id + "
      "CASE WHEN a.id > 500 THEN 995 ELSE 0 END) AS n "
      "FROM range(1000) a WHERE a.id % 100 = 7) t";
  auto plan = session->Sql(sql)->Explain().ValueOrDie();
  // The semi join filters the 200k rows below the aggregate, not the outer rows.
  const auto aggregate = plan.find("Aggregate keys=[correlation");
  ASSERT_NE(aggregate, std::string::npos) << plan;
  EXPECT_NE(plan.find("SemiJoin", aggregate), std::string::npos) << plan;
  auto table = session->Sql(sql)->Collect().ValueOrDie();
  EXPECT_EQ(Int(table, 0, 0), 5 * 200);  // 7..407 match; 507..907 shift past 999
  EXPECT_EQ(Int(table, 1, 0), 10);
  EXPECT_EQ(Int(table, 2, 0), 5);
  // In WHERE (TPC-H Q17's shape): 7 and 107 are below their count of 200.
  table = session
              ->Sql(
                  "SELECT count(*), sum(a.id) FROM range(1000) a WHERE a.id % 100 = 7 "
                  "AND a.id < (SELECT count(*) FROM range(200000) l "
                  "WHERE l.id % 1000 = a.id)")
              ->Collect()
              .ValueOrDie();
  EXPECT_EQ(Int(table, 0, 0), 2);
  EXPECT_EQ(Int(table, 1, 0), 114);
}

TEST(DataFrame, OuterJoinsBuildTheirHashTableFromTheSmallerInput) {
  auto session = Connect().ValueOrDie();
  // The preserved side has 10 rows, the other 100k: the join is planned as a RIGHT JOIN
  // with the 10 rows on the right, in the hash table. a.id meets an even b.id for
  // a.id = 0, 2, 4, 6, 8; the other five rows are kept with NULLs.
  const std::string sql =
      "SELECT count(*), count(b.id), sum(a.id), sum(b.id) FROM range(10) a "
      "LEFT JOIN range(100000) b ON a.id = b.id AND b.id % 2 = 0";
  auto plan = session->Sql(sql)->Explain().ValueOrDie();
  EXPECT_NE(plan.find("RightJoin"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("LeftJoin"), std::string::npos) << plan;
  auto table = session->Sql(sql)->Collect().ValueOrDie();
  EXPECT_EQ(Int(table, 0, 0), 10);
  EXPECT_EQ(Int(table, 1, 0), 5);
  EXPECT_EQ(Int(table, 2, 0), 45);
  EXPECT_EQ(Int(table, 3, 0), 0 + 2 + 4 + 6 + 8);
}

TEST(DataFrame, AnEqualityKeepsOneValuesShareOfTheRowsWhereTheFilesCountTheValues) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  // status has 3 values, stored dictionary-encoded: status = 'F' keeps 10000 of 30000
  // orders, more than the 5000 items, which are then the hash table (the right input).
  // A fixed 10% (3000 rows) would have put the filtered orders there instead.
  for (const char* sql :
       {"CREATE TABLE orders AS SELECT id, CASE id % 3 WHEN 0 THEN 'F' WHEN 1 THEN 'O' "
        "ELSE 'P' END AS status FROM range(30000)",
        "CREATE TABLE items AS SELECT id * 6 AS oid FROM range(5000)"}) {
    ASSERT_TRUE(session->Exec(sql).ok()) << sql;
  }
  const std::string sql =
      "SELECT count(*) FROM orders, items WHERE id = oid AND status = 'F'";
  auto plan = session->Sql(sql)->Explain().ValueOrDie();
  const auto filter = plan.find("Filter (status");
  const auto items = plan.find("/items version");
  ASSERT_NE(filter, std::string::npos) << plan;
  ASSERT_NE(items, std::string::npos) << plan;
  EXPECT_LT(filter, items) << plan;
  // oid = 0, 6, ..., 29994: every one an order, all with status 'F'.
  EXPECT_EQ(Int(session->Sql(sql)->Collect().ValueOrDie(), 0, 0), 5000);
}

TEST(DataFrame, EqualitiesOfExpressionsAreHashKeys) {
  auto session = Connect().ValueOrDie();
  // a.id * 3 = b.id + 1 holds for a.id = 1..6 (b.id = 2, 5, ..., 17), in every join kind;
  // each side computes its expression as a key column instead of a cross join's filter.
  const std::vector<std::pair<std::string, std::vector<int64_t>>> cases = {
      {"JOIN", {6, 6, 6}}, {"LEFT JOIN", {10, 10, 6}}, {"FULL JOIN", {24, 10, 20}}};
  for (const auto& [join, counts] : cases) {
    const std::string sql =
        "SELECT count(*), count(a.id), count(b.id) FROM range(10) a " + join +
        " range(20) b ON a.id * 3 = b.id + 1";
    auto plan = session->Sql(sql)->Explain().ValueOrDie();
    EXPECT_EQ(plan.find("on []"), std::string::npos) << sql << "\n" << plan;
    auto table = session->Sql(sql)->Collect().ValueOrDie();
    for (int column = 0; column < 3; ++column)
      EXPECT_EQ(Int(table, column, 0), counts[column]) << sql << " column " << column;
  }
}

TEST(DataFrame, SemiJoinsFilterTheInputTheyTestBeforeItIsJoined) {
  auto session = Connect().ValueOrDie();
  const std::string sql =
      "SELECT count(*), sum(b.id) FROM range(1000) a, range(1000) b "
      "WHERE a.id = b.id AND a.id IN (SELECT id * 10 FROM range(5)) "
      "AND NOT EXISTS (SELECT 1 FROM range(15) c WHERE c.id = b.id)";
  auto plan = session->Sql(sql)->Explain().ValueOrDie();
  // Both tests sit below the inner join, each on its own side.
  const auto inner = plan.find("InnerJoin");
  ASSERT_NE(inner, std::string::npos) << plan;
  for (const char* test : {"SemiJoin", "AntiJoin"}) {
    const auto at = plan.find(test);
    EXPECT_TRUE(at != std::string::npos && at > inner) << test << " in\n" << plan;
  }
  auto table = session->Sql(sql)->Collect().ValueOrDie();
  EXPECT_EQ(Int(table, 0, 0), 3);  // 20, 30, 40 (0 and 10 are below 15)
  EXPECT_EQ(Int(table, 1, 0), 90);
}

TEST(DataFrame, RegisteredNamesAreCaseInsensitiveAndUnique) {
  auto session = Connect().ValueOrDie();
  ASSERT_TRUE(session->RegisterTable("Trades", testing::MakeIdTable(10)).ok());
  EXPECT_TRUE(
      session->RegisterTable("trades", testing::MakeIdTable(1)).IsAlreadyExists());
  EXPECT_EQ(
      Int(session->Sql("SELECT count(*) FROM trades")->Collect().ValueOrDie(), 0, 0), 10);
  EXPECT_EQ(session->TableNames(), std::vector<std::string>({"Trades"}));
  ASSERT_TRUE(session->DropTable("TRADES").ok());
  EXPECT_FALSE(session->Sql("SELECT * FROM trades").ok());
}

TEST(DataFrame, ConnectRejectsUnknownEngines) {
  auto session = Connect("postgres://x");
  EXPECT_TRUE(session.status().IsInvalid());
  EXPECT_NE(session.status().message().find("postgres://x"), std::string::npos);
  EXPECT_EQ(Connect("local:/tmp/wh").ValueOrDie()->options().warehouse, "/tmp/wh");
  EXPECT_EQ(Connect().ValueOrDie()->options().warehouse, "./warehouse");
}

}  // namespace
}  // namespace sluice
