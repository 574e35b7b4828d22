#include "delta/delta_table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <arrow/compute/initialize.h>
#include <arrow/type.h>
#include <arrow/util/logging.h>

#include "common/durable_file.h"
#include "delta/checkpoint.h"
#include "delta/data_files.h"
#include "delta/data_writer.h"
#include "delta/delta_schema.h"
#include "delta/log_files.h"
#include "delta/table_state.h"
#include "delta/write_checks.h"

namespace sluice::delta {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxCommitAttempts = 100;

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                   start)
      .count();
}

}  // namespace

std::string CommitPath(const std::string& root, int64_t version) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020lld.json", static_cast<long long>(version));
  return (LogDir(root) / name).string();
}

arrow::Status DeltaTable::ApplyCommitFile(TableState* state, const std::string& root,
                                          int64_t version) {
  const std::string path = CommitPath(root, version);
  ARROW_ASSIGN_OR_RAISE(auto text, ReadTextFile(path));
  ARROW_ASSIGN_OR_RAISE(auto actions, ParseActions(text, path));
  return state->Apply(version, FileTimeMillis(path), std::move(actions), root);
}

DeltaTable::DeltaTable(std::string root) : root_(std::move(root)) {
  // Statistics, deletes and conflict checks run Arrow compute functions, which must be
  // registered even when no query has run in this process.
  (void)arrow::compute::Initialize();
}

DeltaTable::~DeltaTable() {
  // Let a background checkpoint finish: it takes checkpoint_mutex_ to see it is done.
  std::thread checkpointer;
  {
    std::lock_guard<std::mutex> lock(checkpoint_mutex_);
    checkpointer = std::move(checkpointer_);
  }
  if (checkpointer.joinable()) checkpointer.join();
}

bool DeltaTable::Exists(const std::string& root) {
  std::error_code error;
  return fs::exists(CommitPath(root, 0), error) || !ListCommits(root).empty();
}

arrow::Result<std::shared_ptr<DeltaTable>> DeltaTable::Open(const std::string& root) {
  if (!Exists(root)) return arrow::Status::IOError("no Delta table at ", root);
  auto table = std::shared_ptr<DeltaTable>(new DeltaTable(root));
  std::lock_guard<std::mutex> lock(table->mutex_);
  ARROW_RETURN_NOT_OK(table->RefreshLocked());
  return table;
}

