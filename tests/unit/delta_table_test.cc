// Delta Lake tables: commits, replay, time travel, concurrency, bad input, file skipping.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/schema.h>

#include "delta/delta_table.h"
#include "sluice/session.h"
#include "test_util.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using testing::RowsScanned;

std::shared_ptr<arrow::Schema> KvSchema() {
  return arrow::schema(
      {arrow::field("k", arrow::int64()), arrow::field("p", arrow::utf8())});
}

// Rows k in [first, first + n), p = "p<k % parts>".
std::shared_ptr<arrow::RecordBatchReader> Rows(int64_t first, int64_t n, int parts = 1) {
  arrow::Int64Builder ks;
  arrow::StringBuilder ps;
  for (int64_t k = first; k < first + n; ++k) {
    EXPECT_TRUE(ks.Append(k).ok());
    EXPECT_TRUE(ps.Append("p" + std::to_string(k % parts)).ok());
  }
  auto batch = arrow::RecordBatch::Make(
      KvSchema(), n, {ks.Finish().ValueOrDie(), ps.Finish().ValueOrDie()});
  return arrow::RecordBatchReader::Make({batch}, KvSchema()).ValueOrDie();
}

int64_t Count(Session& session, const std::string& sql) {
  auto table = session.Sql(sql)->Collect().ValueOrDie()->CombineChunks().ValueOrDie();
  return std::static_pointer_cast<arrow::Int64Array>(table->column(0)->chunk(0))
      ->Value(0);
}

int DataFiles(const fs::path& root) {
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() == ".parquet" &&
        entry.path().parent_path().filename() != "_delta_log") {
      ++files;
    }
  }
  return files;
}

TEST(DeltaTable, AppendsAreVersionsAndTimeTravelSeesEachOne) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto table = delta::DeltaTable::Create(root, KvSchema(), {"p"}).ValueOrDie();
  for (int i = 0; i < 3; ++i) {
    auto reader = Rows(i * 100, 100, 4);
    auto result = table->Append(reader.get()).ValueOrDie();
    EXPECT_EQ(result.version, i + 1);
    EXPECT_EQ(result.rows, 100);
    EXPECT_EQ(result.files, 4);  // one per partition
  }
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM t"), 300);
  EXPECT_EQ(Count(*session, "SELECT sum(k) FROM t WHERE p = 'p1'"),
            75 * (1 + 297) / 2 * 1);
  for (int version = 0; version <= 3; ++version) {
    EXPECT_EQ(Count(*session, "SELECT count(*) FROM delta_scan('" + root + "', " +
                                  std::to_string(version) + ")"),
              version * 100);
  }
  auto old = table->AtVersion(1).ValueOrDie();
  EXPECT_EQ(old->files().size(), 4u);
  EXPECT_FALSE(table->AtVersion(4).ok());
  EXPECT_EQ(table->AtTimestamp(0).status().code(), arrow::StatusCode::IOError);
}

TEST(DeltaTable, ConcurrentWritersCommitEveryAppendExactlyOnce) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  ASSERT_TRUE(delta::DeltaTable::Create(root, KvSchema(), {}).ok());
  constexpr int kWriters = 6, kAppends = 8;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      // Each writer opens the table itself, as a separate process would.
      auto table = delta::DeltaTable::Open(root).ValueOrDie();
      for (int i = 0; i < kAppends; ++i) {
        auto reader = Rows((w * kAppends + i) * 10, 10);
        ASSERT_TRUE(table->Append(reader.get()).ok());
      }
    });
  }
  for (auto& writer : writers) writer.join();
  auto snapshot = delta::DeltaTable::Open(root).ValueOrDie()->Latest().ValueOrDie();
  EXPECT_EQ(snapshot->version(), kWriters * kAppends);
  EXPECT_EQ(snapshot->files().size(), static_cast<size_t>(kWriters * kAppends));
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  const int64_t n = kWriters * kAppends * 10;
  EXPECT_EQ(Count(*session, "SELECT count(DISTINCT k) FROM t"), n);
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM t"), n);
}

