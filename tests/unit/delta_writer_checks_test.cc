// The Delta writer's promises: writer versions and append-only tables are respected,
// invariants hold for every row written, and an unreadable checkpoint does not lock
// readers out.
#include <filesystem>
#include <fstream>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "delta/delta_schema.h"
#include "delta/delta_table.h"
#include "delta/write_checks.h"
#include "sluice/session.h"
#include "test_util.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<arrow::Schema> XSchema() {
  return arrow::schema({arrow::field("x", arrow::int64())});
}

std::shared_ptr<arrow::RecordBatchReader> Xs(std::vector<int64_t> values) {
  arrow::Int64Builder builder;
  EXPECT_TRUE(builder.AppendValues(values).ok());
  auto batch = arrow::RecordBatch::Make(XSchema(), static_cast<int64_t>(values.size()),
                                        {builder.Finish().ValueOrDie()});
  return arrow::RecordBatchReader::Make({batch}, XSchema()).ValueOrDie();
}

int64_t Count(Session& session, const std::string& sql) {
  auto table = session.Sql(sql)->Collect().ValueOrDie()->CombineChunks().ValueOrDie();
  return std::static_pointer_cast<arrow::Int64Array>(table->column(0)->chunk(0))
      ->Value(0);
}

std::string Versions(const fs::path& root) {
  std::string out;
  for (const auto& entry : fs::directory_iterator(root / "_delta_log")) {
    if (entry.path().extension() == ".json")
      out += entry.path().filename().string() + " ";
  }
  return out;
}

TEST(DeltaWriterChecks, ANewerWriterVersionIsRefusedBeforeWriting) {
  testing::TempDir dir;
  const fs::path root = dir.path() / "t";
  auto table = delta::DeltaTable::Create(root.string(), XSchema(), {}).ValueOrDie();
  std::ofstream(delta::CommitPath(root.string(), 1))
      << R"({"protocol":{"minReaderVersion":1,"minWriterVersion":4}})"
      << "\n";
  auto appended = table->Append(Xs({1}).get());
  ASSERT_TRUE(appended.status().IsNotImplemented()) << appended.status();
  EXPECT_NE(appended.status().message().find("needs writer version 4"), std::string::npos)
      << appended.status();
  EXPECT_TRUE(table->Delete(arrow::compute::literal(true)).status().IsNotImplemented());
  EXPECT_TRUE(table->Optimize().status().IsNotImplemented());
  EXPECT_EQ(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 1)
      << "no data file may be written";
  // Reading such a table is fine: it needs only reader version 1.
  EXPECT_EQ(table->Latest().ValueOrDie()->version(), 1);
}

TEST(DeltaWriterChecks, AppendOnlyTablesRefuseWhatRemovesData) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  ASSERT_TRUE(session
                  ->Exec("CREATE TABLE log (x BIGINT) "
                         "TBLPROPERTIES ('delta.appendOnly' = 'true')")
                  .ok());
  ASSERT_TRUE(session->Exec("INSERT INTO log VALUES (1), (2)").ok());
  ASSERT_TRUE(session->Exec("INSERT INTO log VALUES (3)").ok());
  const std::string before = Versions(dir.path() / "log");
  for (const char* sql :
       {"DELETE FROM log WHERE x = 1", "INSERT OVERWRITE log VALUES (9)",
        "CREATE OR REPLACE TABLE log (y INT)"}) {
    auto result = session->Exec(sql);
    ASSERT_FALSE(result.ok()) << sql;
    EXPECT_NE(result.status().message().find("is append-only (delta.appendOnly = true)"),
              std::string::npos)
        << result.status();
  }
  EXPECT_EQ(Versions(dir.path() / "log"), before);
  EXPECT_EQ(Count(*session, "SELECT sum(x) FROM log"), 6);
  EXPECT_TRUE(session->Exec("OPTIMIZE log").ok());  // rearranges, removes no row
  EXPECT_EQ(Count(*session, "SELECT sum(x) FROM log"), 6);
}

