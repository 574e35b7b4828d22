// Streaming writes into Delta tables: DataFrame::WriteStream over a directory stream.
#include <fstream>
#include <set>
#include <thread>

#include "streaming_write_fixture.h"

namespace sluice {
namespace {

TEST_F(StreamingWriteTest, AvailableNowWritesEveryFileOnceOneCommitPerEpoch) {
  for (int i = 0; i < 5; ++i)
    WriteIds(incoming(), "f" + std::to_string(i) + ".parquet", i * 100, 100);
  auto query = Start("q1", Trigger::AvailableNow(2));
  ASSERT_TRUE(query->AwaitTermination(milliseconds(30000)));
  ASSERT_EQ(query->state(), StreamingState::kFinished) << query->status().ToString();
  EXPECT_EQ(Ids(), Range(500));
  EXPECT_EQ(query->last_committed_epoch(), 2);
  EXPECT_EQ(TxnVersion("q1"), 2);
  auto progress = query->RecentProgress();
  ASSERT_EQ(progress.size(), 3u);
  const int64_t files[] = {2, 2, 1};
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(progress[e].epoch, e);
    EXPECT_EQ(progress[e].input_files, files[e]);
    EXPECT_EQ(progress[e].rows, files[e] * 100);
    EXPECT_EQ(progress[e].version, e + 1);  // version 0 created the table
  }
  EXPECT_NE(progress[2].source_offset.find("f4.parquet"), std::string::npos);
  // The commit names the query, the epoch and its input.
  auto table = delta::DeltaTable::Open(table_path().string()).ValueOrDie();
  auto history = table->History().ValueOrDie();
  const auto& info = history.back().second;
  EXPECT_EQ(info.operation, "STREAMING UPDATE");
  EXPECT_EQ(info.operation_parameters.value("queryId", ""), "q1");
  EXPECT_EQ(info.operation_parameters.value("epochId", ""), "2");
}

TEST_F(StreamingWriteTest, ARestartResumesAfterTheLastCommittedEpoch) {
  for (int i = 0; i < 3; ++i)
    WriteIds(incoming(), "f" + std::to_string(i) + ".parquet", i * 100, 100);
  RunToEnd("q1", 1);
  EXPECT_EQ(TxnVersion("q1"), 2);
  WriteIds(incoming(), "f3.parquet", 300, 100);
  WriteIds(incoming(), "f4.parquet", 400, 100);
  Restart();
  auto query = Start("q1", Trigger::AvailableNow());
  ASSERT_TRUE(query->AwaitTermination(milliseconds(30000)));
  ASSERT_EQ(query->state(), StreamingState::kFinished) << query->status().ToString();
  EXPECT_EQ(Ids(), Range(500));
  ASSERT_EQ(query->RecentProgress().size(), 1u);
  EXPECT_EQ(query->RecentProgress()[0].epoch, 3);
  EXPECT_EQ(query->RecentProgress()[0].input_files, 2);
}

TEST_F(StreamingWriteTest, AnEpochLoggedButNotCommittedRunsAgainWithTheSameInput) {
  WriteIds(incoming(), "a.parquet", 0, 100);
  RunToEnd("q1");
  // A crash after epoch 1's input was logged, before its commit.
  WriteIds(incoming(), "b.parquet", 100, 100);
  WriteIds(incoming(), "c.parquet", 200, 100);
  {
    std::ofstream log(dir_.path() / "warehouse" / ".streaming" / "q1" / "offsets" / "1");
    log << R"({"files": ["b.parquet"]})";
  }
  Restart();
  RunToEnd("q1");
  EXPECT_EQ(Ids(), Range(300));
  EXPECT_EQ(TxnVersion("q1"), 2);  // epoch 1 = b alone, as logged; epoch 2 = c
}

TEST_F(StreamingWriteTest, ACommittedEpochIsNeverWrittenAgain) {
  WriteIds(incoming(), "a.parquet", 0, 100);
  RunToEnd("q1");
  // The offset log says epoch 0 was planned again (as if a crash lost track of its
  // commit): the table's txn wins, and epoch 0 is not written twice.
  Restart();
  RunToEnd("q1");
  RunToEnd("q1");
  EXPECT_EQ(Ids(), Range(100));
  EXPECT_EQ(TxnVersion("q1"), 0);
}

TEST_F(StreamingWriteTest, CompleteModeKeepsTheCurrentTotals) {
  ASSERT_TRUE(session_->Exec("CREATE TABLE totals (k BIGINT, n BIGINT)").ok());
  const std::string sql =
      "SELECT id % 3 AS k, count(*) AS n FROM incoming GROUP BY id % 3";
  StreamingWriteOptions options;
  options.query_id = "totals";
  options.trigger = Trigger::AvailableNow(1);
  options.output_mode = OutputMode::kComplete;
  WriteIds(incoming(), "a.parquet", 0, 30);
  WriteIds(incoming(), "b.parquet", 30, 30);
  {
    auto query = session_->Sql(sql)->WriteStream("totals", options).ValueOrDie();
    ASSERT_TRUE(query->AwaitTermination(milliseconds(30000)));
    ASSERT_EQ(query->state(), StreamingState::kFinished) << query->status().ToString();
  }
  WriteIds(incoming(), "c.parquet", 60, 30);
  Restart();
  auto query = session_->Sql(sql)->WriteStream("totals", options).ValueOrDie();
  ASSERT_TRUE(query->AwaitTermination(milliseconds(30000)));
  auto result =
      session_->Sql("SELECT k, n FROM totals ORDER BY k")->Collect().ValueOrDie();
  ASSERT_EQ(result->num_rows(), 3);
  auto n = std::static_pointer_cast<arrow::Int64Array>(
      result->CombineChunks().ValueOrDie()->column(1)->chunk(0));
  for (int k = 0; k < 3; ++k) EXPECT_EQ(n->Value(k), 30);
}

TEST_F(StreamingWriteTest, AProcessingTimeQueryRunsUntilStopped) {
  auto query = Start("live", Trigger::ProcessingTime(milliseconds(20)));
  for (int i = 0; i < 3; ++i) {
    WriteIds(incoming(), "f" + std::to_string(i) + ".parquet", i * 100, 100);
    std::this_thread::sleep_for(milliseconds(60));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Ids().size() < 300 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(query->state(), StreamingState::kRunning);
  EXPECT_FALSE(query->AwaitTermination(milliseconds(50)));
  query->Stop();
  EXPECT_EQ(query->state(), StreamingState::kStopped);
  EXPECT_TRUE(query->status().ok());
  EXPECT_EQ(Ids(), Range(300));
}

TEST_F(StreamingWriteTest, ABadFileFailsItsEpochAndARestartAfterTheFixResumes) {
  WriteIds(incoming(), "a.parquet", 0, 100);
  {
    std::ofstream bad(incoming() / "b.parquet");
    bad << "not parquet";
  }
  auto query = Start("q1", Trigger::AvailableNow(1));
  ASSERT_TRUE(query->AwaitTermination(milliseconds(30000)));
  ASSERT_EQ(query->state(), StreamingState::kFailed);
  const std::string message = query->status().message();
  EXPECT_NE(message.find("epoch 1"), std::string::npos) << message;
  EXPECT_NE(message.find("b.parquet"), std::string::npos) << message;
  EXPECT_EQ(Ids(), Range(100));  // nothing of epoch 1
  EXPECT_EQ(TxnVersion("q1"), 0);
  fs::remove(incoming() / "b.parquet");
  WriteIds(incoming(), "b.parquet", 100, 100);
  Restart();
  RunToEnd("q1");
  EXPECT_EQ(Ids(), Range(200));
}

TEST_F(StreamingWriteTest, TwoQueriesWriteOneTable) {
  fs::create_directories(dir_.path() / "other");
  for (int i = 0; i < 4; ++i) {
    WriteIds(incoming(), "f" + std::to_string(i) + ".parquet", i * 100, 100);
    WriteIds(dir_.path() / "other", "g" + std::to_string(i) + ".parquet", 400 + i * 100,
             100);
  }
  // Its schema read from its first file.
  ASSERT_TRUE(
      session_->RegisterDirectoryStream("other", (dir_.path() / "other").string()).ok());
  auto first = Start("first", Trigger::AvailableNow(1));
  auto second = Start("second", Trigger::AvailableNow(1), "SELECT id FROM other");
  ASSERT_TRUE(first->AwaitTermination(milliseconds(30000)));
  ASSERT_TRUE(second->AwaitTermination(milliseconds(30000)));
  EXPECT_EQ(first->state(), StreamingState::kFinished) << first->status().ToString();
  EXPECT_EQ(second->state(), StreamingState::kFinished) << second->status().ToString();
  EXPECT_EQ(Ids(), Range(800));
  EXPECT_EQ(TxnVersion("first"), 3);
  EXPECT_EQ(TxnVersion("second"), 3);
}

TEST_F(StreamingWriteTest, OneQueryIdRunningTwiceNeverDuplicates) {
  for (int i = 0; i < 20; ++i) {
    WriteIds(incoming(), "f" + std::to_string(i) + ".parquet", i * 10, 10);
  }
  auto first = Start("q", Trigger::AvailableNow(1));
  // A second process: a session of its own over the same warehouse and directory.
  auto other = Connect("local:" + (dir_.path() / "warehouse").string()).ValueOrDie();
  ASSERT_TRUE(other->RegisterDirectoryStream("incoming", incoming().string()).ok());
  StreamingWriteOptions options;
  options.query_id = "q";
  options.trigger = Trigger::AvailableNow(1);
  auto second =
      other->Sql("SELECT id FROM incoming")->WriteStream("t", options).ValueOrDie();
  ASSERT_TRUE(first->AwaitTermination(milliseconds(30000)));
  ASSERT_TRUE(second->AwaitTermination(milliseconds(30000)));
  for (auto* query : {first.get(), second.get()}) {
    if (query->state() == StreamingState::kFailed) {
      EXPECT_NE(query->status().message().find("once at a time"), std::string::npos)
          << query->status().ToString();
    }
  }
  auto ids = Ids();
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size());
  // Whatever was lost by a loser is picked up by a restart.
  Restart();
  RunToEnd("q");
  EXPECT_EQ(Ids(), Range(200));
}

TEST_F(StreamingWriteTest, AStreamBeingWrittenIsNotReadByOtherQueries) {
  WriteIds(incoming(), "a.parquet", 0, 10);
  auto query = Start("live", Trigger::ProcessingTime(milliseconds(20)));
  auto read = session_->Sql("SELECT count(*) FROM incoming");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("being written by streaming query \"live\""),
            std::string::npos)
      << read.status().ToString();
  query->Stop();
  // Given back: a plain query reads every file present.
  WriteIds(incoming(), "b.parquet", 10, 10);
  auto count =
      session_->Sql("SELECT count(*) AS n FROM incoming")->Collect().ValueOrDie();
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>(
                count->CombineChunks().ValueOrDie()->column(0)->chunk(0))
                ->Value(0),
            20);
}

