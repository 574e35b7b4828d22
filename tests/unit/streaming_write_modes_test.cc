// Streaming writes: update mode, bounded and push-mode sources, schema merging,
// compaction, backpressure and the SQL form.
#include <atomic>
#include <fstream>
#include <thread>
#include <utility>

#include "streaming_write_fixture.h"

namespace sluice {
namespace {

using Pairs = std::vector<std::pair<int64_t, int64_t>>;

class StreamingWriteModesTest : public StreamingWriteTest {
 protected:
  // The two BIGINT columns of `sql`'s rows.
  Pairs Collect(const std::string& sql) {
    auto result = session_->Sql(sql).ValueOrDie().Collect().ValueOrDie();
    Pairs rows;
    if (result->num_rows() == 0) return rows;
    auto batch = result->CombineChunksToBatch().ValueOrDie();
    auto a = std::static_pointer_cast<arrow::Int64Array>(batch->column(0));
    auto b = std::static_pointer_cast<arrow::Int64Array>(batch->column(1));
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      rows.emplace_back(a->Value(i), b->IsNull(i) ? -1 : b->Value(i));
    }
    return rows;
  }

  std::unique_ptr<StreamingQuery> StartWith(const std::string& sql,
                                            const StreamingWriteOptions& options,
                                            const std::string& table) {
    auto query = session_->Sql(sql).ValueOrDie().WriteStream(table, options);
    EXPECT_TRUE(query.ok()) << query.status().ToString();
    return query.ok() ? std::move(*query) : nullptr;
  }

  static void AwaitEnd(StreamingQuery* query, StreamingState expected) {
    ASSERT_TRUE(query->AwaitTermination(milliseconds(60000)));
    ASSERT_EQ(query->state(), expected) << query->status().ToString();
  }