namespace {

arrow::Result<Metadata> NewMetadata(const std::shared_ptr<arrow::Schema>& schema,
                                    const std::vector<std::string>& partition_columns,
                                    std::map<std::string, std::string> configuration) {
  for (const auto& column : partition_columns) {
    if (schema->GetFieldIndex(column) < 0) {
      return arrow::Status::Invalid("partition column ", column,
                                    " is not a column of the table");
    }
  }
  if (static_cast<int>(partition_columns.size()) >= schema->num_fields() &&
      schema->num_fields() > 0) {
    return arrow::Status::Invalid(
        "a table needs at least one column that is not a partition column");
  }
  auto interval = configuration.find("delta.checkpointInterval");
  if (interval != configuration.end()) {
    char* end = nullptr;
    const long long value = std::strtoll(interval->second.c_str(), &end, 10);
    if (value < 1 || *end != '\0') {
      return arrow::Status::Invalid(
          "delta.checkpointInterval must be a positive integer, not '", interval->second,
          "'");
    }
  }
  Metadata metadata;
  ARROW_ASSIGN_OR_RAISE(metadata.schema_string, SchemaToDelta(*schema));
  std::mt19937_64 random(std::random_device{}());
  char id[40];
  std::snprintf(id, sizeof(id), "%016llx%016llx",
                static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  metadata.id = id;
  metadata.partition_columns = partition_columns;
  metadata.configuration = std::move(configuration);
  metadata.created_time = NowMillis();
  return metadata;
}

}  // namespace

arrow::Result<std::shared_ptr<DeltaTable>> DeltaTable::Create(
    const std::string& root, const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<std::string>& partition_columns,
    std::map<std::string, std::string> configuration) {
  ARROW_ASSIGN_OR_RAISE(auto metadata,
                        NewMetadata(schema, partition_columns, std::move(configuration)));
  std::error_code error;
  fs::create_directories(LogDir(root), error);
  if (error)
    return arrow::Status::IOError("cannot create ", LogDir(root).string(), ": ",
                                  error.message());
  CommitInfo info;
  info.timestamp = NowMillis();
  info.operation = "CREATE TABLE";
  info.operation_parameters = {{"partitionBy", nlohmann::json(partition_columns).dump()}};
  auto table = std::shared_ptr<DeltaTable>(new DeltaTable(root));
  auto status =
      table->CommitVersion(0, {Action(info), Action(Protocol{}), Action(metadata)});
  if (status.IsAlreadyExists())
    return arrow::Status::AlreadyExists("a Delta table exists at ", root);
  ARROW_RETURN_NOT_OK(status);
  std::lock_guard<std::mutex> lock(table->mutex_);
  ARROW_RETURN_NOT_OK(table->RefreshLocked());
  return table;
}

arrow::Result<std::unique_ptr<TableState>> DeltaTable::LoadState(int64_t version) const {
  auto state = std::make_unique<TableState>();
  // Start from the newest checkpoint at or before `version`: for the newest version the
  // one _last_checkpoint names, unless it is not (yet) there; else list the log. A
  // checkpoint that cannot be read is skipped, with a warning, for an older one or the
  // log from version 0: it only ever speeds reading up.
  std::vector<int64_t> candidates;
  if (version < 0) {
    auto last = LastCheckpointVersion(root_);
    if (last && HasCheckpoint(root_, *last)) candidates.push_back(*last);
  }
  const auto checkpoints = ListCheckpoints(root_);
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    if ((version < 0 || *it <= version) &&
        (candidates.empty() || *it < candidates.front())) {
      candidates.push_back(*it);
    }
  }
  bool started = false;
  for (const int64_t start : candidates) {
    auto actions = ReadCheckpoint(root_, start);
    if (!actions.ok()) {
      Warn("skipped the unreadable checkpoint of version " + std::to_string(start) +
           ": " + actions.status().ToString());
      continue;
    }
    ARROW_RETURN_NOT_OK(state->Apply(start, FileTimeMillis(CommitPath(root_, start)),
                                     std::move(*actions), root_));
    started = true;
    break;
  }
  std::error_code error;
  if (!started && !fs::exists(CommitPath(root_, 0), error)) {
    const auto commits = ListCommits(root_);
    if (version >= 0 && !commits.empty() && version < commits.front()) {
      return arrow::Status::IOError("version ", version, " of Delta table ", root_,
                                    " is no longer in its log (the oldest is ",
                                    commits.front(), ")");
    }
    return arrow::Status::IOError("Delta table ", root_,
                                  " has neither a readable checkpoint nor a log from "
                                  "version 0");
  }
  while ((version < 0 || state->version < version) &&
         fs::exists(CommitPath(root_, state->version + 1), error)) {
    ARROW_RETURN_NOT_OK(ApplyCommitFile(state.get(), root_, state->version + 1));
  }
  if (state->version < 0 || !state->schema) {
    return arrow::Status::IOError("Delta table ", root_, " has no metadata");
  }
  return state;
}

arrow::Status DeltaTable::RefreshLocked() {
  if (!state_) {
    ARROW_ASSIGN_OR_RAISE(state_, LoadState(-1));
    return arrow::Status::OK();
  }
  // Read only what was committed since: probe the next versions one by one.
  std::error_code error;
  while (fs::exists(CommitPath(root_, state_->version + 1), error)) {
    ARROW_RETURN_NOT_OK(ApplyCommitFile(state_.get(), root_, state_->version + 1));
  }
  return arrow::Status::OK();
}