TEST(DeltaTable, MismatchedDataIsRejectedBeforeAnythingIsWritten) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto table = delta::DeltaTable::Create(root, KvSchema(), {}).ValueOrDie();
  auto wrong_schema = arrow::schema({arrow::field("k", arrow::int32())});
  auto reader = arrow::RecordBatchReader::Make({}, wrong_schema).ValueOrDie();
  auto result = table->Append(reader.get());
  EXPECT_TRUE(result.status().IsTypeError());
  EXPECT_NE(result.status().message().find("does not match the schema"),
            std::string::npos);
  EXPECT_EQ(DataFiles(root), 0);
  EXPECT_EQ(table->Latest().ValueOrDie()->version(), 0);
}

TEST(DeltaTable, AFailingStreamLeavesTheTableAsItWas) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  ASSERT_TRUE(session->Exec("CREATE TABLE t (k BIGINT)").ok());
  ASSERT_TRUE(session->Exec("INSERT INTO t SELECT id FROM range(10)").ok());
  // The query fails mid-stream, after some data files may have been written.
  auto failed =
      session->Exec("INSERT INTO t SELECT 100 / (id - 700000) FROM range(1000000)");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM t"), 10);
  EXPECT_EQ(DataFiles(dir.path() / "t"), 1)
      << "data files of the failed insert were left behind";
}

TEST(DeltaTable, ACorruptLogEntryIsAnErrorNamingTheFile) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto table = delta::DeltaTable::Create(root, KvSchema(), {}).ValueOrDie();
  std::ofstream(delta::CommitPath(root, 1))
      << "{\"add\": {\"path\": \"x.parquet\", \"size\":";
  auto reopened = delta::DeltaTable::Open(root);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.status().message().find("00000000000000000001.json"),
            std::string::npos)
      << reopened.status().ToString();
  EXPECT_NE(reopened.status().message().find("line 1"), std::string::npos);
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  auto query = session->Sql("SELECT * FROM t");
  EXPECT_FALSE(query.ok());
}

TEST(DeltaTable, TablesNeedingUnsupportedFeaturesAreRefused) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  ASSERT_TRUE(delta::DeltaTable::Create(root, KvSchema(), {}).ok());
  std::ofstream(delta::CommitPath(root, 1))
      << R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}})"
      << "\n";
  auto reopened = delta::DeltaTable::Open(root);
  ASSERT_FALSE(reopened.ok());
  EXPECT_TRUE(reopened.status().IsNotImplemented());
  EXPECT_NE(reopened.status().message().find("deletionVectors"), std::string::npos)
      << reopened.status().ToString();
}

TEST(DeltaTable, ATransactionVersionIsCommittedOnce) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto table = delta::DeltaTable::Create(root, KvSchema(), {}).ValueOrDie();
  delta::WriteOptions options;
  options.txn = delta::Txn{"query-1", 7, 0};
  auto first = table->Append(Rows(0, 5).get(), options).ValueOrDie();
  EXPECT_EQ(first.version, 1);
  auto replayed = table->Append(Rows(0, 5).get(), options).ValueOrDie();
  EXPECT_EQ(replayed.version, -1) << "a replayed transaction must be skipped";
  EXPECT_EQ(DataFiles(root), 1);
  auto snapshot = delta::DeltaTable::Open(root).ValueOrDie()->Latest().ValueOrDie();
  EXPECT_EQ(snapshot->TxnVersion("query-1"), 7);
  EXPECT_EQ(snapshot->version(), 1);
}

TEST(DeltaTable, FilesAreSkippedByPartitionValuesAndStatistics) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  ASSERT_TRUE(
      session->Exec("CREATE TABLE parts (k BIGINT, p VARCHAR) PARTITIONED BY (p)").ok());
  ASSERT_TRUE(session->Exec("CREATE TABLE ranges (k BIGINT, v DOUBLE)").ok());
  for (int i = 0; i < 4; ++i) {
    const std::string first = std::to_string(i * 1000);
    ASSERT_TRUE(session
                    ->Exec("INSERT INTO parts SELECT id, 'p" + std::to_string(i) +
                           "' FROM range(" + first + ", " + first + " + 1000)")
                    .ok());
    ASSERT_TRUE(session
                    ->Exec("INSERT INTO ranges SELECT id, id * 0.5 FROM range(" + first +
                           ", " + first + " + 1000)")
                    .ok());
  }
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM parts WHERE p = 'p2'"), 1000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM parts WHERE p IN ('p0', 'p3')"), 2000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM ranges WHERE k >= 2500"), 2000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM ranges WHERE k < 0"), 0);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM ranges"), 4000);
  // Skipping never changes the answer.
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM ranges WHERE k >= 2500"), 1500);
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM parts WHERE p = 'p2' AND k > 2990"), 9);
}