  static std::shared_ptr<arrow::RecordBatch> IdBatch(int64_t first, int64_t rows) {
    arrow::Int64Builder ids;
    for (int64_t i = first; i < first + rows; ++i) EXPECT_TRUE(ids.Append(i).ok());
    return arrow::RecordBatch::Make(arrow::schema({arrow::field("id", arrow::int64())}),
                                    rows, {ids.Finish().ValueOrDie()});
  }
};

TEST_F(StreamingWriteModesTest, UpdateModeUpsertsByKeyAcrossEpochsAndRestarts) {
  ASSERT_TRUE(session_->Exec("CREATE TABLE kv (k BIGINT NOT NULL, v BIGINT)").ok());
  const std::string sql =
      "SELECT id % 5 AS k, max(id) AS v FROM incoming GROUP BY id % 5";
  StreamingWriteOptions options;
  options.query_id = "upsert";
  options.trigger = Trigger::AvailableNow(1);
  options.output_mode = OutputMode::kUpdate;
  options.key_columns = {"k"};
  WriteIds(incoming(), "a.parquet", 0, 10);  // k 0..4 -> 5..9
  WriteIds(incoming(), "b.parquet", 10, 3);  // k 0..2 -> 10..12
  AwaitEnd(StartWith(sql, options, "kv").get(), StreamingState::kFinished);
  const std::string read = "SELECT k, v FROM kv ORDER BY k";
  EXPECT_EQ(Collect(read), (Pairs{{0, 10}, {1, 11}, {2, 12}, {3, 8}, {4, 9}}));
  WriteIds(incoming(), "c.parquet", 13, 2);  // k 3, 4 -> 13, 14
  Restart();
  AwaitEnd(StartWith(sql, options, "kv").get(), StreamingState::kFinished);
  EXPECT_EQ(Collect(read), (Pairs{{0, 10}, {1, 11}, {2, 12}, {3, 13}, {4, 14}}));
  auto table = delta::DeltaTable::Open((dir_.path() / "warehouse" / "kv").string());
  auto history = (*table)->History().ValueOrDie();
  const auto& info = history.back().second;
  EXPECT_EQ(info.operation_parameters.value("outputMode", ""), "Update");
  EXPECT_EQ(info.operation_metrics.value("numTargetRowsUpdated", ""), "2");
  EXPECT_EQ((*table)->LatestTxnVersion("upsert").ValueOrDie(), 2);
}

TEST_F(StreamingWriteModesTest, UpdateModeRefusesDuplicateKeysInAnEpoch) {
  ASSERT_TRUE(session_->Exec("CREATE TABLE kv (k BIGINT, v BIGINT)").ok());
  StreamingWriteOptions options;
  options.query_id = "dup";
  options.trigger = Trigger::AvailableNow();
  options.output_mode = OutputMode::kUpdate;
  options.key_columns = {"k"};
  WriteIds(incoming(), "a.parquet", 0, 4);
  auto query = StartWith("SELECT id % 2 AS k, id AS v FROM incoming", options, "kv");
  AwaitEnd(query.get(), StreamingState::kFailed);
  const std::string message = query->status().message();
  EXPECT_NE(message.find("epoch 0"), std::string::npos) << message;
  EXPECT_NE(message.find("(k = 0) appears more than once"), std::string::npos) << message;
  EXPECT_TRUE(Collect("SELECT k, v FROM kv").empty());
}

TEST_F(StreamingWriteModesTest, ConcurrentUpsertsOfOneKeyNeverDuplicateIt) {
  ASSERT_TRUE(session_->Exec("CREATE TABLE kv (k BIGINT, v BIGINT)").ok());
  auto table =
      delta::DeltaTable::Open((dir_.path() / "warehouse" / "kv").string()).ValueOrDie();
  auto schema = arrow::schema(
      {arrow::field("k", arrow::int64()), arrow::field("v", arrow::int64())});
  std::atomic<int> conflicts{0};
  auto upsert = [&](delta::DeltaTable* handle, int64_t v) {
    for (int round = 0; round < 20; ++round) {
      arrow::Int64Builder ks, vs;
      for (int64_t k = 0; k < 3; ++k) {
        EXPECT_TRUE(ks.Append(k).ok());
        EXPECT_TRUE(vs.Append(v * 100 + round).ok());
      }
      auto batch = arrow::RecordBatch::Make(
          schema, 3, {ks.Finish().ValueOrDie(), vs.Finish().ValueOrDie()});
      auto reader = arrow::RecordBatchReader::Make({batch}).ValueOrDie();
      auto written = handle->Upsert(reader.get(), {"k"}, delta::WriteOptions());
      if (!written.ok()) {
        EXPECT_NE(written.status().message().find("commit conflict"), std::string::npos)
            << written.status().ToString();
        ++conflicts;
      }
    }
  };
  // A second handle, as another process would have.
  auto other =
      delta::DeltaTable::Open((dir_.path() / "warehouse" / "kv").string()).ValueOrDie();
  std::thread first(upsert, table.get(), 1);
  std::thread second(upsert, other.get(), 2);
  first.join();
  second.join();
  const auto rows = Collect("SELECT k, count(*) FROM kv GROUP BY k ORDER BY k");
  EXPECT_EQ(rows, (Pairs{{0, 1}, {1, 1}, {2, 1}})) << conflicts << " conflicts";
}

TEST_F(StreamingWriteModesTest, ABoundedQueryIsWrittenOnceAsEpochZero) {
  StreamingWriteOptions options;
  options.query_id = "backfill";
  options.trigger = Trigger::AvailableNow();
  const std::string sql = "SELECT id FROM (VALUES (1), (2), (3)) AS v(id)";
  for (int run = 0; run < 2; ++run) {
    Restart();
    auto query = StartWith(sql, options, "t");
    AwaitEnd(query.get(), StreamingState::kFinished);
    EXPECT_EQ(query->last_committed_epoch(), 0);
    EXPECT_EQ(query->RecentProgress().size(), run == 0 ? 1u : 0u);
  }
  EXPECT_EQ(Ids(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(TxnVersion("backfill"), 0);
}

TEST_F(StreamingWriteModesTest, ProducerEpochsAreCommittedOnceAndResentOnesDropped) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  auto produce = [&](TableSink* sink, int64_t from, int64_t to) {
    for (int64_t epoch = from; epoch < to; ++epoch) {
      ASSERT_TRUE(sink->BeginEpoch(epoch).ok());
      ASSERT_TRUE(sink->Write(IdBatch(epoch * 10, 5)).ok());
      ASSERT_TRUE(sink->Write(IdBatch(epoch * 10 + 5, 5)).ok());
      ASSERT_TRUE(sink->EndEpoch().ok());
    }
  };
  StreamingWriteOptions options;
  options.query_id = "events";
  {
    auto sink = session_->RegisterStreamingTable("events", schema, 2).ValueOrDie();
    auto query = StartWith("SELECT id FROM events", options, "t");
    produce(sink.get(), 0, 3);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (query->last_committed_epoch() < 2 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(10));
    EXPECT_EQ(query->last_committed_epoch(), 2);
    EXPECT_EQ(query->LastProgress()->source_offset, R"({"epoch":2})");
    query->Stop();
    EXPECT_FALSE(sink->Write(IdBatch(0, 1)).ok());  // the reader has gone
  }
  // A restarted producer asks where to resume, and resends from a little earlier.
  Restart();
  EXPECT_EQ(session_->LastCommittedEpoch("t", "events").ValueOrDie(), 2);
  auto sink = session_->RegisterStreamingTable("events", schema, 2).ValueOrDie();
  auto query = StartWith("SELECT id FROM events", options, "t");
  produce(sink.get(), 1, 6);
  ASSERT_TRUE(sink->Close().ok());
  AwaitEnd(query.get(), StreamingState::kFinished);
  EXPECT_EQ(Ids(), Range(60));
  EXPECT_EQ(TxnVersion("events"), 5);
  ASSERT_EQ(query->RecentProgress().size(), 3u);  // epochs 3, 4, 5
  // Its name is free again once the write has ended.
  EXPECT_TRUE(session_->RegisterStreamingTable("events", schema, 2).ok());
}

TEST_F(StreamingWriteModesTest, ProducerEpochMistakesAreErrors) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  auto sink = session_->RegisterStreamingTable("events", schema, 8).ValueOrDie();
  ASSERT_TRUE(sink->BeginEpoch(3).ok());
  EXPECT_TRUE(sink->BeginEpoch(4).IsInvalid());  // inside epoch 3
  EXPECT_TRUE(sink->Close().IsInvalid());        // inside epoch 3
  ASSERT_TRUE(sink->Write(IdBatch(0, 1)).ok());
  ASSERT_TRUE(sink->EndEpoch().ok());
  EXPECT_TRUE(sink->EndEpoch().IsInvalid());
  EXPECT_TRUE(sink->Write(IdBatch(0, 1)).IsInvalid());  // outside an epoch
  EXPECT_TRUE(sink->BeginEpoch(3).IsInvalid());         // ids increase
  // A producer that fails inside an epoch fails the write; nothing of it is committed.
  StreamingWriteOptions options;
  options.query_id = "events";
  auto query = StartWith("SELECT id FROM events", options, "t");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (query->last_committed_epoch() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(5));
  ASSERT_TRUE(sink->BeginEpoch(4).ok());
  ASSERT_TRUE(sink->Write(IdBatch(10, 1)).ok());
  sink->Fail(arrow::Status::IOError("upstream broke"));
  AwaitEnd(query.get(), StreamingState::kFailed);
  EXPECT_NE(query->status().message().find("upstream broke"), std::string::npos)
      << query->status().ToString();
  EXPECT_EQ(Ids(), std::vector<int64_t>{0});  // epoch 3 only
  // A table with several partitions has no single epoch order.
  auto parts = session_->RegisterStreamingTable("parts", schema, 8, 2).ValueOrDie();
  options.query_id = "parts";
  auto refused = session_->Sql("SELECT id FROM parts")->WriteStream("t", options);
  EXPECT_TRUE(refused.status().IsNotImplemented()) << refused.status().ToString();
}

TEST_F(StreamingWriteModesTest, ASlowEpochStallsTheProducerAndBoundsMemory) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  constexpr int kCapacity = 2;
  constexpr int64_t kBatchRows = 1 << 20;  // 8 MiB a batch
  constexpr int kEpochs = 24;
  auto sink = session_->RegisterStreamingTable("events", schema, kCapacity).ValueOrDie();
  StreamingWriteOptions options;
  options.query_id = "slow";
  options.on_progress = [](const EpochProgress&) {
    std::this_thread::sleep_for(milliseconds(100));  // a slow commit
  };
  auto query = StartWith("SELECT id FROM events", options, "t");
  testing::ResetPeakRss();
  const int64_t rss_before = testing::CurrentRssBytes();
  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < kEpochs; ++epoch) {
    ASSERT_TRUE(sink->BeginEpoch(epoch).ok());
    ASSERT_TRUE(sink->Write(IdBatch(epoch * kBatchRows, kBatchRows)).ok());
    ASSERT_TRUE(sink->EndEpoch().ok());
  }
  const double produce_ms = testing::MillisSince(start);
  ASSERT_TRUE(sink->Close().ok());
  AwaitEnd(query.get(), StreamingState::kFinished);
  // Unpaced, the producer would be done at once; paced, it waits for all but the
  // epochs the queue holds.
  EXPECT_GE(produce_ms, (kEpochs - 4) * 100.0);
  // Unbounded, the queue would hold every batch (192 MiB).
  EXPECT_LT(testing::PeakRssBytes() - rss_before, 120LL << 20);
  EXPECT_EQ(TxnVersion("slow"), kEpochs - 1);
  auto count = Collect("SELECT count(*), count(DISTINCT id) FROM t");
  EXPECT_EQ(count, (Pairs{{kEpochs * kBatchRows, kEpochs * kBatchRows}}));
}

