#pragma once

#include <cstdint>
#include <string>

namespace sluice::testing {

// The Spark Connect server the ctest fixture started (tests/spark/spark_server.py): its
// directory comes from SLUICE_SPARK_DIR, its kind ("spark" or "sail") from
// SLUICE_SPARK_KIND.
struct SparkServer {
  static const SparkServer& Get();

  std::string kind;
  std::string dir;
  int port = 0;
  int pid = 0;

  std::string Uri() const { return "sc://127.0.0.1:" + std::to_string(port); }
  bool is_sail() const { return kind == "sail"; }
  // CPU seconds the server process has used (user + system); fails the test if the
  // server is gone.
  double CpuSeconds() const;
  // CPU seconds the server uses during the next `seconds`.
  double CpuOver(double seconds) const;
};

// This process's resident set size, in bytes.
int64_t ResidentBytes();

}  // namespace sluice::testing
