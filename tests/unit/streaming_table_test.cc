// Push-mode streaming tables: RegisterStreamingTable, TableSink and the C entry points.
#include <atomic>
#include <future>
#include <thread>

#include <arrow/api.h>
#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <gtest/gtest.h>

#include "sluice/session.h"
#include "sluice/sluice_c.h"
#include "test_util.h"

namespace sluice {
namespace {

using testing::MillisSince;

std::shared_ptr<arrow::Schema> XySchema() {
  return arrow::schema(
      {arrow::field("x", arrow::int64()), arrow::field("y", arrow::float64())});
}

// Rows [first, first + rows): x = i, y = i / 2.
std::shared_ptr<arrow::RecordBatch> XyBatch(int64_t first, int64_t rows) {
  arrow::Int64Builder xs;
  arrow::DoubleBuilder ys;
  for (int64_t i = first; i < first + rows; ++i) {
    EXPECT_TRUE(xs.Append(i).ok());
    EXPECT_TRUE(ys.Append(static_cast<double>(i) / 2).ok());
  }
  return arrow::RecordBatch::Make(XySchema(), rows,
                                  {xs.Finish().ValueOrDie(), ys.Finish().ValueOrDie()});
}

int64_t Int(const std::shared_ptr<arrow::Table>& table, int column, int64_t row = 0) {
  auto chunk = table->CombineChunks().ValueOrDie()->column(column)->chunk(0);
  return std::static_pointer_cast<arrow::Int64Array>(chunk)->Value(row);
}

TEST(StreamingTable, QueryReadsWhatProducersWrite) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 4).ValueOrDie();
  std::thread producer([&] {  // a thread Sluice did not create
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(sink->Write(XyBatch(i * 1000, 1000)).ok());
    ASSERT_TRUE(sink->Close().ok());
  });
  auto result = session->Sql("SELECT count(*), sum(x), max(y) FROM t")->Collect();
  producer.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Int(*result, 0), 20000);
  EXPECT_EQ(Int(*result, 1), 19999LL * 20000 / 2);
}

TEST(StreamingTable, RowsReachTheConsumerWhileTheProducerIsStillWriting) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("events", XySchema(), 2).ValueOrDie();
  auto reader = session->Sql("SELECT x * 10 AS x10 FROM events WHERE x % 2 = 0")
                    ->Stream()
                    .ValueOrDie();
  std::promise<void> first_seen;
  std::thread producer([&] {
    ASSERT_TRUE(sink->Write(XyBatch(0, 100)).ok());
    // The producer waits for the consumer to see its first rows before writing more:
    // only true concurrency gets past this point.
    ASSERT_EQ(first_seen.get_future().wait_for(std::chrono::seconds(10)),
              std::future_status::ready);
    ASSERT_TRUE(sink->Write(XyBatch(100, 100)).ok());
    ASSERT_TRUE(sink->Close().ok());
  });
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE(reader->ReadNext(&batch).ok() && batch);
  EXPECT_EQ(batch->num_rows(), 50);
  first_seen.set_value();
  int64_t rows = batch->num_rows();
  while (reader->ReadNext(&batch).ok() && batch) rows += batch->num_rows();
  producer.join();
  EXPECT_EQ(rows, 100);
}

TEST(StreamingTable, BlockingOperatorsFinishWhenTheProducerCloses) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 8).ValueOrDie();
  auto reader = session->Sql("SELECT x % 3 AS k, count(*) FROM t GROUP BY 1 ORDER BY k")
                    ->Stream()
                    .ValueOrDie();
  std::atomic<bool> done{false};
  std::shared_ptr<arrow::Table> table;
  std::thread consumer([&] {
    table = reader->ToTable().ValueOrDie();
    done = true;
  });
  ASSERT_TRUE(sink->Write(XyBatch(0, 300)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done) << "the aggregate finished before the producer closed";
  ASSERT_TRUE(sink->Close().ok());
  consumer.join();
  ASSERT_EQ(table->num_rows(), 3);
  EXPECT_EQ(Int(table, 1, 0), 100);
}

