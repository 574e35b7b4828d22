#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/util/cancel.h>

#include "server/clients.h"

namespace sluice::server {

// The queries sluiced is streaming right now, for GET /v1/queries and for cancellation.
// A query is listed from when its stream is opened until the stream is closed or
// destroyed. A watchdog thread polls each query's `gone` predicate (has the client
// disconnected or cancelled?) every 100 ms and stops the query when it turns true, so a
// query blocked on its own work still ends promptly; once no query has run for half a
// second it returns the allocators' cached memory to the system. Thread-safe.
//
// Limits: at most `max_queries` streams at once (Track refuses more with
// CapacityError), and a query still running after `timeout` is stopped; its reader
// then fails with Cancelled saying so. Zero means no limit.
class QueryRegistry {
 public:
  struct Limits {
    size_t max_queries = 0;
    std::chrono::milliseconds timeout{0};
    // For the services to run each query with (ExecOptions::memory_limit_bytes).
    int64_t query_memory_bytes = 0;
    // For the services: the largest request body (HTTP) or parameter stream (Flight).
    int64_t max_request_bytes = 0;
  };

  struct Info {
    int64_t id = 0;
    std::string sql;
    std::string protocol;  // "flight" or "http"
    std::string peer;
    std::string owner;       // the client's name
    int64_t started_ms = 0;  // since the epoch
    int64_t rows = 0;
    int64_t bytes = 0;
  };

  QueryRegistry() : QueryRegistry(Limits()) {}
  explicit QueryRegistry(Limits limits);
  ~QueryRegistry();

  // Wraps `reader`, whose query stops when `stop` is requested, so that the query is
  // listed while the wrapper is open and what it produces is counted. `gone` may be
  // empty. CapacityError, with `reader` closed, at the query limit.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Track(
      std::shared_ptr<arrow::RecordBatchReader> reader,
      std::shared_ptr<arrow::StopSource> stop, std::string sql, std::string protocol,
      std::string peer, std::string owner, std::function<bool()> gone = {});

  const Limits& limits() const { return limits_; }
  // The queries `client` may see: its own, or every one for an admin.
  std::vector<Info> List(const Client& client) const;
  // Stops a running query `client` may see and unlists it; false if there is none.
  bool Cancel(int64_t id, const Client& client);
  size_t size() const;

 private:
  class TrackedReader;
  struct Entry {
    Info info;
    std::shared_ptr<arrow::StopSource> stop;
    std::function<bool()> gone;
    std::chrono::steady_clock::time_point started;
    std::shared_ptr<std::atomic<bool>> timed_out;
  };
  void Count(int64_t id, int64_t rows, int64_t bytes);
  void Remove(int64_t id);
  void Watch();

  const Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool shutting_down_ = false;
  std::map<int64_t, Entry> running_;
  std::atomic<int64_t> next_id_{1};
  std::thread watchdog_;
};

}  // namespace sluice::server