std::shared_ptr<const Snapshot> DeltaTable::MakeSnapshot(const TableState& state) const {
  std::vector<AddFile> files;
  files.reserve(state.files.size());
  for (const auto& [path, add] : state.files) files.push_back(add);
  std::map<std::string, int64_t> txns;
  for (const auto& [app, txn] : state.txns) txns[app] = txn.version;
  return std::make_shared<Snapshot>(root_, state.version, state.timestamp_ms,
                                    state.protocol, state.metadata, state.schema,
                                    std::move(files), std::move(txns));
}

arrow::Result<std::shared_ptr<const Snapshot>> DeltaTable::Latest() {
  std::lock_guard<std::mutex> lock(mutex_);
  ARROW_RETURN_NOT_OK(RefreshLocked());
  return MakeSnapshot(*state_);
}

arrow::Result<DeltaTable::Header> DeltaTable::LatestHeader() {
  std::lock_guard<std::mutex> lock(mutex_);
  ARROW_RETURN_NOT_OK(RefreshLocked());
  return Header{state_->version, state_->metadata, state_->schema};
}

arrow::Result<std::shared_ptr<const Snapshot>> DeltaTable::AtVersion(int64_t version) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    if (version == state_->version) return MakeSnapshot(*state_);
    if (version < 0 || version > state_->version) {
      return arrow::Status::IOError("Delta table ", root_, " has no version ", version,
                                    " (versions 0 to ", state_->version, ")");
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto state, LoadState(version));
  return MakeSnapshot(*state);
}

arrow::Result<std::shared_ptr<const Snapshot>> DeltaTable::AtTimestamp(
    int64_t timestamp_ms) {
  int64_t latest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    latest = state_->version;
  }
  int64_t chosen = -1;
  for (int64_t version : ListCommits(root_)) {
    if (version > latest) break;
    const int64_t ms = FileTimeMillis(CommitPath(root_, version));
    if (ms != 0 && ms <= timestamp_ms) chosen = version;
  }
  if (chosen < 0) {
    return arrow::Status::IOError("Delta table ", root_,
                                  " has no version committed at or before that time");
  }
  return AtVersion(chosen);
}

arrow::Result<std::vector<std::pair<int64_t, CommitInfo>>> DeltaTable::History() {
  int64_t latest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    latest = state_->version;
  }
  std::vector<std::pair<int64_t, CommitInfo>> history;
  for (int64_t version : ListCommits(root_)) {
    if (version > latest) break;
    const std::string path = CommitPath(root_, version);
    ARROW_ASSIGN_OR_RAISE(auto text, ReadTextFile(path));
    ARROW_ASSIGN_OR_RAISE(auto actions, ParseActions(text, path));
    CommitInfo info;
    info.timestamp = FileTimeMillis(path);
    for (auto& action : actions) {
      if (auto* commit = std::get_if<CommitInfo>(&action)) info = std::move(*commit);
    }
    history.emplace_back(version, std::move(info));
  }
  return history;
}

arrow::Status DeltaTable::CommitVersion(int64_t version,
                                        const std::vector<Action>& actions) {
  const std::string target = CommitPath(root_, version);
  const std::string temp = PrivateTempName(target);
  const std::string text = SerializeActions(actions);
  // The commit must be complete when it appears: write a private file, sync it, then
  // link it to the version's name, which fails if that name already exists.
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return arrow::Status::IOError("cannot write ", temp, ": ", std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return arrow::Status::IOError("cannot write ", temp, ": ", std::strerror(saved));
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    ::unlink(temp.c_str());
    return arrow::Status::IOError("cannot sync ", temp);
  }
  const int linked = ::link(temp.c_str(), target.c_str());
  const int saved = errno;
  ::unlink(temp.c_str());
  if (linked != 0) {
    if (saved == EEXIST) {
      return arrow::Status::AlreadyExists("version ", version, " of ", root_,
                                          " was committed by another writer");
    }
    return arrow::Status::IOError("cannot commit ", target, ": ", std::strerror(saved));
  }
  // The commit is visible now, so it succeeded; syncing the directory makes the new
  // name durable, as far as the filesystem allows.
  (void)SyncDirectory(LogDir(root_).string());
  return arrow::Status::OK();
}