TEST(DeltaWriterChecks, InvariantsHoldForEveryRowWritten) {
  testing::TempDir dir;
  const fs::path root = dir.path() / "t";
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  ASSERT_TRUE(session->Exec("CREATE TABLE t (x BIGINT, note VARCHAR)").ok());
  // An invariant as Spark writes it: field metadata "delta.invariants".
  auto table = delta::DeltaTable::Open(root.string()).ValueOrDie();
  auto metadata = table->Latest().ValueOrDie()->metadata();
  metadata.schema_string =
      R"({"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":)"
      R"({"delta.invariants":"{\"expression\":{\"expression\":\"x > 3\"}}"}},)"
      R"({"name":"note","type":"string","nullable":true,"metadata":{}}]})";
  ASSERT_TRUE(table->CommitVersion(1, {delta::Action(metadata)}).ok());

  ASSERT_TRUE(session->Exec("INSERT INTO t VALUES (4, 'a'), (5, 'b')").ok());
  for (const char* sql :
       {"INSERT INTO t VALUES (6, 'c'), (2, 'd')", "INSERT INTO t (note) VALUES ('no x')",
        "INSERT OVERWRITE t SELECT id, 'e' FROM range(10)"}) {
    auto result = session->Exec(sql);
    ASSERT_FALSE(result.ok()) << sql;
    EXPECT_NE(
        result.status().message().find("invariant violated: column x must satisfy x > 3"),
        std::string::npos)
        << result.status();
  }
  EXPECT_EQ(Count(*session, "SELECT count(*) FROM t"), 2);
  EXPECT_EQ(std::distance(fs::recursive_directory_iterator(root),
                          fs::recursive_directory_iterator()) -
                std::distance(fs::directory_iterator(root / "_delta_log"),
                              fs::directory_iterator()) -
                1,
            1)
      << "only the accepted insert's file remains";
  // The delta layer alone cannot check them, so it refuses rather than skip them.
  auto unchecked =
      delta::DeltaTable::Open(root.string())
          .ValueOrDie()
          ->Append(arrow::RecordBatchReader::Make(
                       {}, arrow::schema({arrow::field("x", arrow::int64()),
                                          arrow::field("note", arrow::utf8())}))
                       .ValueOrDie()
                       .get());
  EXPECT_TRUE(unchecked.status().IsNotImplemented()) << unchecked.status();
}

TEST(DeltaWriterChecks, AnUnreadableCheckpointIsSkippedWithAWarning) {
  testing::TempDir dir;
  const fs::path root = dir.path() / "t";
  {
    auto table = delta::DeltaTable::Create(root.string(), XSchema(), {}).ValueOrDie();
    ASSERT_TRUE(table->Append(Xs({1, 2}).get()).ok());
    ASSERT_TRUE(table->Checkpoint(1).ok());
    ASSERT_TRUE(table->Append(Xs({3}).get()).ok());
  }
  const auto checkpoint = root / "_delta_log" / "00000000000000000001.checkpoint.parquet";
  fs::resize_file(checkpoint, fs::file_size(checkpoint) / 2);
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  EXPECT_EQ(Count(*session, "SELECT sum(x) FROM t"), 6);
  EXPECT_EQ(Count(*session, "SELECT sum(x) FROM t VERSION AS OF 1"), 3);
  auto detail =
      session->Sql("SELECT warnings FROM (DESCRIBE DETAIL t) d")->Collect().ValueOrDie();
  const std::string warnings =
      detail->column(0)->chunk(0)->GetScalar(0).ValueOrDie()->ToString();
  EXPECT_NE(warnings.find("skipped the unreadable checkpoint of version 1"),
            std::string::npos)
      << warnings;
  // Without the log it replaces, the checkpoint was all there was: that is an error.
  fs::remove(root / "_delta_log" / "00000000000000000000.json");
  fs::remove(root / "_delta_log" / "00000000000000000001.json");
  auto lost = delta::DeltaTable::Open(root.string());
  EXPECT_FALSE(lost.ok());
}