TEST(StreamingTable, WriteBlocksAtCapacityAndTryWriteDoesNot) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 2).ValueOrDie();
  ASSERT_TRUE(sink->Write(XyBatch(0, 10)).ok());
  ASSERT_TRUE(sink->TryWrite(XyBatch(10, 10)).ValueOrDie());
  EXPECT_FALSE(sink->TryWrite(XyBatch(20, 10)).ValueOrDie());  // full: not taken
  std::atomic<bool> written{false};
  std::thread producer([&] {
    ASSERT_TRUE(sink->Write(XyBatch(20, 10)).ok());
    written = true;
    ASSERT_TRUE(sink->Close().ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(written) << "Write did not block on a full table";
  auto result = session->Sql("SELECT count(*), sum(x) FROM t")->Collect().ValueOrDie();
  producer.join();
  EXPECT_TRUE(written);
  EXPECT_EQ(Int(result, 0), 30);
  EXPECT_EQ(Int(result, 1), 29 * 30 / 2);
}

TEST(StreamingTable, MismatchedBatchIsRejectedAndNothingIsQueued) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 4).ValueOrDie();
  ASSERT_TRUE(sink->Write(XyBatch(0, 5)).ok());
  auto wrong =
      arrow::RecordBatch::Make(arrow::schema({arrow::field("x", arrow::int32())}), 0,
                               {arrow::MakeArrayOfNull(arrow::int32(), 0).ValueOrDie()});
  auto status = sink->Write(wrong);
  EXPECT_TRUE(status.IsTypeError());
  EXPECT_NE(status.message().find("does not match"), std::string::npos)
      << status.ToString();
  EXPECT_TRUE(sink->TryWrite(wrong).status().IsTypeError());
  ASSERT_TRUE(sink->Close().ok());
  EXPECT_EQ(Int(session->Sql("SELECT count(*) FROM t")->Collect().ValueOrDie(), 0), 5);
}

TEST(StreamingTable, FailEndsTheQueryWithTheProducersError) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 4).ValueOrDie();
  ASSERT_TRUE(sink->Write(XyBatch(0, 5)).ok());
  sink->Fail(arrow::Status::IOError("upstream shard 7 timed out"));
  auto result = session->Sql("SELECT x FROM t")->Collect();
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsIOError());
  EXPECT_EQ(result.status().message(), "upstream shard 7 timed out");
  EXPECT_NE(sink->Write(XyBatch(0, 1)).message().find("write after Fail"),
            std::string::npos);
}

TEST(StreamingTable, WritesAfterCloseAreErrors) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 4).ValueOrDie();
  ASSERT_TRUE(sink->Close().ok());
  ASSERT_TRUE(sink->Close().ok());  // idempotent
  auto status = sink->Write(XyBatch(0, 1));
  EXPECT_NE(status.message().find("write after Close"), std::string::npos)
      << status.ToString();
  EXPECT_FALSE(sink->TryWrite(XyBatch(0, 1)).ok());
  EXPECT_EQ(Int(session->Sql("SELECT count(*) FROM t")->Collect().ValueOrDie(), 0), 0);
}

TEST(StreamingTable, IsScannedOnceAndThenTheNameIsFree) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("ticks", XySchema(), 4).ValueOrDie();
  EXPECT_TRUE(
      session->RegisterStreamingTable("TICKS", XySchema(), 4).status().IsAlreadyExists());
  auto reader = session->Sql("SELECT x FROM ticks")->Stream().ValueOrDie();
  auto second = session->Sql("SELECT count(*) FROM ticks");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(
      second.status().message().find("streaming table \"ticks\" is already being read"),
      std::string::npos)
      << second.status().ToString();
  ASSERT_TRUE(sink->Write(XyBatch(0, 3)).ok());
  ASSERT_TRUE(sink->Close().ok());
  EXPECT_EQ(reader->ToTable().ValueOrDie()->num_rows(), 3);
  // The scan has completed: the name is free again.
  EXPECT_FALSE(session->Sql("SELECT * FROM ticks").ok());
  EXPECT_TRUE(session->RegisterStreamingTable("ticks", XySchema(), 4).ok());
}

TEST(StreamingTable, ASelfJoinIsASecondScan) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 4).ValueOrDie();
  auto frame = session->Sql("SELECT a.x FROM t a JOIN t b ON a.x = b.x").ValueOrDie();
  auto run = frame.Stream();
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("\"t\" is already being read"), std::string::npos)
      << run.status().ToString();
}