// Column `name`: `rows` values i, NULL where i % null_every == 0 (0: never).
std::shared_ptr<arrow::Array> Column(int64_t rows, int64_t null_every) {
  arrow::Int64Builder values;
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(
        (null_every > 0 && i % null_every == 0 ? values.AppendNull() : values.Append(i))
            .ok());
  }
  return values.Finish().ValueOrDie();
}

TEST(DeltaTable, ColumnsWithoutNullsAreStoredRequiredUntilANullArrives) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  const auto schema = arrow::schema(
      {arrow::field("a", arrow::int64()), arrow::field("b", arrow::int64())});
  // 70000 rows with NULLs in b only, then 1000 with NULLs in a only.
  const arrow::RecordBatchVector batches = {
      arrow::RecordBatch::Make(schema, 70000, {Column(70000, 0), Column(70000, 10)}),
      arrow::RecordBatch::Make(schema, 1000, {Column(1000, 2), Column(1000, 0)})};
  auto table = delta::DeltaTable::Create(root, schema, {}).ValueOrDie();
  ASSERT_TRUE(
      table->Append(arrow::RecordBatchReader::Make(batches, schema).ValueOrDie().get())
          .ok());
  // Per file, by its rows: whether a and b are REQUIRED (no definition levels).
  std::map<int64_t, std::pair<bool, bool>> required;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.path().extension() != ".parquet") continue;
    const auto metadata = parquet::ParquetFileReader::OpenFile(entry.path())->metadata();
    const auto& columns = *metadata->schema();
    required[metadata->num_rows()] = {columns.Column(0)->max_definition_level() == 0,
                                      columns.Column(1)->max_definition_level() == 0};
  }
  const std::map<int64_t, std::pair<bool, bool>> expected = {{70000, {true, false}},
                                                             {1000, {false, true}}};
  EXPECT_EQ(required, expected) << "a NULL in a REQUIRED column starts a new file";
  testing::TempDir elsewhere;
  auto session = Connect("local:" + elsewhere.path().string()).ValueOrDie();
  const std::string scan = "delta_scan('" + root + "')";
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM " + scan), 71000);
  EXPECT_EQ(Count(*session, "SELECT count(a) FROM " + scan), 70000 + 500);
  EXPECT_EQ(Count(*session, "SELECT count(b) FROM " + scan), 63000 + 1000);
  EXPECT_EQ(Count(*session, "SELECT sum(a) FROM " + scan + " WHERE a >= 69990"),
            (69990 + 69999) * 10 / 2);
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM " + scan + " WHERE b IS NULL"), 7000);
}

TEST(DeltaTable, StatisticsOfAZonedTimestampCoverEveryBatchOfAFile) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  const auto type = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  const auto schema = arrow::schema({arrow::field("ts", type)});
  // Three batches into one file, each an hour later than the one before.
  arrow::RecordBatchVector batches;
  for (int64_t hour = 0; hour < 3; ++hour) {
    arrow::TimestampBuilder values(type, arrow::default_memory_pool());
    for (int64_t i = 0; i < 10; ++i)
      EXPECT_TRUE(values.Append((hour * 3600 + i) * 1'000'000).ok());
    batches.push_back(
        arrow::RecordBatch::Make(schema, 10, {values.Finish().ValueOrDie()}));
  }
  auto table = delta::DeltaTable::Create(root, schema, {}).ValueOrDie();
  ASSERT_TRUE(
      table->Append(arrow::RecordBatchReader::Make(batches, schema).ValueOrDie().get())
          .ok());
  ASSERT_EQ(DataFiles(root), 1);
  std::ifstream log(delta::CommitPath(root, 1));
  const std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find(R"(\"ts\":\"1970-01-01T02:00:09.000000Z\")"), std::string::npos)
      << text;
  testing::TempDir elsewhere;
  auto session = Connect("local:" + elsewhere.path().string()).ValueOrDie();
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM delta_scan('" + root +
                                "') WHERE ts > TIMESTAMP '1970-01-01 01:30:00'"),
            10)
      << "the file's maximum must be the last batch's";
}

