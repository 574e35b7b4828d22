// Commit latency of small appends as a Delta table grows, and the time to open it.
// Prints one JSON line per size: {"files": N, "live_files", "p50_ms", "p99_ms",
// "open_ms", "optimize_ms"}. With OPTIMIZE_EVERY > 0 the table is optimized after every
// that many appends (not timed as a commit; its median time is reported).
// Usage: delta_commit_bench DIR SIZE[,SIZE...] [OPTIMIZE_EVERY]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <arrow/api.h>

#include "delta/delta_table.h"

namespace {

double Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::shared_ptr<arrow::RecordBatchReader> OneRow(int64_t k) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64())});
  arrow::Int64Builder builder;
  (void)builder.Append(k);
  auto batch = arrow::RecordBatch::Make(schema, 1, {builder.Finish().ValueOrDie()});
  return arrow::RecordBatchReader::Make({batch}, schema).ValueOrDie();
}

double Percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(
        stderr,
        "usage: delta_commit_bench DIR SIZES (e.g. 1000,10000) [OPTIMIZE_EVERY]\n");
    return 2;
  }
  const std::string root = argv[1];
  std::vector<int64_t> sizes;
  std::stringstream list(argv[2]);
  for (std::string item; std::getline(list, item, ',');)
    sizes.push_back(std::stoll(item));
  const int64_t optimize_every = argc == 4 ? std::stoll(argv[3]) : 0;
  std::filesystem::remove_all(root);
  auto schema = arrow::schema({arrow::field("k", arrow::int64())});
  auto table = sluice::delta::DeltaTable::Create(root, schema, {}).ValueOrDie();
  int64_t files = 0;
  for (int64_t size : sizes) {
    // Grow to `size` files, timing the last 200 commits (or all, if fewer).
    std::vector<double> latencies, optimizes;
    const int64_t timed_from = std::max(files, size - 200);
    while (files < size) {
      auto reader = OneRow(files);
      const auto start = std::chrono::steady_clock::now();
      auto result = table->Append(reader.get());
      const auto elapsed = std::chrono::steady_clock::now() - start;
      if (!result.ok()) {
        std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
        return 1;
      }
      if (files >= timed_from) latencies.push_back(Millis(elapsed));
      ++files;
      if (optimize_every > 0 && files % optimize_every == 0) {
        const auto optimize_start = std::chrono::steady_clock::now();
        auto optimized = table->Optimize();
        if (!optimized.ok()) {
          std::fprintf(stderr, "%s\n", optimized.status().ToString().c_str());
          return 1;
        }
        optimizes.push_back(Millis(std::chrono::steady_clock::now() - optimize_start));
      }
    }
    const auto start = std::chrono::steady_clock::now();
    auto reopened = sluice::delta::DeltaTable::Open(root).ValueOrDie();
    const auto snapshot = reopened->Latest().ValueOrDie();
    const double open_ms = Millis(std::chrono::steady_clock::now() - start);
    std::printf(
        "{\"files\": %lld, \"version\": %lld, \"live_files\": %zu, \"p50_ms\": %.3f, "
        "\"p99_ms\": %.3f, \"open_ms\": %.1f, \"optimize_ms\": %.1f}\n",
        static_cast<long long>(files), static_cast<long long>(snapshot->version()),
        snapshot->files().size(), Percentile(latencies, 0.5), Percentile(latencies, 0.99),
        open_ms, optimizes.empty() ? 0.0 : Percentile(optimizes, 0.5));
    std::fflush(stdout);
  }
  return 0;
}