TEST(StreamingTable, CancelledScanFreesTheName) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 4).ValueOrDie();
  auto reader = session->Sql("SELECT x FROM t")->Stream().ValueOrDie();
  ASSERT_TRUE(reader->Close().ok());
  EXPECT_FALSE(session->Sql("SELECT * FROM t").ok());
  EXPECT_TRUE(session->RegisterStreamingTable("t", XySchema(), 4).ok());
}

TEST(StreamingTable, SeveralProducersArePartitionsReadInParallel) {
  auto session = Connect().ValueOrDie();
  auto sinks = session->RegisterStreamingTable("t", XySchema(), 2, 3).ValueOrDie();
  ASSERT_EQ(sinks.size(), 3u);
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(sinks[p]->Write(XyBatch((p * 10 + i) * 100, 100)).ok());
      ASSERT_TRUE(sinks[p]->Close().ok());
    });
  }
  auto result = session->Sql("SELECT count(*), sum(x) FROM t")->Collect();
  for (auto& producer : producers) producer.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Int(*result, 0), 3000);
  EXPECT_EQ(Int(*result, 1), 2999LL * 3000 / 2);
}

TEST(StreamingTable, EachPartitionCanBeItsOwnStream) {
  auto session = Connect().ValueOrDie();
  auto sinks = session->RegisterStreamingTable("t", XySchema(), 2, 2).ValueOrDie();
  ExecOptions options;
  options.partitions = 2;
  auto readers = session->Sql("SELECT x FROM t")->StreamPartitions(options).ValueOrDie();
  ASSERT_EQ(readers.size(), 2u);
  ASSERT_TRUE(sinks[1]->Write(XyBatch(100, 7)).ok());
  ASSERT_TRUE(sinks[1]->Close().ok());
  // Partition 1 ends on its own, while partition 0's producer has not written at all.
  EXPECT_EQ(readers[1]->ToTable().ValueOrDie()->num_rows(), 7);
  ASSERT_TRUE(sinks[0]->Write(XyBatch(0, 3)).ok());
  ASSERT_TRUE(sinks[0]->Close().ok());
  EXPECT_EQ(readers[0]->ToTable().ValueOrDie()->num_rows(), 3);
}

TEST(StreamingTable, DroppingTheReaderReleasesABlockedProducer) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 1).ValueOrDie();
  auto reader = session->Sql("SELECT x FROM t")->Stream().ValueOrDie();
  std::atomic<bool> blocked{false};
  arrow::Status result;
  std::chrono::steady_clock::time_point returned;
  std::thread producer([&] {
    for (int i = 0;; ++i) {
      blocked = true;
      result = sink->Write(XyBatch(i, 1000));
      if (!result.ok()) break;
    }
    returned = std::chrono::steady_clock::now();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the producer fills up
  ASSERT_TRUE(blocked);
  const auto dropped = std::chrono::steady_clock::now();
  reader.reset();
  producer.join();
  EXPECT_TRUE(result.IsCancelled()) << result.ToString();
  const double latency_ms =
      std::chrono::duration_cast<std::chrono::microseconds>(returned - dropped).count() /
      1000.0;
  EXPECT_LT(latency_ms, 100.0);
}

TEST(StreamingTable, AQueryFailureReleasesTheProducer) {
  auto session = Connect().ValueOrDie();
  auto sink = session->RegisterStreamingTable("t", XySchema(), 1).ValueOrDie();
  auto reader = session->Sql("SELECT 10 / (x - 5) FROM t")->Stream().ValueOrDie();
  std::thread consumer([&] { EXPECT_FALSE(reader->ToTable().ok()); });
  arrow::Status status;
  for (int i = 0; i < 1000 && status.ok(); ++i) status = sink->Write(XyBatch(i * 10, 10));
  consumer.join();
  EXPECT_TRUE(status.IsCancelled()) << status.ToString();
}

TEST(StreamingTable, DestroyedSinksEndTheQueryWithAnError) {
  auto session = Connect().ValueOrDie();
  auto sinks = session->RegisterStreamingTable("t", XySchema(), 4, 2).ValueOrDie();
  auto reader = session->Sql("SELECT count(*) FROM t")->Stream().ValueOrDie();
  ASSERT_TRUE(sinks[0]->Write(XyBatch(0, 10)).ok());
  sinks.clear();  // no Close
  const auto start = std::chrono::steady_clock::now();
  auto result = reader->ToTable();
  EXPECT_LT(MillisSince(start), 1000.0);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("producer went away"), std::string::npos)
      << result.status().ToString();
}

