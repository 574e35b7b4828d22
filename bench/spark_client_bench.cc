// Streams one query's result from a Spark Connect server through Sluice's client and
// prints JSON: rows, seconds to the first batch and in all, the CPU seconds this process
// used meanwhile and how much its peak RSS grew over its RSS before connecting.
//
//   spark_client_bench sc://127.0.0.1:15002 "SELECT id FROM range(20000000)"
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <arrow/api.h>

#include "sluice/session.h"

namespace {

// A "VmRSS"/"VmHWM" line of /proc/self/status, in bytes.
int64_t StatusBytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return 0;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: spark_client_bench URI SQL\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const int64_t base_rss = StatusBytes("VmRSS");
  const double base_cpu = CpuSeconds();
  const auto start = Clock::now();
  auto session = sluice::Connect(argv[1]);
  if (!session.ok()) {
    std::fprintf(stderr, "%s\n", session.status().ToString().c_str());
    return 1;
  }
  auto frame = (*session)->Sql(argv[2]);
  if (!frame.ok()) {
    std::fprintf(stderr, "%s\n", frame.status().ToString().c_str());
    return 1;
  }
  auto reader = frame->Stream();
  if (!reader.ok()) {
    std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
    return 1;
  }
  int64_t rows = 0;
  double first_batch_s = -1;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    auto status = (*reader)->ReadNext(&batch);
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      return 1;
    }
    if (!batch) break;
    if (first_batch_s < 0) {
      first_batch_s = std::chrono::duration<double>(Clock::now() - start).count();
    }
    rows += batch->num_rows();
  }
  const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"rows\": %lld, \"first_batch_s\": %.4f, \"total_s\": %.4f, \"cpu_s\": %.4f, "
      "\"growth_bytes\": %lld}\n",
      static_cast<long long>(rows), first_batch_s, total_s, CpuSeconds() - base_cpu,
      static_cast<long long>(StatusBytes("VmHWM") - base_rss));
  return 0;
}
