// Streaming guarantees on a real Spark Connect server: bounded client memory,
// backpressure, cancellation that stops the Spark job, resumption after a dropped
// connection with every row exactly once, and the other ways to read a result.
#include <arrow/api.h>
#include <arrow/c/bridge.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "sluice/session.h"
#include "spark/execute_stream.h"
#include "spark/relation_builder.h"
#include "spark/spark_client.h"
#include "spark_test_env.h"
#include "tcp_proxy.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;
using testing::SparkServer;

std::shared_ptr<Session> Open() {
  auto session = Connect(SparkServer::Get().Uri());
  EXPECT_TRUE(session.ok()) << session.status();
  return *session;
}

std::shared_ptr<spark::SparkClient> Client(int port) {
  spark::ConnectionString connection;
  connection.host = "127.0.0.1";
  connection.port = port;
  auto client = spark::SparkClient::Connect(connection);
  EXPECT_TRUE(client.ok()) << client.status();
  return *client;
}

::spark::connect::Relation SqlRelation(const std::string& sql) {
  return *spark::ToRelation(*plan::FrameOp::Sql(sql, {}));
}

// A Spark job that keeps both of the server's cores busy for minutes.
constexpr const char* kLongJob =
    "SELECT sum(id * 7 % 13) FROM range(0, 400000000000, 1, 2)";

// Waits (up to 30 s: a loaded machine starts the job late) until the server is busy, so
// a later quiet period means the job stopped.
void ExpectServerBusy() {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  double used = 0;
  do {
    used = SparkServer::Get().CpuOver(1.0);
  } while (used <= 0.5 && Clock::now() < deadline);
  EXPECT_GT(used, 0.5) << "the long job did not start on the server";
}

// The job runs for minutes unless interrupted; a loaded machine (a parallel test run)
// can take a few seconds to stop it, so the server must fall quiet within 5 s.
void ExpectServerIdleSoon() {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  double used = 0;
  do {
    used = SparkServer::Get().CpuOver(1.0);
  } while (used >= 0.4 && Clock::now() < deadline);
  EXPECT_LT(used, 0.4) << "the server still computes: the operation was not interrupted";
}

TEST(SparkStream, MemoryStaysBoundedOverAResultFarLargerThanTheBuffer) {
  auto session = Open();
  // 16M rows x 4 BIGINT columns: 512 MB of Arrow data, streamed through 4 batches.
  auto frame = session->Sql(
      "SELECT id, id + 1 AS b, id + 2 AS c, id + 3 AS d FROM range(0, 16000000, 1, 8)");
  ASSERT_TRUE(frame.ok()) << frame.status();
  ExecOptions options;
  options.max_buffered_batches = 4;
  auto reader = frame->Stream(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const int64_t baseline = testing::ResidentBytes();
  int64_t peak = baseline;
  int64_t rows = 0;
  int64_t sum = 0;
  int64_t expected_next = 0;
  bool ordered = true;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ASSERT_TRUE((*reader)->ReadNext(&batch).ok());
    if (!batch) break;
    const auto& ids = static_cast<const arrow::Int64Array&>(*batch->column(0));
    ordered = ordered && ids.Value(0) == expected_next;
    expected_next = ids.Value(ids.length() - 1) + 1;
    for (int64_t i = 0; i < ids.length(); ++i) sum += ids.Value(i);
    rows += batch->num_rows();
    peak = std::max(peak, testing::ResidentBytes());
  }
  EXPECT_EQ(rows, 16000000);
  EXPECT_EQ(sum, int64_t{16000000} * 15999999 / 2) << "rows were lost or repeated";
  // Spark sends partitions in order; Sail, free to without ORDER BY, does not.
  if (!SparkServer::Get().is_sail()) {
    EXPECT_TRUE(ordered) << "batches arrived out of order";
  }
  EXPECT_LT(peak - baseline, 160 << 20) << "client memory grew with the result";
}

