#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "sluice/session.h"
#include "sluice/streaming_write.h"

namespace sluice {

// The options of `CREATE STREAMING WRITE ... KEY (keys) WITH (properties)`: trigger
// ('available now', 'once', '<n> milliseconds|seconds|minutes', 'continuous'),
// output_mode (append, complete, update), max_files_per_epoch, min_bytes_per_epoch,
// max_delay (an interval), merge_schema, compact_every. Invalid names the option; unknown
// options are refused. The checkpoint location is not an option: SQL may come from
// clients that must not choose paths.
arrow::Result<StreamingWriteOptions> StreamingWriteOptionsFromSql(
    const std::string& name, const std::vector<std::string>& keys,
    const std::map<std::string, std::string>& properties);

// The streaming writes a session's SQL started, by name, for STOP, AWAIT and SHOW.
// Thread-safe. Destroying it stops them.
class StreamingWrites {
 public:
  // Invalid if a streaming write of this name is still running.
  arrow::Status CheckFree(const std::string& name) const;
  void Add(const std::string& name, const std::string& table,
           std::unique_ptr<StreamingQuery> query);
  arrow::Result<ExecResult> Stop(const std::string& name);
  // Waits until the write ends (at most `timeout_seconds`); its error if it failed.
  arrow::Result<ExecResult> Await(const std::string& name,
                                  std::optional<double> timeout_seconds);
  // One line per write: name, table, state, last committed epoch, error.
  ExecResult Show() const;
  void StopAll();

 private:
  struct Entry {
    std::string table;
    std::shared_ptr<StreamingQuery> query;
  };
  arrow::Result<std::shared_ptr<StreamingQuery>> Find(const std::string& name) const;

  mutable std::mutex mutex_;
  std::map<std::string, Entry> writes_;
};

}  // namespace sluice
