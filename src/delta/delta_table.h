#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/write_checks.h"

namespace sluice::delta {

struct TableState;

struct WriteOptions {
  // Commit only if the application's last transaction version is below txn->version,
  // and record it in the same commit (exactly-once writes).
  std::optional<Txn> txn;
  // Rows per data file before a new file is started.
  int64_t target_file_rows = 4 * 1024 * 1024;
  // The table's invariants (InvariantsOf), compiled. A write into a table with
  // invariants needs one check for each, in order; otherwise it is refused (the delta
  // layer cannot parse SQL: a Session compiles them).
  std::vector<InvariantCheck> invariant_checks;
  // The commitInfo's operation (empty: "WRITE") and parameters added to the usual ones
  // (a streaming write names its query, epoch and input).
  std::string operation;
  nlohmann::json operation_parameters = nlohmann::json::object();
  // Schema evolution, opt-in (Append and Upsert): the table's schema with new nullable
  // columns appended (AddColumnsToDelta). The data is in this schema, and the new
  // metaData is committed with it. A table whose schema changed meanwhile conflicts.
  std::shared_ptr<arrow::Schema> merged_schema;
};

// What a write, delete or optimize did.
struct WriteResult {
  int64_t version = -1;  // the committed version; -1 if nothing was committed
  int64_t rows = 0;      // rows written (for Delete: rows deleted)
  int64_t files = 0;     // data files added
  int64_t files_removed = 0;
  double commit_ms = 0;  // time spent committing (the log write, retries included)
};

struct OptimizeOptions {
  // Files smaller than this are packed together into files of about this size. Unset:
  // the table's delta.targetFileSize, else 128 MiB.
  std::optional<int64_t> target_file_bytes;
};

struct VacuumOptions {
  // Files removed from the table longer ago than this are deleted. Unset: the table's
  // delta.deletedFileRetentionDuration, else 168 hours (7 days).
  std::optional<double> retain_hours;
  // Refuse a retention shorter than the table's: readers of recent versions and
  // writers still committing may need those files.
  bool enforce_retention = true;
  bool dry_run = false;  // list what would be deleted, delete nothing
};

struct VacuumResult {
  std::vector<std::string> deleted;  // paths relative to the table root
};

struct DropResult {
  int64_t files_deleted = 0;           // data files and log files
  std::vector<std::string> untracked;  // files left behind, relative to the table root
};

// What a transaction read, to decide whether commits that won the race to the next
// version conflict with it. A new metadata or protocol always conflicts.
struct ReadScope {
  // Files the transaction read and removes: a concurrent removal of any is a conflict.
  std::set<std::string> removed_paths;
  // The rows the transaction's outcome depends on (over the table's columns; true for
  // all): a concurrent add that changes data and may hold such rows is a conflict.
  // Unset for blind appends, which depend on nothing.
  std::optional<arrow::compute::Expression> predicate;
};

// A Delta Lake table in a local directory. Commits follow the protocol: data files are
// written first, then version N+1 is committed by exclusively creating
// `_delta_log/<N+1>.json` (complete before it becomes visible), so readers see whole
// commits or nothing and concurrent writers (threads or processes) cannot both win. A
// writer that loses the race checks the winners for conflicts with what it read and
// retries at the next version.
//
// The table keeps its state in memory and brings it up to date by reading only the
// commits made since, so committing does not cost more as the table grows. Every
// `delta.checkpointInterval` (default 10) versions, a Parquet checkpoint is written in
// the background; opening a table starts from the newest checkpoint.
// Thread-safe.
class DeltaTable {
 public:
  // Reader/writer protocol Sluice supports: reader version 1, writer version 2 (no table
  // features). Opening a table that needs more is NotImplemented, saying what is missing.
  static constexpr int kReaderVersion = 1;
  static constexpr int kWriterVersion = 2;
  static constexpr int64_t kDefaultCheckpointInterval = 10;

  ~DeltaTable();

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
  // The newest version's schema and metadata, without its list of files (which Latest
  // copies): what a writer needs, at a cost that does not grow with the table.
  struct Header {
    int64_t version = -1;
    Metadata metadata;
    std::shared_ptr<arrow::Schema> schema;
  };
  arrow::Result<Header> LatestHeader();
  // The newest version's txn version of application `app_id` (nullopt: none), from the
  // table's state: reads only the commits since the last call.
  arrow::Result<std::optional<int64_t>> LatestTxnVersion(const std::string& app_id);
  // The table as of `version` (time travel); IOError if that version does not exist or
  // its log was cleaned up.
  arrow::Result<std::shared_ptr<const Snapshot>> AtVersion(int64_t version);
  // The newest version committed at or before `timestamp_ms`.
  arrow::Result<std::shared_ptr<const Snapshot>> AtTimestamp(int64_t timestamp_ms);

  // The commitInfo of every version still in the log, oldest first (commits without one
  // get an empty CommitInfo with the commit file's time).
  arrow::Result<std::vector<std::pair<int64_t, CommitInfo>>> History();