arrow::Result<bool> DeltaTable::CheckWinners(int64_t read_version, int64_t latest,
                                             const std::vector<Action>& actions,
                                             const ReadScope& scope,
                                             const arrow::Schema& schema) const {
  const Txn* txn = nullptr;
  for (const auto& action : actions) {
    if (const auto* t = std::get_if<Txn>(&action)) txn = t;
  }
  for (int64_t version = read_version + 1; version <= latest; ++version) {
    bool changed_metadata = false;
    const std::string path = CommitPath(root_, version);
    ARROW_ASSIGN_OR_RAISE(auto text, ReadTextFile(path));
    ARROW_ASSIGN_OR_RAISE(auto winner, ParseActions(text, path));
    std::string operation = "a commit";
    for (const auto& action : winner) {
      if (const auto* info = std::get_if<CommitInfo>(&action))
        operation = info->operation;
      if (std::holds_alternative<Metadata>(action) ||
          std::holds_alternative<Protocol>(action)) {
        changed_metadata = true;
      }
    }
    auto conflict = [&](const std::string& what) {
      return arrow::Status::Invalid("commit conflict on Delta table ", root_,
                                    ": version ", version, " (", operation, ") ", what,
                                    " concurrently; retry the operation");
    };
    if (changed_metadata) return conflict("changed the table's metadata or protocol");
    for (const auto& action : winner) {
      if (const auto* t = std::get_if<Txn>(&action)) {
        if (txn && t->app_id == txn->app_id && t->version >= txn->version) return true;
      }
      if (const auto* remove = std::get_if<RemoveFile>(&action)) {
        if (scope.removed_paths.count(remove->path)) {
          return conflict("removed file " + remove->path + ", which this one read");
        }
      }
      if (const auto* add = std::get_if<AddFile>(&action)) {
        if (!scope.predicate || !add->data_change) continue;
        ARROW_ASSIGN_OR_RAISE(bool may_match,
                              FileMayMatch(*add, schema, *scope.predicate));
        if (may_match) {
          return conflict("added file " + add->path +
                          ", which may hold rows this one depends on,");
        }
      }
    }
  }
  return false;
}

arrow::Result<int64_t> DeltaTable::Commit(int64_t read_version,
                                          std::vector<Action> actions,
                                          const ReadScope& scope) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    for (auto& action : actions) {
      if (auto* info = std::get_if<CommitInfo>(&action)) {
        info->timestamp = NowMillis();
        info->read_version = read_version;
      } else if (auto* txn = std::get_if<Txn>(&action)) {
        txn->last_updated = NowMillis();
      }
    }
    auto status = CommitVersion(read_version + 1, actions);
    if (status.ok()) {
      int64_t interval = kDefaultCheckpointInterval;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ARROW_RETURN_NOT_OK(RefreshLocked());
        auto it = state_->metadata.configuration.find("delta.checkpointInterval");
        if (it != state_->metadata.configuration.end()) {
          interval = std::max<int64_t>(1, std::atoll(it->second.c_str()));
        }
      }
      if ((read_version + 1) % interval == 0) ScheduleCheckpoint(read_version + 1);
      return read_version + 1;
    }
    if (!status.IsAlreadyExists()) return status;
    // Another writer won this version: check what it and any later winners did.
    int64_t latest;
    std::shared_ptr<arrow::Schema> schema;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ARROW_RETURN_NOT_OK(RefreshLocked());
      latest = state_->version;
      schema = state_->schema;
    }
    ARROW_ASSIGN_OR_RAISE(bool applied,
                          CheckWinners(read_version, latest, actions, scope, *schema));
    if (applied) return -1;
    read_version = latest;
    std::this_thread::sleep_for(std::chrono::microseconds(100 * (attempt + 1)));
  }
  return arrow::Status::IOError("could not commit to ", root_, " after ",
                                kMaxCommitAttempts,
                                " attempts: too many concurrent writers");
}

