#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <arrow/table.h>

namespace sluice {
class Session;
}  // namespace sluice

namespace sluice::testing {

// Resident set size now and at its peak, from /proc/self/status, in bytes.
int64_t CurrentRssBytes();
int64_t PeakRssBytes();
// Resets the kernel's peak-RSS counter to the current RSS.
void ResetPeakRss();
// Threads of this process.
int ThreadCount();
// CPU time this process has used, in seconds.
double ProcessCpuSeconds();
// Sleeps `millis` and returns the CPU seconds the process used meanwhile: near zero
// when nothing of a stopped or paused query is still running.
double CpuSecondsWhileSleeping(int millis);

// Milliseconds since `start`.
inline double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                   start)
      .count();
}

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// (id BIGINT, s VARCHAR) with ids [0, rows) and s = decimal text of id.
std::shared_ptr<arrow::Table> MakeIdTable(int64_t rows, int64_t chunk_rows = 65536);

// Runs `sql` to the end and returns the rows its scans read (skipped files, row groups
// and pages are never read).
int64_t RowsScanned(Session& session, const std::string& sql);

}  // namespace sluice::testing