// One file, one row group of 100k rows (under the 128Ki-row limit), written in pages of
// 20000 rows: Arrow's default page row limit, so every column's pages start at the same
// rows. k, d and v rise with the row; v is NULL on every seventh row.
void CreateSortedTable(Session& session) {
  ASSERT_TRUE(session
                  .Exec("CREATE TABLE t AS SELECT id AS k, DATE '2020-01-01' + "
                        "CAST(id / 1000 AS INTEGER) AS d, CASE WHEN id % 7 = 0 THEN NULL "
                        "ELSE id * 0.5 END AS v, 'name' || CAST(id AS VARCHAR) AS s "
                        "FROM range(0, 100000) ORDER BY id")
                  .ok());
}

TEST(DeltaTable, PagesAreSkippedByTheirIndex) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  CreateSortedTable(*session);
  ASSERT_EQ(DataFiles(dir.path() / "t"), 1);
  EXPECT_EQ(RowsScanned(*session, "SELECT k, s FROM t WHERE k >= 90000"), 20000);
  EXPECT_EQ(RowsScanned(*session, "SELECT s FROM t WHERE k = 12345"), 20000);
  EXPECT_EQ(RowsScanned(*session, "SELECT s FROM t WHERE k BETWEEN 19990 AND 20010"),
            40000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM t WHERE k < 100 OR k > 99900"), 40000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM t WHERE d = DATE '2020-02-10'"), 20000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM t WHERE v > 45000"), 20000);
  EXPECT_EQ(RowsScanned(*session, "SELECT s FROM t WHERE s = 'name1'"), 20000)
      << "strings compare bytewise, so 'name1' can only be in the first page";
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM t WHERE k < 0"), 0);
  // Nothing to learn from the index: every page is read.
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM t WHERE k % 2 = 0"), 100000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM t WHERE v IS NULL"), 100000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k FROM t WHERE k < 100 OR v > 49000"), 40000)
      << "the middle pages rule out both, whether v is NULL or not";
  // Skipping never changes the answer.
  EXPECT_EQ(Count(*session, "SELECT count(s) FROM t WHERE k BETWEEN 19990 AND 20010"),
            21);
  EXPECT_EQ(Count(*session, "SELECT sum(k) FROM t WHERE k >= 99998"), 99998 + 99999);
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM t WHERE v IS NULL AND k >= 80000"),
            2857);
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM t WHERE d = DATE '2020-02-10'"), 1000);
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM t WHERE k < 100 OR k > 99900"), 199);
}

// The paths of the live files of a table's newest version.
std::set<std::string> LivePaths(delta::DeltaTable& table) {
  std::set<std::string> paths;
  const auto snapshot = table.Latest().ValueOrDie();
  for (const auto& add : snapshot->files()) paths.insert(add.path);
  return paths;
}

int64_t TableRows(const std::string& root) {
  testing::TempDir elsewhere;
  auto session = Connect("local:" + elsewhere.path().string()).ValueOrDie();
  return Count(*session, "SELECT count(*) FROM delta_scan('" + root + "')");
}