TEST_F(StreamingWriteModesTest, NewColumnsAreAddedOnlyWhenMergingSchemas) {
  auto wide = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("score", arrow::int64())});
  fs::create_directories(dir_.path() / "wide");
  {
    arrow::Int64Builder ids, scores;
    for (int64_t i = 0; i < 4; ++i) {
      ASSERT_TRUE(ids.Append(100 + i).ok());
      ASSERT_TRUE(scores.Append(i * i).ok());
    }
    auto table = arrow::Table::Make(
        wide, {ids.Finish().ValueOrDie(), scores.Finish().ValueOrDie()});
    auto out =
        arrow::io::FileOutputStream::Open((dir_.path() / "wide" / "a.parquet").string())
            .ValueOrDie();
    ASSERT_TRUE(
        parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1024).ok());
    ASSERT_TRUE(out->Close().ok());
  }
  ASSERT_TRUE(session_
                  ->RegisterDirectoryStream("wide", (dir_.path() / "wide").string(),
                                            "parquet", wide)
                  .ok());
  WriteIds(incoming(), "a.parquet", 0, 2);
  RunToEnd("narrow");
  StreamingWriteOptions options;
  options.query_id = "wide";
  options.trigger = Trigger::AvailableNow();
  auto refused = StartWith("SELECT id, score FROM wide", options, "t");
  AwaitEnd(refused.get(), StreamingState::kFailed);
  EXPECT_NE(refused->status().message().find("no column \"score\""), std::string::npos)
      << refused->status().ToString();
  options.merge_schema = true;
  AwaitEnd(StartWith("SELECT id, score FROM wide", options, "t").get(),
           StreamingState::kFinished);
  EXPECT_EQ(Collect("SELECT id, score FROM t ORDER BY id"),
            (Pairs{{0, -1}, {1, -1}, {100, 0}, {101, 1}, {102, 4}, {103, 9}}));
  auto table = delta::DeltaTable::Open(table_path().string()).ValueOrDie();
  auto header = table->LatestHeader().ValueOrDie();
  ASSERT_EQ(header.schema->num_fields(), 2);
  EXPECT_TRUE(header.schema->field(1)->nullable());
  EXPECT_FALSE(header.schema->field(0)->nullable());  // NOT NULL kept
}

