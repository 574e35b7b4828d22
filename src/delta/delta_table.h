#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/actions.h"
#include "delta/snapshot.h"

namespace sluice::delta {

struct WriteOptions {
  // Commit only if the application's last transaction version is below txn->version,
  // and record it in the same commit (exactly-once writes).
  std::optional<Txn> txn;
  // Rows per data file before a new file is started.
  int64_t target_file_rows = 4 * 1024 * 1024;
};

struct WriteResult {
  int64_t version = -1;  // the committed version; -1 if skipped (txn already applied)
  int64_t rows = 0;
  int64_t files = 0;
};

// A Delta Lake table in a local directory. Commits follow the protocol: data files are
// written first, then version N+1 is committed by exclusively creating
// `_delta_log/<N+1>.json` (complete before it becomes visible), so readers see whole
// commits or nothing and concurrent writers (threads or processes) cannot both win.
//
// The table keeps its state in memory and brings it up to date by reading only the
// commits made since, so committing does not cost more as the table grows.
// Thread-safe.
class DeltaTable {
 public:
  // Reader/writer protocol Sluice supports: reader version 1, writer version 2 (no table
  // features). Opening a table that needs more is NotImplemented, saying what is missing.
  static constexpr int kReaderVersion = 1;
  static constexpr int kWriterVersion = 2;

  // Opens an existing table; IOError if `root` holds no Delta table.
  static arrow::Result<std::shared_ptr<DeltaTable>> Open(const std::string& root);
  // Creates an empty table (version 0). AlreadyExists if one is there.
  static arrow::Result<std::shared_ptr<DeltaTable>> Create(
      const std::string& root, const std::shared_ptr<arrow::Schema>& schema,
      const std::vector<std::string>& partition_columns,
      std::map<std::string, std::string> configuration = {});
  static bool Exists(const std::string& root);

  const std::string& root() const { return root_; }

  // The newest version, after reading any commits made since the last call.
  arrow::Result<std::shared_ptr<const Snapshot>> Latest();
  // The table as of `version` (time travel); IOError if that version does not exist.
  arrow::Result<std::shared_ptr<const Snapshot>> AtVersion(int64_t version);
  // The newest version committed at or before `timestamp_ms`.
  arrow::Result<std::shared_ptr<const Snapshot>> AtTimestamp(int64_t timestamp_ms);

  // The commitInfo of every version, oldest first (commits without one get an empty
  // CommitInfo with the commit file's time).
  arrow::Result<std::vector<std::pair<int64_t, CommitInfo>>> History();

  // Writes the stream's batches as new data files and commits them as one append. The
  // stream's schema must match the table's (names and types, in order); otherwise
  // TypeError before anything is written. A lost commit race is retried after checking
  // that the winner did not change the schema or protocol.
  arrow::Result<WriteResult> Append(arrow::RecordBatchReader* data,
                                    const WriteOptions& options = WriteOptions());

  // Commits `actions` as exactly `version`; AlreadyExists if that version exists.
  arrow::Status CommitVersion(int64_t version, const std::vector<Action>& actions);

 private:
  struct State;
  explicit DeltaTable(std::string root);

  arrow::Status RefreshLocked();
  // Reads commit `version` of `root` and applies it to `state`.
  static arrow::Status ApplyCommitFile(State* state, const std::string& root,
                                       int64_t version);
  arrow::Result<std::unique_ptr<State>> ReplayTo(int64_t version) const;
  std::shared_ptr<const Snapshot> MakeSnapshot(const State& state) const;

  const std::string root_;
  std::mutex mutex_;
  std::unique_ptr<State> state_;  // the newest version read so far
};

// "<root>/_delta_log/<version, 20 digits>.json"
std::string CommitPath(const std::string& root, int64_t version);

}  // namespace sluice::delta