void DeltaTable::ScheduleCheckpoint(int64_t version) {
  std::lock_guard<std::mutex> lock(checkpoint_mutex_);
  checkpoint_wanted_ = std::max(checkpoint_wanted_, version);
  if (checkpointing_) return;  // the running thread takes the newest wanted version next
  if (checkpointer_.joinable()) checkpointer_.join();
  checkpointing_ = true;
  checkpointer_ = std::thread([this] {
    int64_t done = -1;
    while (true) {
      int64_t next;
      {
        std::lock_guard<std::mutex> lock(checkpoint_mutex_);
        if (checkpoint_wanted_ <= done) {
          checkpointing_ = false;
          return;
        }
        next = checkpoint_wanted_;
      }
      // A checkpoint only speeds up reading: if writing it fails, readers use the
      // previous one and the commits after it. The failure is reported, not dropped.
      auto status = Checkpoint(next);
      if (!status.ok()) {
        Warn("checkpoint of version " + std::to_string(next) +
             " failed: " + status.ToString());
      }
      done = next;
    }
  });
}

void DeltaTable::Warn(std::string warning) const {
  ARROW_LOG(WARNING) << "Delta table " << root_ << ": " << warning;
  std::lock_guard<std::mutex> lock(health_mutex_);
  warnings_.push_back(std::move(warning));
  if (warnings_.size() > 16) warnings_.erase(warnings_.begin());
}

DeltaTable::Health DeltaTable::health() const {
  std::lock_guard<std::mutex> lock(health_mutex_);
  return Health{warnings_};
}

arrow::Status DeltaTable::CheckWriteLocked(std::string_view operation, bool removes_data,
                                           const WriteOptions* options) const {
  ARROW_RETURN_NOT_OK(
      CheckWritable(state_->protocol, state_->metadata, root_, operation, removes_data));
  if (options == nullptr) return arrow::Status::OK();
  const auto invariants = InvariantsOf(state_->metadata);
  if (invariants.size() != options->invariant_checks.size()) {
    return arrow::Status::NotImplemented(
        "Delta table ", root_, " has invariants (column ", invariants[0].column, ": ",
        invariants[0].expression,
        ") that this write does not check; write through a "
        "Session, which enforces them");
  }
  return arrow::Status::OK();
}

arrow::Status DeltaTable::Checkpoint(int64_t version) {
  ARROW_ASSIGN_OR_RAISE(auto state, LoadState(version));
  if (state->version != version) {
    return arrow::Status::IOError("Delta table ", root_, " has no version ", version);
  }
  const auto& configuration = state->metadata.configuration;
  const double retention_hours =
      ConfiguredHours(configuration, "delta.deletedFileRetentionDuration", 168);
  const int64_t expired_before =
      NowMillis() - static_cast<int64_t>(retention_hours * 3600 * 1000);
  ARROW_RETURN_NOT_OK(WriteCheckpoint(root_, version, state->ToActions(expired_before)));
  // Log cleanup, as Delta writers do after a checkpoint: commits older than
  // delta.logRetentionDuration (default 30 days) before this checkpoint go.
  auto cleanup = configuration.find("delta.enableExpiredLogCleanup");
  if (cleanup == configuration.end() || cleanup->second != "false") {
    const double log_hours =
        ConfiguredHours(configuration, "delta.logRetentionDuration", 30 * 24);
    DeleteExpiredLogFiles(root_, version,
                          NowMillis() - static_cast<int64_t>(log_hours * 3600 * 1000));
  }
  return arrow::Status::OK();
}

