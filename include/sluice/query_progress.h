#pragma once

#include <atomic>
#include <cstdint>

namespace sluice {

// How far a running query has read, updated by its scans as they go and readable from
// any thread (a progress line, a server's query list). Pass one in ExecOptions::progress;
// every partition of the query adds to it.
struct QueryProgress {
  // Rows the scans have produced so far.
  std::atomic<int64_t> rows_scanned{0};
  // Bytes of the batches read from files (Parquet, CSV, IPC, Delta data files), decoded.
  std::atomic<int64_t> bytes_scanned{0};
  // Rows the scans will produce in all, when every scanned table knows its size (files,
  // Delta tables, in-memory tables); -1 when unknown. Set when the query starts.
  std::atomic<int64_t> rows_total{-1};
};

}  // namespace sluice