TEST(DeltaTable, CheckpointsAreWrittenAndOpeningStartsFromTheNewest) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  {
    auto table = delta::DeltaTable::Create(root, KvSchema(), {"p"},
                                           {{"delta.checkpointInterval", "3"}})
                     .ValueOrDie();
    for (int i = 0; i < 7; ++i) {
      delta::WriteOptions options;
      options.txn = delta::Txn{"app", i + 1, 0};
      ASSERT_TRUE(table->Append(Rows(i * 10, 10, 2).get(), options).ok());
    }
    // A delete leaves a tombstone for the checkpoint to carry.
    ASSERT_TRUE(table
                    ->Delete(arrow::compute::equal(arrow::compute::field_ref("p"),
                                                   arrow::compute::literal("p1")))
                    .ok());
  }  // closing the table waits for its background checkpoint
  const fs::path log = fs::path(root) / "_delta_log";
  // Version 3's checkpoint may have been skipped: when a checkpoint is still being
  // written, only the newest version wanted is written next (a loaded machine shows it).
  EXPECT_TRUE(fs::exists(log / "00000000000000000006.checkpoint.parquet"));
  std::ifstream pointer(log / "_last_checkpoint");
  std::string text((std::istreambuf_iterator<char>(pointer)), {});
  EXPECT_NE(text.find("\"version\":6"), std::string::npos) << text;

  // Without the commits before it, the table opens from the checkpoint alone.
  for (int version = 0; version < 6; ++version)
    fs::remove(delta::CommitPath(root, version));
  auto table = delta::DeltaTable::Open(root).ValueOrDie();
  auto latest = table->Latest().ValueOrDie();
  EXPECT_EQ(latest->version(), 8);
  EXPECT_EQ(latest->TxnVersion("app"), 7);
  EXPECT_EQ(latest->metadata().partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ(TableRows(root), 35);
  EXPECT_EQ(table->AtVersion(6).ValueOrDie()->files().size(), 12u);
  auto gone = table->AtVersion(2);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.status().message().find("no longer in its log"), std::string::npos)
      << gone.status();
  ASSERT_TRUE(table->Checkpoint(8).ok());
  auto history = table->History().ValueOrDie();
  ASSERT_EQ(history.size(), 3u);  // versions 6 to 8 are still in the log
  EXPECT_EQ(history.back().second.operation, "DELETE");
}

TEST(DeltaTable, CheckpointsCleanUpCommitsPastTheLogRetention) {
  testing::TempDir dir;
  const std::string kept = (dir.path() / "kept").string();
  const std::string cleaned = (dir.path() / "cleaned").string();
  {
    auto a = delta::DeltaTable::Create(kept, KvSchema(), {},
                                       {{"delta.checkpointInterval", "3"}})
                 .ValueOrDie();
    auto b =
        delta::DeltaTable::Create(cleaned, KvSchema(), {},
                                  {{"delta.checkpointInterval", "3"},
                                   {"delta.logRetentionDuration", "interval 0 hours"}})
            .ValueOrDie();
    for (int i = 0; i < 7; ++i) {
      ASSERT_TRUE(a->Append(Rows(i * 10, 10).get()).ok());
      ASSERT_TRUE(b->Append(Rows(i * 10, 10).get()).ok());
    }
  }  // waits for the background checkpoints
  // The default retention is 30 days: nothing goes.
  EXPECT_TRUE(fs::exists(delta::CommitPath(kept, 0)));
  // With none, everything before the newest checkpoint (version 6) goes.
  for (int version = 0; version < 6; ++version) {
    EXPECT_FALSE(fs::exists(delta::CommitPath(cleaned, version))) << version;
  }
  EXPECT_FALSE(fs::exists(fs::path(cleaned) / "_delta_log" /
                          "00000000000000000003.checkpoint.parquet"));
  EXPECT_TRUE(fs::exists(delta::CommitPath(cleaned, 6)));
  auto table = delta::DeltaTable::Open(cleaned).ValueOrDie();
  EXPECT_EQ(table->Latest().ValueOrDie()->version(), 7);
  EXPECT_EQ(TableRows(cleaned), 70);
  EXPECT_FALSE(table->AtVersion(5).ok());
  EXPECT_EQ(table->AtVersion(6).ValueOrDie()->files().size(), 6u);
}