arrow::Result<std::optional<int64_t>> DeltaTable::LatestTxnVersion(
    const std::string& app_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ARROW_RETURN_NOT_OK(RefreshLocked());
  auto it = state_->txns.find(app_id);
  if (it == state_->txns.end()) return std::nullopt;
  return it->second.version;
}

bool DeltaTable::AppliedLocked(const Txn& txn) const {
  auto it = state_->txns.find(txn.app_id);
  return it != state_->txns.end() && it->second.version >= txn.version;
}

arrow::Result<WriteResult> DeltaTable::Append(arrow::RecordBatchReader* data,
                                              const WriteOptions& options) {
  std::shared_ptr<arrow::Schema> schema;
  std::optional<Metadata> merged;
  std::vector<std::string> partition_columns;
  int64_t read_version;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    ARROW_RETURN_NOT_OK(CheckWriteLocked("INSERT", /*removes_data=*/false, &options));
    schema = state_->schema;
    ARROW_ASSIGN_OR_RAISE(merged, MergedMetadataLocked(options, &schema));
    partition_columns = state_->metadata.partition_columns;
    read_version = state_->version;
    if (options.txn && AppliedLocked(*options.txn)) return WriteResult{};
  }
  // Reject a mismatched stream before writing anything.
  ARROW_RETURN_NOT_OK(CheckWriteSchema(*data->schema(), *schema, root_));
  DataWriter writer(root_, schema, partition_columns, options.target_file_rows);
  ARROW_ASSIGN_OR_RAISE(auto added, WriteAll(data, &writer, options.invariant_checks));
  WriteResult result;
  result.rows = writer.rows();
  result.files = static_cast<int64_t>(added.size());

  CommitInfo info;
  info.operation = options.operation.empty() ? "WRITE" : options.operation;
  info.operation_parameters = {{"mode", "Append"},
                               {"partitionBy", nlohmann::json(partition_columns).dump()}};
  info.operation_parameters.update(options.operation_parameters);
  info.operation_metrics = {{"numFiles", std::to_string(result.files)},
                            {"numOutputRows", std::to_string(result.rows)}};
  info.is_blind_append = !options.txn.has_value() && !merged;
  std::vector<Action> actions = {Action(info)};
  if (merged) actions.emplace_back(std::move(*merged));
  if (options.txn) actions.emplace_back(*options.txn);
  for (auto& add : added) actions.emplace_back(std::move(add));
  const auto commit_start = std::chrono::steady_clock::now();
  auto version = Commit(read_version, std::move(actions), ReadScope{});
  result.commit_ms = MillisSince(commit_start);
  if (!version.ok() || *version < 0) writer.Abort();
  ARROW_RETURN_NOT_OK(version);
  if (*version < 0) return WriteResult{};
  result.version = *version;
  return result;
}

arrow::Result<WriteResult> DeltaTable::Overwrite(arrow::RecordBatchReader* data,
                                                 const WriteOptions& options) {
  return Rewrite(std::nullopt, data, options, "Overwrite");
}

arrow::Result<WriteResult> DeltaTable::Replace(
    const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<std::string>& partition_columns,
    std::map<std::string, std::string> configuration, arrow::RecordBatchReader* data) {
  ARROW_ASSIGN_OR_RAISE(auto metadata,
                        NewMetadata(schema, partition_columns, std::move(configuration)));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    metadata.id = state_->metadata.id;  // the same table, replaced
  }
  return Rewrite(std::move(metadata), data, WriteOptions(), "CREATE OR REPLACE TABLE");
}