  // Writes the stream's batches as new data files and commits them as one append. The
  // stream's schema must match the table's (names and types, in order); otherwise
  // TypeError before anything is written. Blind appends never conflict; a lost race is
  // retried.
  arrow::Result<WriteResult> Append(arrow::RecordBatchReader* data,
                                    const WriteOptions& options = WriteOptions());
  // Replaces every row with the stream's (INSERT OVERWRITE). Conflicts with any
  // concurrent change of data.
  arrow::Result<WriteResult> Overwrite(arrow::RecordBatchReader* data,
                                       const WriteOptions& options = WriteOptions());
  // Replaces schema, partitioning, configuration and rows at once (CREATE OR REPLACE
  // TABLE); `data` may be null for an empty table.
  arrow::Result<WriteResult> Replace(const std::shared_ptr<arrow::Schema>& schema,
                                     const std::vector<std::string>& partition_columns,
                                     std::map<std::string, std::string> configuration,
                                     arrow::RecordBatchReader* data);
  // Update by key (MERGE ... WHEN MATCHED UPDATE WHEN NOT MATCHED INSERT), in one
  // commit: every row of the table whose `keys` equal those of a row of `data` is
  // replaced by that row; the other rows of `data` are appended. Copy-on-write: files
  // whose statistics exclude every key are untouched, the others are rewritten without
  // the replaced rows. The keys of `data` must be unique and not NULL (Invalid names the
  // first offender). Conflicts with a concurrent removal of a rewritten file and with
  // concurrent appends that may hold one of the keys.
  arrow::Result<WriteResult> Upsert(arrow::RecordBatchReader* data,
                                    const std::vector<std::string>& keys,
                                    const WriteOptions& options);
  // Deletes the rows for which `predicate` (a boolean expression over the table's
  // columns) is true, copy-on-write: files whose partition values or statistics exclude
  // a match are untouched, files that match whole are removed, others are rewritten
  // without the matching rows. Conflicts with a concurrent removal of a file it rewrites
  // and with concurrent appends that may hold matching rows.
  arrow::Result<WriteResult> Delete(const arrow::compute::Expression& predicate);
  // Packs small files of each partition into files near the target size. Changes no
  // data (dataChange = false), so concurrent appends do not conflict with it.
  arrow::Result<WriteResult> Optimize(const OptimizeOptions& options = OptimizeOptions());
  // Deletes data files that no version within the retention period needs.
  arrow::Result<VacuumResult> Vacuum(const VacuumOptions& options = VacuumOptions());
  // Deletes the table at `root`: the data files its log still references (inside the
  // root only), the log, then the directories left empty. Files the log does not know
  // are left in place and listed; the root goes only if nothing is left in it. Not for
  // a table in use.
  static arrow::Result<DropResult> Drop(const std::string& root);

  // Commits `actions` on top of `read_version`: a CommitInfo among them gets the commit
  // time and read version; a lost race is checked against `scope` and retried at the
  // next version. Returns the committed version, or -1 if a Txn among the actions was
  // already applied by another writer. A conflict is Invalid ("commit conflict ...").
  arrow::Result<int64_t> Commit(int64_t read_version, std::vector<Action> actions,
                                const ReadScope& scope);
  // Commits `actions` as exactly `version`; AlreadyExists if that version exists.
  arrow::Status CommitVersion(int64_t version, const std::vector<Action>& actions);
  // Writes the Parquet checkpoint of `version`.
  arrow::Status Checkpoint(int64_t version);

  // What went wrong that did not fail a statement: an unreadable checkpoint skipped on
  // open, a background checkpoint that failed. Also logged as warnings.
  struct Health {
    std::vector<std::string> warnings;  // oldest first, at most the last 16
  };
  Health health() const;

 private:
  explicit DeltaTable(std::string root);

  arrow::Status RefreshLocked();
  // Whether the table already has `txn`'s application at `txn.version` or later.
  bool AppliedLocked(const Txn& txn) const;
  // The state at `version` (-1: the newest), from the newest usable checkpoint and the
  // commits after it.
  arrow::Result<std::unique_ptr<TableState>> LoadState(int64_t version) const;
  // Reads commit `version` of `root` and applies it to `state`.
  static arrow::Status ApplyCommitFile(TableState* state, const std::string& root,
                                       int64_t version);
  std::shared_ptr<const Snapshot> MakeSnapshot(const TableState& state) const;
  // Checks the commits after `read_version` up to `latest` against `scope` and a Txn in
  // `actions`: a conflict is an error; true if the Txn was already applied.
  arrow::Result<bool> CheckWinners(int64_t read_version, int64_t latest,
                                   const std::vector<Action>& actions,
                                   const ReadScope& scope,
                                   const arrow::Schema& schema) const;
  // Rewrites every row (Overwrite and Replace): removes all files of `read_version`.
  arrow::Result<WriteResult> Rewrite(std::optional<Metadata> metadata,
                                     arrow::RecordBatchReader* data,
                                     const WriteOptions& options, std::string operation);
  // Checkpoints `version` in the background, after the one being written if any.
  void ScheduleCheckpoint(int64_t version);
  void Warn(std::string warning) const;
  // Refuses a write into a table that needs unmet writer features, that is append-only
  // (for writes that remove data), or whose invariants `options` does not check.
  arrow::Status CheckWriteLocked(std::string_view operation, bool removes_data,
                                 const WriteOptions* options) const;
  // The metaData that options.merged_schema asks for (nullopt: no change), checked
  // against the table's current schema; `schema` becomes the schema to write.
  arrow::Result<std::optional<Metadata>> MergedMetadataLocked(
      const WriteOptions& options, std::shared_ptr<arrow::Schema>* schema) const;

  const std::string root_;
  std::mutex mutex_;
  std::unique_ptr<TableState> state_;  // the newest version read so far

  mutable std::mutex health_mutex_;
  mutable std::vector<std::string> warnings_;

  std::mutex checkpoint_mutex_;
  std::thread checkpointer_;
  bool checkpointing_ = false;      // whether checkpointer_ is still at work
  int64_t checkpoint_wanted_ = -1;  // the newest version to checkpoint
};

// "<root>/_delta_log/<version, 20 digits>.json"
std::string CommitPath(const std::string& root, int64_t version);

}  // namespace sluice::delta