// Two handles on one directory behave like two processes: each reads, then commits.
TEST(DeltaTable, LostRacesAreRetriedUnlessTheWinnerTouchedWhatWasRead) {
  namespace cp = arrow::compute;
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto mine = delta::DeltaTable::Create(root, KvSchema(), {}).ValueOrDie();
  auto theirs = delta::DeltaTable::Open(root).ValueOrDie();
  ASSERT_TRUE(mine->Append(Rows(0, 10).get()).ok());  // k in [0, 10): version 1
  const auto file = mine->Latest().ValueOrDie()->files().at(0);
  delta::RemoveFile remove;
  remove.path = file.path;
  delta::ReadScope delete_scope;
  delete_scope.removed_paths = {file.path};
  delete_scope.predicate = cp::less(cp::field_ref("k"), cp::literal(int64_t{5}));

  // They append rows that cannot match k < 5: my delete is retried at the next version.
  ASSERT_TRUE(theirs->Append(Rows(100, 10).get()).ok());  // version 2
  auto version =
      mine->Commit(1, {delta::Action(delta::CommitInfo{}), remove}, delete_scope);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 3);

  // They append rows that may match: conflict, and nothing is committed.
  ASSERT_TRUE(theirs->Append(Rows(0, 3).get()).ok());  // version 4
  const auto second = LivePaths(*mine);
  delta::ReadScope scope;
  scope.predicate = cp::less(cp::field_ref("k"), cp::literal(int64_t{5}));
  auto conflict = mine->Commit(3, {delta::Action(delta::CommitInfo{})}, scope);
  ASSERT_FALSE(conflict.ok());
  EXPECT_NE(conflict.status().message().find("commit conflict"), std::string::npos);
  EXPECT_NE(conflict.status().message().find("version 4 (WRITE)"), std::string::npos)
      << conflict.status();
  EXPECT_EQ(mine->Latest().ValueOrDie()->version(), 4);

  // They remove a file I read: conflict.
  const auto victim = *second.begin();
  delta::RemoveFile removed;
  removed.path = victim;
  ASSERT_TRUE(theirs->Commit(4, {removed}, delta::ReadScope{}).ok());  // version 5
  delta::ReadScope optimize_scope;
  optimize_scope.removed_paths = {victim};
  auto lost = mine->Commit(4, {removed}, optimize_scope);
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.status().message().find("removed file " + victim), std::string::npos)
      << lost.status();

  // A blind append only conflicts with a new schema.
  ASSERT_TRUE(theirs->Replace(KvSchema(), {}, {}, nullptr).ok());  // version 6
  auto blind = mine->Commit(5, {delta::Action(delta::CommitInfo{})}, delta::ReadScope{});
  ASSERT_FALSE(blind.ok());
  EXPECT_NE(blind.status().message().find("metadata"), std::string::npos);
}

TEST(DeltaTable, DeleteRewritesOnlyFilesWithMatchingRows) {
  namespace cp = arrow::compute;
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto table = delta::DeltaTable::Create(root, KvSchema(), {"p"}).ValueOrDie();
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(table->Append(Rows(i * 100, 100, 2).get()).ok());
  const auto before = LivePaths(*table);
  ASSERT_EQ(before.size(), 8u);
  // k in [150, 160) lives in the second append's two files only.
  auto result = table
                    ->Delete(cp::and_(
                        cp::greater_equal(cp::field_ref("k"), cp::literal(int64_t{150})),
                        cp::less(cp::field_ref("k"), cp::literal(int64_t{160}))))
                    .ValueOrDie();
  EXPECT_EQ(result.rows, 10);
  EXPECT_EQ(result.files_removed, 2);
  EXPECT_EQ(result.files, 2);
  const auto after = LivePaths(*table);
  std::vector<std::string> kept;
  std::set_intersection(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(kept));
  EXPECT_EQ(kept.size(), 6u);
  EXPECT_EQ(TableRows(root), 390);
  // A partition value decides whole files: removed without a rewrite.
  result = table->Delete(cp::equal(cp::field_ref("p"), cp::literal("p0"))).ValueOrDie();
  EXPECT_EQ(result.rows, 195);
  EXPECT_EQ(result.files, 0);
  EXPECT_EQ(result.files_removed, 4);
  // No match: no commit.
  result = table->Delete(cp::greater(cp::field_ref("k"), cp::literal(int64_t{1000})))
               .ValueOrDie();
  EXPECT_EQ(result.version, -1);
  EXPECT_EQ(table->Latest().ValueOrDie()->version(), 6);
  EXPECT_FALSE(table->Delete(cp::field_ref("k")).ok());  // not a boolean
}