TEST(SparkStream, AStalledConsumerStopsTheClientReading) {
  auto client = Client(SparkServer::Get().port);
  spark::ExecuteOptions options;
  options.max_buffered_batches = 2;
  auto stream = spark::ExecuteStream::Start(
      client, SqlRelation("SELECT id FROM range(0, 40000000, 1, 40)"), options);
  ASSERT_TRUE(stream.ok()) << stream.status();
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE((*stream)->ReadNext(&batch).ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const int64_t received = (*stream)->responses_received();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ((*stream)->responses_received(), received)
      << "the client kept reading while nobody consumed";
  EXPECT_LE((*stream)->high_water_mark(), 2u);
  // Reading again resumes the flow.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*stream)->ReadNext(&batch).ok());
  EXPECT_GT((*stream)->responses_received(), received);
  ASSERT_TRUE((*stream)->Close().ok());
}

TEST(SparkStream, AStopRequestInterruptsTheSparkJob) {
  auto session = Open();
  auto frame = session->Sql(kLongJob);
  ASSERT_TRUE(frame.ok()) << frame.status();
  arrow::StopSource stop;
  ExecOptions options;
  options.stop_token = stop.token();
  auto started = std::async(std::launch::async, [&] { return frame->Stream(options); });
  ExpectServerBusy();
  const auto asked = Clock::now();
  stop.RequestStop();
  auto reader = started.get();
  EXPECT_LT(Clock::now() - asked, std::chrono::seconds(1));
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(reader.status().IsCancelled()) << reader.status();
  ExpectServerIdleSoon();
}

TEST(SparkStream, ClosingAStreamInterruptsTheSparkJob) {
  auto session = Open();
  // Rows flow at once, and the job would run for minutes.
  auto frame = session->Sql(
      "SELECT id, sha2(CAST(id AS STRING), 256) AS h FROM range(0, 2000000000, 1, 2000)");
  ASSERT_TRUE(frame.ok()) << frame.status();
  ExecOptions options;
  options.max_buffered_batches = 2;
  auto reader = frame->Stream(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE((*reader)->ReadNext(&batch).ok());
  ASSERT_NE(batch, nullptr);
  const auto asked = Clock::now();
  ASSERT_TRUE((*reader)->Close().ok());
  EXPECT_LT(Clock::now() - asked, std::chrono::seconds(1));
  ExpectServerIdleSoon();
}

TEST(SparkStream, ADroppedConnectionIsResumedWithEveryRowOnce) {
  testing::TcpProxy proxy(SparkServer::Get().port);
  auto client = Client(proxy.port());
  spark::ExecuteOptions options;
  options.max_buffered_batches = 2;
  constexpr int64_t kRows = 6000000;
  auto stream = spark::ExecuteStream::Start(
      client, SqlRelation("SELECT id FROM range(0, 6000000, 1, 4)"), options);
  ASSERT_TRUE(stream.ok()) << stream.status();
  // Spark sends rows in order; Sail may interleave partitions, so every id is counted.
  const bool ordered = !SparkServer::Get().is_sail();
  std::vector<bool> seen(kRows, false);
  int64_t rows = 0;
  int cuts = 0;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    auto status = (*stream)->ReadNext(&batch);
    ASSERT_TRUE(status.ok()) << status;
    if (!batch) break;
    const auto& ids = static_cast<const arrow::Int64Array&>(*batch->column(0));
    for (int64_t i = 0; i < ids.length(); ++i) {
      const int64_t id = ids.Value(i);
      ASSERT_TRUE(id >= 0 && id < kRows && !seen[id]) << "row " << id << " repeated";
      if (ordered) {
        ASSERT_EQ(id, rows) << "a row was lost";
      }
      seen[id] = true;
      ++rows;
    }
    if (cuts < 2 && rows >= (cuts + 1) * kRows / 3) cuts += proxy.CutAll() > 0 ? 1 : 0;
  }
  EXPECT_EQ(rows, kRows) << "rows were lost";
  // A cut that found the result already received needs no reattach.
  EXPECT_GE(cuts, 1);
  EXPECT_GE((*stream)->reattach_count(), 1);
}

TEST(SparkStream, PartitionsAndTheCStreamInterfaceWork) {
  auto session = Open();
  auto frame = session->Sql("SELECT id FROM range(0, 100000, 1, 3)");
  ASSERT_TRUE(frame.ok());
  auto partitions = frame->StreamPartitions();
  ASSERT_TRUE(partitions.ok()) << partitions.status();
  int64_t rows = 0;
  for (const auto& reader : *partitions) rows += (*reader->ToTable())->num_rows();
  EXPECT_EQ(rows, 100000);

  ArrowArrayStream stream;
  auto requested = arrow::schema({arrow::field("id", arrow::int64())});
  ASSERT_TRUE(frame->ExportArrowStream(&stream, requested).ok());
  auto imported = arrow::ImportRecordBatchReader(&stream);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ((*(*imported)->ToTable())->num_rows(), 100000);
  ArrowArrayStream rejected;
  auto bad = arrow::schema({arrow::field("nope", arrow::int64())});
  EXPECT_FALSE(frame->ExportArrowStream(&rejected, bad).ok());
}

TEST(SparkStream, AnEmptyResultHasItsSchema) {
  auto session = Open();
  auto frame =
      session->Sql("SELECT id, CAST(id AS STRING) AS s FROM range(10) WHERE id < 0");
  ASSERT_TRUE(frame.ok());
  auto table = frame->Collect();
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->num_rows(), 0);
  EXPECT_EQ((*table)->schema()->num_fields(), 2);
}

}  // namespace
}  // namespace sluice