TEST_F(StreamingWriteModesTest, CompactionPacksSmallFilesBesideTheAppends) {
  for (int i = 0; i < 9; ++i)
    WriteIds(incoming(), "f" + std::to_string(i) + ".parquet", i * 10, 10);
  StreamingWriteOptions options;
  options.query_id = "compacted";
  options.trigger = Trigger::AvailableNow(1);
  options.compact_every_epochs = 3;
  AwaitEnd(StartWith("SELECT id FROM incoming", options, "t").get(),
           StreamingState::kFinished);
  EXPECT_EQ(Ids(), Range(90));
  auto table = delta::DeltaTable::Open(table_path().string()).ValueOrDie();
  int optimizes = 0;
  for (const auto& [version, info] : table->History().ValueOrDie())
    optimizes += info.operation == "OPTIMIZE";
  EXPECT_GE(optimizes, 1);
  EXPECT_LT(table->Latest().ValueOrDie()->files().size(), 9u);
  EXPECT_EQ(TxnVersion("compacted"), 8);
}

TEST_F(StreamingWriteModesTest, AByteTriggerWaitsForEnoughInputOrItsMaxDelay) {
  WriteIds(incoming(), "a.parquet", 0, 10);
  const int64_t one_file = static_cast<int64_t>(fs::file_size(incoming() / "a.parquet"));
  StreamingWriteOptions options;
  options.query_id = "batched";
  options.trigger = Trigger::AtBytes(3 * one_file);
  auto query = StartWith("SELECT id FROM incoming", options, "t");
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(query->last_committed_epoch(), -1);  // one file of three: waiting
  WriteIds(incoming(), "b.parquet", 10, 10);
  WriteIds(incoming(), "c.parquet", 20, 10);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (query->last_committed_epoch() < 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_EQ(query->last_committed_epoch(), 0);
  EXPECT_EQ(query->LastProgress()->input_files, 3);  // all three in one epoch
  query->Stop();
  // With a max delay, a lone file is taken once it has waited that long.
  WriteIds(incoming(), "d.parquet", 30, 10);
  options.trigger = Trigger::AtBytes(1LL << 40, milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  query = StartWith("SELECT id FROM incoming", options, "t");
  while (query->last_committed_epoch() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_GE(testing::MillisSince(start), 300);
  EXPECT_EQ(Ids(), Range(40));
}

TEST_F(StreamingWriteModesTest, NdjsonFilesStreamLikeTheOtherFormats) {
  const fs::path dir = dir_.path() / "json";
  fs::create_directories(dir);
  for (int file = 0; file < 3; ++file) {
    std::ofstream out(dir / ("f" + std::to_string(file) + ".ndjson"));
    for (int i = 0; i < 4; ++i) out << "{\"id\": " << file * 4 + i << "}\n";
  }
  std::ofstream(dir / "notes.txt") << "not a data file";
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  ASSERT_TRUE(
      session_->RegisterDirectoryStream("json", dir.string(), "ndjson", schema).ok());
  StreamingWriteOptions options;
  options.query_id = "json";
  options.trigger = Trigger::AvailableNow(1);
  AwaitEnd(StartWith("SELECT id FROM json", options, "t").get(),
           StreamingState::kFinished);
  EXPECT_EQ(Ids(), Range(12));
  EXPECT_EQ(TxnVersion("json"), 2);
  EXPECT_EQ(Collect("SELECT count(*), max(id) FROM read_ndjson('" +
                    (dir / "*.ndjson").string() + "')"),
            (Pairs{{12, 11}}));
}

TEST_F(StreamingWriteModesTest, TheSqlFormStartsAwaitsShowsAndStops) {
  for (int i = 0; i < 3; ++i)
    WriteIds(incoming(), "f" + std::to_string(i) + ".parquet", i * 10, 10);
  auto created = session_->Exec(
      "CREATE STREAMING WRITE ingest INTO t\n"
      "  WITH (trigger = 'available now', max_files_per_epoch = 1)\n"
      "  AS SELECT id FROM incoming");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto awaited = session_->Exec("AWAIT STREAMING WRITE ingest TIMEOUT 60 SECONDS");
  ASSERT_TRUE(awaited.ok()) << awaited.status().ToString();
  EXPECT_NE(awaited->message.find("finished, last epoch 2"), std::string::npos)
      << awaited->message;
  EXPECT_EQ(Ids(), Range(30));
  auto shown = session_->Exec("SHOW STREAMING WRITES").ValueOrDie();
  EXPECT_NE(shown.message.find("ingest INTO t: finished"), std::string::npos)
      << shown.message;
  // A continuous one runs until stopped.
  ASSERT_TRUE(session_
                  ->Exec("CREATE STREAMING WRITE live INTO t WITH (trigger = '20 ms') "
                         "AS SELECT id FROM incoming")
                  .ok());
  auto again =
      session_->Exec("CREATE STREAMING WRITE live INTO t AS SELECT id FROM incoming");
  EXPECT_TRUE(again.status().IsInvalid()) << again.status().ToString();
  auto stopped = session_->Exec("STOP STREAMING WRITE live");
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  EXPECT_NE(stopped->message.find("stopped"), std::string::npos) << stopped->message;
}

TEST_F(StreamingWriteModesTest, ASessionLetGoOfWhileItsSqlWriteRunsEndsWithIt) {
  for (int i = 0; i < 5; ++i)
    WriteIds(incoming(), "f" + std::to_string(i) + ".parquet", i * 10, 10);
  ASSERT_TRUE(
      session_
          ->Exec("CREATE STREAMING WRITE orphan INTO t WITH (trigger = 'available "
                 "now', max_files_per_epoch = 1) AS SELECT id FROM incoming")
          .ok());
  // The write keeps the session alive until it finishes, then lets go of both.
  std::weak_ptr<Session> weak = session_;
  session_.reset();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!weak.expired() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_TRUE(weak.expired());
  Restart();
  EXPECT_EQ(Ids(), Range(50));
}

TEST_F(StreamingWriteModesTest, TheSqlFormNamesWhatIsWrong) {
  auto unknown = session_->Exec("STOP STREAMING WRITE nope");
  EXPECT_TRUE(unknown.status().IsKeyError()) << unknown.status().ToString();
  auto option = session_->Exec(
      "CREATE STREAMING WRITE q INTO t WITH (trigger = 'sometimes') AS SELECT id FROM "
      "incoming");
  EXPECT_NE(option.status().message().find("option trigger"), std::string::npos)
      << option.status().ToString();
  auto unknown_option = session_->Exec(
      "CREATE STREAMING WRITE q INTO t WITH (checkpoint = '/etc') AS SELECT id FROM "
      "incoming");
  EXPECT_NE(unknown_option.status().message().find("unknown streaming write option "
                                                   "checkpoint"),
            std::string::npos)
      << unknown_option.status().ToString();
  auto syntax = session_->Exec("CREATE STREAMING WRITE q t AS SELECT id FROM incoming");
  EXPECT_NE(syntax.status().message().find("expected CREATE STREAMING WRITE"),
            std::string::npos)
      << syntax.status().ToString();
  // The query's errors point into the statement as written.
  auto column =
      session_->Exec("CREATE STREAMING WRITE q INTO t AS SELECT nope FROM incoming");
  EXPECT_NE(column.status().message().find("column 43"), std::string::npos)
      << column.status().ToString();
  auto keys = session_->Exec(
      "CREATE STREAMING WRITE q INTO t KEY (id) WITH (output_mode = 'update') AS SELECT "
      "id FROM incoming");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_TRUE(session_->Exec("STOP STREAMING WRITE q").ok());
}

}  // namespace
}  // namespace sluice