TEST(DeltaWriterChecks, DescribeDetailShowsTheTable) {
  testing::TempDir dir;
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  ASSERT_TRUE(session
                  ->Exec("CREATE TABLE t (x BIGINT, p VARCHAR) PARTITIONED BY (p) "
                         "TBLPROPERTIES ('delta.appendOnly' = 'true')")
                  .ok());
  ASSERT_TRUE(session->Exec("INSERT INTO t VALUES (1, 'a'), (2, 'b')").ok());
  auto detail =
      session
          ->Sql(
              "SELECT format, version, partition_columns, num_files, properties, "
              "min_writer_version, warnings FROM (DESCRIBE DETAIL t) d")
          ->Collect()
          .ValueOrDie();
  ASSERT_EQ(detail->num_rows(), 1);
  std::vector<std::string> values;
  for (int c = 0; c < detail->num_columns(); ++c) {
    values.push_back(detail->column(c)->chunk(0)->GetScalar(0).ValueOrDie()->ToString());
  }
  EXPECT_EQ(values,
            (std::vector<std::string>{"delta", "1", "[\"p\"]", "2",
                                      "{\"delta.appendOnly\":\"true\"}", "2", "null"}));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// DROP TABLE removes what the log references inside the table, the log and the
// directories left empty; a file the log names outside the table, and files the log does
// not know, stay.
TEST(DeltaWriterChecks, DropRemovesOnlyWhatTheTableOwns) {
  testing::TempDir dir;
  const fs::path warehouse = dir.path() / "wh";
  auto session = Connect("local:" + warehouse.string()).ValueOrDie();
  ASSERT_TRUE(
      session->Exec("CREATE TABLE t (x BIGINT, p VARCHAR) PARTITIONED BY (p)").ok());
  ASSERT_TRUE(session->Exec("INSERT INTO t VALUES (1, 'a'), (2, 'b')").ok());
  ASSERT_TRUE(session->Exec("DELETE FROM t WHERE p = 'a'").ok());
  const fs::path outside = dir.path() / "precious.parquet";
  std::ofstream(outside) << "keep me";
  std::ofstream(delta::CommitPath((warehouse / "t").string(), 3))
      << R"({"remove":{"path":"../../precious.parquet","deletionTimestamp":1,"dataChange":true}})"
      << "\n"
      << R"({"remove":{"path":")" << outside.string()
      << R"(","deletionTimestamp":1,"dataChange":true}})"
      << "\n";
  auto dropped = session->Exec("DROP TABLE t");
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(dropped->message, "DROP TABLE");
  EXPECT_FALSE(fs::exists(warehouse / "t"));
  EXPECT_TRUE(fs::exists(outside));

  ASSERT_TRUE(session->Exec("CREATE TABLE u (x BIGINT)").ok());
  std::ofstream(warehouse / "u" / "notes.txt") << "not Delta's";
  dropped = session->Exec("DROP TABLE u");
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_NE(dropped->message.find("left 1 file(s) its log does not know"),
            std::string::npos)
      << dropped->message;
  EXPECT_TRUE(fs::exists(warehouse / "u" / "notes.txt"));
  EXPECT_FALSE(fs::exists(warehouse / "u" / "_delta_log"));
  EXPECT_FALSE(session->Sql("SELECT * FROM u").ok());
}

// A confined session does not follow a log to data files outside the table.
TEST(DeltaWriterChecks, ConfinedSessionsDoNotFollowLogsOutOfTheTable) {
  testing::TempDir dir;
  const fs::path warehouse = dir.path() / "wh";
  {
    auto session = Connect("local:" + warehouse.string()).ValueOrDie();
    ASSERT_TRUE(session->Exec("CREATE TABLE t AS SELECT id AS x FROM range(3)").ok());
  }
  // Move the data file out and point the log at it by absolute path.
  fs::path data;
  for (const auto& entry : fs::directory_iterator(warehouse / "t")) {
    if (entry.path().extension() == ".parquet") data = entry.path();
  }
  const fs::path moved = dir.path() / "outside.parquet";
  fs::rename(data, moved);
  std::ofstream(delta::CommitPath((warehouse / "t").string(), 2))
      << R"({"remove":{"path":")" << data.filename().string()
      << R"(","deletionTimestamp":1,"dataChange":true}})"
      << "\n"
      << R"({"add":{"path":")" << moved.string()
      << R"(","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})"
      << "\n";
  SessionOptions confined;
  confined.confine_file_access = true;
  auto server_side = Connect("local:" + warehouse.string(), confined).ValueOrDie();
  auto refused = server_side->Sql("SELECT count(*) FROM t");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("permission denied"), std::string::npos)
      << refused.status();
  auto open = Connect("local:" + warehouse.string()).ValueOrDie();
  EXPECT_EQ(Count(*open, "SELECT count(*) FROM t"), 3);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST(DeltaWriterChecks, HostileSchemaStringsAreErrorsNotCrashes) {
  // Found by fuzzing: a non-string "type" made nlohmann::json throw out of the reader.
  for (const char* text :
       {R"({"type":5})", R"({"type":"struct","fields":[{"name":7,"type":"long"}]})",
        R"({"type":"struct","fields":[{"name":"a","type":{"type":[]}}]})",
        R"({"type":"struct","fields":5})"}) {
    auto schema = delta::SchemaFromDelta(text);
    ASSERT_FALSE(schema.ok()) << text;
    EXPECT_TRUE(schema.status().IsIOError() || schema.status().IsNotImplemented())
        << schema.status().ToString();
  }
  delta::Metadata metadata;
  metadata.schema_string =
      R"({"type":"struct","fields":[5,{"name":7,"metadata":{"delta.invariants":)"
      R"({"expression":{"expression":3}}},"type":{"type":"struct","fields":{}}}]})";
  const auto invariants = delta::InvariantsOf(metadata);
  ASSERT_EQ(invariants.size(),
            1u);  // the field with an unreadable invariant still counts
  EXPECT_EQ(invariants[0].column, "");
}

}  // namespace
}  // namespace sluice