TEST(DeltaTable, OptimizePacksSmallFilesWithoutChangingData) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto table = delta::DeltaTable::Create(root, KvSchema(), {"p"}).ValueOrDie();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(table->Append(Rows(i * 10, 10, 2).get()).ok());
  ASSERT_EQ(LivePaths(*table).size(), 20u);
  auto result = table->Optimize().ValueOrDie();
  EXPECT_EQ(result.files_removed, 20);
  EXPECT_EQ(result.files, 2);  // one per partition
  EXPECT_EQ(result.rows, 100);
  EXPECT_EQ(LivePaths(*table).size(), 2u);
  EXPECT_EQ(TableRows(root), 100);
  std::ifstream commit(delta::CommitPath(root, result.version));
  std::string text((std::istreambuf_iterator<char>(commit)), {});
  EXPECT_EQ(text.find("\"dataChange\":true"), std::string::npos);
  // Already compact; a small target leaves files alone too.
  EXPECT_EQ(table->Optimize().ValueOrDie().version, -1);
  delta::OptimizeOptions tiny;
  tiny.target_file_bytes = 1;
  EXPECT_EQ(table->Optimize(tiny).ValueOrDie().version, -1);
  EXPECT_EQ(DataFiles(root), 22);  // removed files stay until VACUUM
}

TEST(DeltaTable, VacuumDeletesOnlyFilesNoVersionInTheRetentionNeeds) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto table = delta::DeltaTable::Create(root, KvSchema(), {"p"}).ValueOrDie();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(table->Append(Rows(i * 10, 10, 2).get()).ok());
  ASSERT_TRUE(table->Optimize().ok());
  ASSERT_EQ(DataFiles(root), 8);
  // An untracked file of a writer that has not committed yet.
  std::ofstream(fs::path(root) / "p=p0" / "in-flight.parquet") << "x";

  auto refused = table->Vacuum(delta::VacuumOptions{0.0, true, false});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("168"), std::string::npos);
  // Removed just now: within a one-hour retention, nothing goes.
  EXPECT_TRUE(table->Vacuum(delta::VacuumOptions{1.0, false, false})
                  .ValueOrDie()
                  .deleted.empty());
  auto dry = table->Vacuum(delta::VacuumOptions{0.0, false, true}).ValueOrDie();
  EXPECT_EQ(dry.deleted.size(), 7u);  // six removed files and the untracked one
  EXPECT_EQ(DataFiles(root), 9);
  auto done = table->Vacuum(delta::VacuumOptions{0.0, false, false}).ValueOrDie();
  EXPECT_EQ(done.deleted, dry.deleted);
  EXPECT_EQ(DataFiles(root), 2);
  EXPECT_TRUE(fs::exists(delta::CommitPath(root, 0)));
  EXPECT_EQ(TableRows(root), 30);
}

TEST(DeltaTable, ALargeInsertSelectStreamsInBoundedMemory) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  ASSERT_TRUE(session->Exec("CREATE TABLE big (k BIGINT, v DOUBLE)").ok());
  testing::ResetPeakRss();
  const int64_t before = testing::CurrentRssBytes();
  // 60M rows: 960 MB of column data, written as it is produced.
  auto written = session->Exec("INSERT INTO big SELECT id, id * 0.5 FROM range(60000000)")
                     .ValueOrDie();
  EXPECT_EQ(written.rows_affected, 60000000);
  const int64_t growth = testing::PeakRssBytes() - before;
  EXPECT_LT(growth, 256LL << 20) << "peak RSS grew by " << (growth >> 20) << " MiB";
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM big WHERE k % 1000000 = 0"), 60);
}

TEST(DeltaTable, OverwriteAndReplaceRejectBadDataBeforeWriting) {
  testing::TempDir dir;
  const std::string root = (dir.path() / "t").string();
  auto table = delta::DeltaTable::Create(root, KvSchema(), {}).ValueOrDie();
  ASSERT_TRUE(table->Append(Rows(0, 10).get()).ok());
  auto other = arrow::schema({arrow::field("k", arrow::int32())});
  auto reader = arrow::RecordBatchReader::Make({}, other).ValueOrDie();
  auto overwritten = table->Overwrite(reader.get());
  EXPECT_EQ(overwritten.status().code(), arrow::StatusCode::TypeError);
  auto replaced = table->Replace(KvSchema(), {}, {}, reader.get());
  EXPECT_EQ(replaced.status().code(), arrow::StatusCode::TypeError);
  EXPECT_EQ(DataFiles(root), 1);
  EXPECT_EQ(table->Latest().ValueOrDie()->version(), 1);
  auto result = table->Overwrite(Rows(50, 3).get()).ValueOrDie();
  EXPECT_EQ(result.files_removed, 1);
  EXPECT_EQ(TableRows(root), 3);
}

}  // namespace
}  // namespace sluice
