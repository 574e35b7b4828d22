// Streams one query's result and prints one JSON line: rows, seconds to the first batch,
// total seconds, peak RSS. Used by streaming.py; never part of the test suite.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <arrow/record_batch.h>

#include "peak_rss.h"
#include "sluice/session.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: stream_bench SQL\n");
    return 2;
  }
  auto session = sluice::Connect().ValueOrDie();
  const auto start = std::chrono::steady_clock::now();
  auto reader = session->Sql(argv[1]).ValueOrDie().Stream().ValueOrDie();
  double first = -1;
  int64_t rows = 0;
  std::shared_ptr<arrow::RecordBatch> batch;
  while (true) {
    auto status = reader->ReadNext(&batch);
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      return 1;
    }
    if (!batch) break;
    if (first < 0) {
      first =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    rows += batch->num_rows();
  }
  const double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "{\"rows\": %lld, \"first_batch_s\": %.6f, \"total_s\": %.6f, \"peak_rss_kib\": "
      "%ld}\n",
      static_cast<long long>(rows), first, total, sluice::bench::PeakRssKib());
  return 0;
}
