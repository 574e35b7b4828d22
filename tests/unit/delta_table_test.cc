// Delta Lake tables: commits, replay, time travel, concurrency, bad input, file skipping.
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "delta/delta_table.h"
#include "exec/query_stream.h"
#include "sluice/session.h"
#include "test_util.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

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
    if (entry.path().extension() == ".parquet") ++files;
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

// Rows read by a query's scans (skipped files are never read).
int64_t RowsScanned(Session& session, const std::string& sql) {
  auto reader = session.Sql(sql)->Stream().ValueOrDie();
  auto* stream = dynamic_cast<exec::QueryStream*>(reader.get());
  std::shared_ptr<arrow::RecordBatch> batch;
  while (reader->ReadNext(&batch).ok() && batch) {
  }
  return stream->rows_scanned();
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

}  // namespace
}  // namespace sluice