TEST_F(StreamingWriteTest, BadOptionsAreRefusedBeforeAnythingRuns) {
  auto frame = session_->Sql("SELECT id FROM incoming").ValueOrDie();
  StreamingWriteOptions options;
  auto missing = frame.WriteStream("t", options);
  EXPECT_TRUE(missing.status().IsInvalid()) << missing.status().ToString();
  options.query_id = "../escape";
  auto path = frame.WriteStream("t", options);
  EXPECT_TRUE(path.status().IsInvalid()) << path.status().ToString();
  options.query_id = "ok";
  auto table = frame.WriteStream("no_such_table", options);
  EXPECT_FALSE(table.ok());
  options.key_columns = {"id"};
  auto keys = frame.WriteStream("t", options);
  EXPECT_TRUE(keys.status().IsInvalid()) << keys.status().ToString();  // append mode
  options.output_mode = OutputMode::kUpdate;
  options.key_columns = {"nope"};
  auto unknown = frame.WriteStream("t", options);
  EXPECT_TRUE(unknown.status().IsKeyError()) << unknown.status().ToString();
  options.key_columns = {};
  auto none = frame.WriteStream("t", options);
  EXPECT_TRUE(none.status().IsInvalid()) << none.status().ToString();
}

}  // namespace
}  // namespace sluice