arrow::Result<WriteResult> DeltaTable::Rewrite(std::optional<Metadata> metadata,
                                               arrow::RecordBatchReader* data,
                                               const WriteOptions& options,
                                               std::string operation) {
  std::shared_ptr<arrow::Schema> schema;
  std::vector<std::string> partition_columns;
  int64_t read_version;
  std::vector<Action> actions;
  ReadScope scope;
  scope.predicate = arrow::compute::literal(true);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    // A replaced table's new schema carries no invariants of the old one.
    ARROW_RETURN_NOT_OK(
        CheckWriteLocked(metadata ? "CREATE OR REPLACE" : "INSERT OVERWRITE",
                         /*removes_data=*/true, metadata ? nullptr : &options));
    read_version = state_->version;
    if (options.txn && AppliedLocked(*options.txn)) return WriteResult{};
    if (metadata) {
      ARROW_ASSIGN_OR_RAISE(schema, SchemaFromDelta(metadata->schema_string));
      partition_columns = metadata->partition_columns;
    } else {
      schema = state_->schema;
      partition_columns = state_->metadata.partition_columns;
    }
    const int64_t now = NowMillis();
    for (const auto& [path, add] : state_->files) {
      RemoveFile remove;
      remove.path = path;
      remove.deletion_timestamp = now;
      remove.partition_values = add.partition_values;
      remove.size = add.size;
      actions.emplace_back(std::move(remove));
      scope.removed_paths.insert(path);
    }
  }
  if (data) ARROW_RETURN_NOT_OK(CheckWriteSchema(*data->schema(), *schema, root_));
  DataWriter writer(root_, schema, partition_columns, options.target_file_rows);
  ARROW_ASSIGN_OR_RAISE(auto added, WriteAll(data, &writer,
                                             metadata ? std::vector<InvariantCheck>()
                                                      : options.invariant_checks));
  WriteResult result;
  result.rows = writer.rows();
  result.files = static_cast<int64_t>(added.size());
  result.files_removed = static_cast<int64_t>(scope.removed_paths.size());

  CommitInfo info;
  info.operation = metadata                    ? operation
                   : options.operation.empty() ? "WRITE"
                                               : options.operation;
  info.operation_parameters = {{"mode", metadata ? "Replace" : operation},
                               {"partitionBy", nlohmann::json(partition_columns).dump()}};
  info.operation_parameters.update(options.operation_parameters);
  info.operation_metrics = {{"numFiles", std::to_string(result.files)},
                            {"numRemovedFiles", std::to_string(result.files_removed)},
                            {"numOutputRows", std::to_string(result.rows)}};
  actions.insert(actions.begin(), Action(info));
  if (metadata) actions.insert(actions.begin() + 1, Action(std::move(*metadata)));
  if (options.txn) actions.emplace_back(*options.txn);
  for (auto& add : added) actions.emplace_back(std::move(add));
  const auto commit_start = std::chrono::steady_clock::now();
  auto version = Commit(read_version, std::move(actions), scope);
  result.commit_ms = MillisSince(commit_start);
  if (!version.ok() || *version < 0) writer.Abort();
  ARROW_RETURN_NOT_OK(version);
  if (*version < 0) return WriteResult{};
  result.version = *version;
  return result;
}

arrow::Result<std::optional<Metadata>> DeltaTable::MergedMetadataLocked(
    const WriteOptions& options, std::shared_ptr<arrow::Schema>* schema) const {
  const auto& wanted = options.merged_schema;
  if (!wanted || wanted->Equals(*state_->schema, /*check_metadata=*/false)) {
    return std::nullopt;
  }
  Metadata metadata = state_->metadata;
  ARROW_ASSIGN_OR_RAISE(
      metadata.schema_string,
      AddColumnsToDelta(metadata.schema_string, *state_->schema, *wanted));
  ARROW_ASSIGN_OR_RAISE(*schema, SchemaFromDelta(metadata.schema_string));
  if (!(*schema)->Equals(*wanted, /*check_metadata=*/false)) {
    return arrow::Status::Invalid("commit conflict on Delta table ", root_,
                                  ": its schema changed while the write was prepared; "
                                  "retry the operation");
  }
  return metadata;
}

}  // namespace sluice::delta
