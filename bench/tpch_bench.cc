// Runs one SQL query file on a warehouse RUNS times, streaming each result, and prints
// one JSON line: rows, the seconds of each run, peak RSS. Used by tpch.py; never part of
// the test suite.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <arrow/record_batch.h>

#include "peak_rss.h"
#include "sluice/session.h"

namespace {

// Rows of one streamed run, or -1 after printing the error.
int64_t RunOnce(sluice::Session* session, const std::string& sql) {
  auto frame = session->Sql(sql);
  if (!frame.ok()) {
    std::fprintf(stderr, "%s\n", frame.status().ToString().c_str());
    return -1;
  }
  auto reader = frame->Stream();
  if (!reader.ok()) {
    std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
    return -1;
  }
  int64_t rows = 0;
  std::shared_ptr<arrow::RecordBatch> batch;
  while (true) {
    auto status = (*reader)->ReadNext(&batch);
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      return -1;
    }
    if (!batch) return rows;
    rows += batch->num_rows();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: tpch_bench WAREHOUSE QUERY_FILE RUNS\n");
    return 2;
  }
  std::ifstream file(argv[2]);
  std::stringstream text;
  text << file.rdbuf();
  std::string sql = text.str();
  while (!sql.empty() && (sql.back() == '\n' || sql.back() == ';')) sql.pop_back();
  auto session = sluice::Connect(std::string("local:") + argv[1]).ValueOrDie();
  std::string times;
  int64_t rows = 0;
  for (int run = 0; run < std::stoi(argv[3]); ++run) {
    const auto start = std::chrono::steady_clock::now();
    rows = RunOnce(session.get(), sql);
    if (rows < 0) return 1;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    times += (run ? ", " : "") + std::to_string(seconds);
  }
  std::printf("{\"rows\": %lld, \"times_s\": [%s], \"peak_rss_kib\": %ld}\n",
              static_cast<long long>(rows), times.c_str(), sluice::bench::PeakRssKib());
  return 0;
}