TEST(StreamingTable, BadRegistrationsAreRejected) {
  auto session = Connect().ValueOrDie();
  EXPECT_TRUE(session->RegisterStreamingTable("t", nullptr, 4).status().IsInvalid());
  EXPECT_TRUE(session->RegisterStreamingTable("t", XySchema(), 0).status().IsInvalid());
  EXPECT_TRUE(
      session->RegisterStreamingTable("t", XySchema(), 4, 0).status().IsInvalid());
  ASSERT_TRUE(session->RegisterTable("taken", testing::MakeIdTable(1)).ok());
  EXPECT_TRUE(
      session->RegisterStreamingTable("taken", XySchema(), 4).status().IsAlreadyExists());
}

TEST(StreamingTable, CEntryPointsPushArrowArrays) {
  sluice_session* session = nullptr;
  char* error = nullptr;
  ASSERT_EQ(sluice_connect("local:", &session, &error), 0);
  struct ArrowSchema schema;
  ASSERT_TRUE(arrow::ExportSchema(*XySchema(), &schema).ok());
  sluice_sink* sinks[2] = {nullptr, nullptr};
  ASSERT_EQ(
      sluice_register_streaming_table(session, "c_table", &schema, 1, 2, sinks, &error),
      0);
  schema.release(&schema);  // borrowed by the call, still ours

  struct ArrowArrayStream out;
  ASSERT_EQ(
      sluice_query(session, "SELECT count(*), sum(x) FROM c_table", 0, &out, &error), 0);
  auto reader = arrow::ImportRecordBatchReader(&out).ValueOrDie();
  std::thread producer([&] {
    for (int p = 0; p < 2; ++p) {
      for (int i = 0; i < 5; ++i) {
        struct ArrowArray array;
        struct ArrowSchema batch_schema;
        ASSERT_TRUE(arrow::ExportRecordBatch(*XyBatch((p * 5 + i) * 10, 10), &array,
                                             &batch_schema)
                        .ok());
        char* write_error = nullptr;
        ASSERT_EQ(sluice_sink_write(sinks[p], &array, &batch_schema, &write_error), 0);
      }
      ASSERT_EQ(sluice_sink_close(sinks[p], &error), 0);
    }
  });
  auto table = reader->ToTable().ValueOrDie();
  producer.join();
  EXPECT_EQ(Int(table, 0), 100);
  EXPECT_EQ(Int(table, 1), 99 * 100 / 2);

  for (sluice_sink* sink : sinks) sluice_sink_free(sink);

  // try_write on a full partition leaves the structs with the caller.
  ASSERT_TRUE(arrow::ExportSchema(*XySchema(), &schema).ok());
  sluice_sink* full = nullptr;
  ASSERT_EQ(
      sluice_register_streaming_table(session, "c_full", &schema, 1, 1, &full, &error),
      0);
  schema.release(&schema);
  int accepted = -1;
  for (int expected : {1, 0}) {
    struct ArrowArray array;
    struct ArrowSchema batch_schema;
    ASSERT_TRUE(arrow::ExportRecordBatch(*XyBatch(0, 4), &array, &batch_schema).ok());
    ASSERT_EQ(sluice_sink_try_write(full, &array, &batch_schema, &accepted, &error), 0);
    EXPECT_EQ(accepted, expected);
    if (!accepted) {
      ASSERT_NE(array.release, nullptr) << "a refused batch must stay the caller's";
      auto back = arrow::ImportRecordBatch(&array, &batch_schema).ValueOrDie();
      EXPECT_EQ(back->num_rows(), 4);
    }
  }
  EXPECT_NE(
      sluice_register_streaming_table(session, "c_bad", nullptr, 1, 1, &full, &error), 0);
  ASSERT_NE(error, nullptr);
  sluice_free_error(error);
  sluice_sink_free(full);
  sluice_session_free(session);
}

}  // namespace
}  // namespace sluice
