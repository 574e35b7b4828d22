// Pushes rows through a streaming table into SELECT count(*), sum(x), max(y) and prints
// one JSON line. Modes:
//   sink     producers write through TableSink while the query runs (Sluice's way);
//   buffered the baseline adapter: producers append to an unbounded buffer and the query
//            reads it as a table once they are done, serialising producers and consumer.
// Used by streaming_table.py; never part of the test suite.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arrow/api.h>

#include "peak_rss.h"
#include "sluice/session.h"

namespace {

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema(
      {arrow::field("x", arrow::int64()), arrow::field("y", arrow::float64())});
}

// Each batch is made when written, as an event-driven producer would.
std::shared_ptr<arrow::RecordBatch> MakeBatch(int64_t first, int64_t rows) {
  std::shared_ptr<arrow::Buffer> xs = arrow::AllocateBuffer(rows * 8).ValueOrDie();
  std::shared_ptr<arrow::Buffer> ys = arrow::AllocateBuffer(rows * 8).ValueOrDie();
  auto* x = xs->mutable_data_as<int64_t>();
  auto* y = ys->mutable_data_as<double>();
  for (int64_t i = 0; i < rows; ++i) {
    x[i] = first + i;
    y[i] = static_cast<double>((first + i) % 1000);
  }
  return arrow::RecordBatch::Make(Schema(), rows,
                                  {std::make_shared<arrow::Int64Array>(rows, xs),
                                   std::make_shared<arrow::DoubleArray>(rows, ys)});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: streaming_table_bench sink|buffered CAPACITY PRODUCERS ROWS\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int capacity = std::stoi(argv[2]);
  const int producers = std::stoi(argv[3]);
  const int64_t rows = std::stoll(argv[4]);
  const int64_t batch_rows = 65536;
  const int64_t batches_each = rows / batch_rows / producers;
  const char* sql = "SELECT count(*), sum(x), max(y) FROM t";
  auto session = sluice::Connect().ValueOrDie();

  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<arrow::Table> result;
  if (mode == "sink") {
    auto sinks =
        session->RegisterStreamingTable("t", Schema(), capacity, producers).ValueOrDie();
    auto reader = session->Sql(sql).ValueOrDie().Stream().ValueOrDie();
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        for (int64_t b = 0; b < batches_each; ++b) {
          if (!sinks[p]
                   ->Write(MakeBatch((p * batches_each + b) * batch_rows, batch_rows))
                   .ok()) {
            return;
          }
        }
        (void)sinks[p]->Close();
      });
    }
    result = reader->ToTable().ValueOrDie();
    for (auto& thread : threads) thread.join();
  } else {
    std::mutex mutex;
    std::vector<std::shared_ptr<arrow::RecordBatch>> buffer;
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        for (int64_t b = 0; b < batches_each; ++b) {
          auto batch = MakeBatch((p * batches_each + b) * batch_rows, batch_rows);
          std::lock_guard<std::mutex> lock(mutex);
          buffer.push_back(std::move(batch));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    auto table = arrow::Table::FromRecordBatches(Schema(), buffer).ValueOrDie();
    (void)session->RegisterTable("t", table).ok();
    buffer.clear();
    result = session->Sql(sql).ValueOrDie().Collect().ValueOrDie();
  }
  const double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t counted =
      std::static_pointer_cast<arrow::Int64Array>(result->column(0)->chunk(0))->Value(0);
  std::printf("{\"rows\": %lld, \"total_s\": %.6f, \"peak_rss_kib\": %ld}\n",
              static_cast<long long>(counted), total, sluice::bench::PeakRssKib());
  return counted == batches_each * producers * batch_rows ? 0 : 1;
}
