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

#include <arrow/type.h>

#include "delta/data_writer.h"
#include "delta/delta_schema.h"

namespace sluice::delta {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxCommitAttempts = 100;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

fs::path LogDir(const std::string& root) { return fs::path(root) / "_delta_log"; }

// Versions of the commit files in the log, ascending.
std::vector<int64_t> ListCommits(const std::string& root) {
  std::vector<int64_t> versions;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(LogDir(root), error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 25 && name.compare(20, 5, ".json") == 0 &&
        name.find_first_not_of("0123456789") == 20) {
      versions.push_back(std::stoll(name.substr(0, 20)));
    }
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

arrow::Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return arrow::Status::IOError("cannot read ", path.string(), ": ",
                                  std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

arrow::Status CheckProtocol(const Protocol& protocol, const std::string& root) {
  if (protocol.min_reader_version > DeltaTable::kReaderVersion) {
    std::string features;
    for (const auto& feature : protocol.reader_features) features += " " + feature;
    return arrow::Status::NotImplemented(
        "Delta table ", root, " needs reader version ", protocol.min_reader_version,
        features.empty() ? "" : " with features" + features, "; Sluice reads version ",
        DeltaTable::kReaderVersion, " tables");
  }
  return arrow::Status::OK();
}

}  // namespace

std::string CommitPath(const std::string& root, int64_t version) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020lld.json", static_cast<long long>(version));
  return (LogDir(root) / name).string();
}

struct DeltaTable::State {
  int64_t version = -1;
  int64_t timestamp_ms = 0;
  Protocol protocol;
  Metadata metadata;
  std::shared_ptr<arrow::Schema> schema;
  std::map<std::string, AddFile> files;
  std::map<std::string, int64_t> txns;
  int64_t schema_changed_at = 0;  // the last version that set the schema or protocol

  // Applies one commit's actions.
  arrow::Status Apply(int64_t next_version, int64_t commit_time,
                      std::vector<Action> actions, const std::string& root) {
    for (auto& action : actions) {
      if (auto* add = std::get_if<AddFile>(&action)) {
        std::string path = add->path;
        files[std::move(path)] = std::move(*add);
      } else if (auto* remove = std::get_if<RemoveFile>(&action)) {
        files.erase(remove->path);
      } else if (auto* txn = std::get_if<Txn>(&action)) {
        txns[txn->app_id] = txn->version;
      } else if (auto* p = std::get_if<Protocol>(&action)) {
        ARROW_RETURN_NOT_OK(CheckProtocol(*p, root));
        protocol = *p;
        schema_changed_at = next_version;
      } else if (auto* m = std::get_if<Metadata>(&action)) {
        ARROW_ASSIGN_OR_RAISE(schema, SchemaFromDelta(m->schema_string));
        metadata = std::move(*m);
        schema_changed_at = next_version;
      }
    }
    version = next_version;
    timestamp_ms = commit_time;
    return arrow::Status::OK();
  }
};

arrow::Status DeltaTable::ApplyCommitFile(State* state, const std::string& root,
                                          int64_t version) {
  const std::string path = CommitPath(root, version);
  ARROW_ASSIGN_OR_RAISE(auto text, ReadFile(path));
  ARROW_ASSIGN_OR_RAISE(auto actions, ParseActions(text, path));
  std::error_code error;
  const auto mtime = fs::last_write_time(path, error);
  const int64_t commit_time =
      error ? 0
            : std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                  .count();
  return state->Apply(version, commit_time, std::move(actions), root);
}

DeltaTable::DeltaTable(std::string root) : root_(std::move(root)) {}

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

arrow::Result<std::shared_ptr<DeltaTable>> DeltaTable::Create(
    const std::string& root, const std::shared_ptr<arrow::Schema>& schema,
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
  ARROW_ASSIGN_OR_RAISE(auto schema_string, SchemaToDelta(*schema));
  std::error_code error;
  fs::create_directories(LogDir(root), error);
  if (error)
    return arrow::Status::IOError("cannot create ", LogDir(root).string(), ": ",
                                  error.message());
  Metadata metadata;
  std::mt19937_64 random(std::random_device{}());
  char id[40];
  std::snprintf(id, sizeof(id), "%016llx%016llx",
                static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  metadata.id = id;
  metadata.schema_string = std::move(schema_string);
  metadata.partition_columns = partition_columns;
  metadata.configuration = std::move(configuration);
  metadata.created_time = NowMillis();
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

arrow::Status DeltaTable::RefreshLocked() {
  if (!state_) {
    state_ = std::make_unique<State>();
    // The first read: the log must start at version 0 (no checkpoint support yet).
    const auto versions = ListCommits(root_);
    if (versions.empty() || versions.front() != 0) {
      return arrow::Status::NotImplemented(
          "Delta table ", root_,
          " has no complete JSON log from version 0 "
          "(checkpoint-only logs are not supported yet)");
    }
  }
  // Read only what was committed since: probe the next versions one by one.
  std::error_code error;
  while (fs::exists(CommitPath(root_, state_->version + 1), error)) {
    ARROW_RETURN_NOT_OK(ApplyCommitFile(state_.get(), root_, state_->version + 1));
  }
  if (state_->version < 0 || !state_->schema) {
    return arrow::Status::IOError("Delta table ", root_, " has no metadata");
  }
  return arrow::Status::OK();
}

std::shared_ptr<const Snapshot> DeltaTable::MakeSnapshot(const State& state) const {
  std::vector<AddFile> files;
  files.reserve(state.files.size());
  for (const auto& [path, add] : state.files) files.push_back(add);
  return std::make_shared<Snapshot>(root_, state.version, state.timestamp_ms,
                                    state.protocol, state.metadata, state.schema,
                                    std::move(files), state.txns);
}

arrow::Result<std::shared_ptr<const Snapshot>> DeltaTable::Latest() {
  std::lock_guard<std::mutex> lock(mutex_);
  ARROW_RETURN_NOT_OK(RefreshLocked());
  return MakeSnapshot(*state_);
}

arrow::Result<std::unique_ptr<DeltaTable::State>> DeltaTable::ReplayTo(
    int64_t version) const {
  auto state = std::make_unique<State>();
  for (int64_t v = 0; v <= version; ++v) {
    ARROW_RETURN_NOT_OK(ApplyCommitFile(state.get(), root_, v));
  }
  return state;
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
  ARROW_ASSIGN_OR_RAISE(auto state, ReplayTo(version));
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
  for (int64_t v = 0; v <= latest; ++v) {
    std::error_code error;
    const auto mtime = fs::last_write_time(CommitPath(root_, v), error);
    if (error) continue;
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                           .count();
    if (ms <= timestamp_ms) chosen = v;
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
  for (int64_t version = 0; version <= latest; ++version) {
    const std::string path = CommitPath(root_, version);
    ARROW_ASSIGN_OR_RAISE(auto text, ReadFile(path));
    ARROW_ASSIGN_OR_RAISE(auto actions, ParseActions(text, path));
    CommitInfo info;
    std::error_code error;
    const auto mtime = fs::last_write_time(path, error);
    if (!error) {
      info.timestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                           .count();
    }
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
  const std::string temp =
      (LogDir(root_) /
       ("." + fs::path(target).filename().string() + "." + std::to_string(::getpid()) +
        "." + std::to_string(std::random_device{}()) + ".tmp"))
          .string();
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
  const int dir = ::open(LogDir(root_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return arrow::Status::OK();
}

arrow::Result<WriteResult> DeltaTable::Append(arrow::RecordBatchReader* data,
                                              const WriteOptions& options) {
  std::shared_ptr<arrow::Schema> schema;
  std::vector<std::string> partition_columns;
  int64_t read_version;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    schema = state_->schema;
    partition_columns = state_->metadata.partition_columns;
    read_version = state_->version;
    if (options.txn) {
      auto it = state_->txns.find(options.txn->app_id);
      if (it != state_->txns.end() && it->second >= options.txn->version)
        return WriteResult{};
    }
  }
  // Reject a mismatched stream before writing anything.
  const auto& incoming = *data->schema();
  bool matches = incoming.num_fields() == schema->num_fields();
  for (int i = 0; matches && i < schema->num_fields(); ++i) {
    matches = incoming.field(i)->name() == schema->field(i)->name() &&
              incoming.field(i)->type()->Equals(*schema->field(i)->type());
  }
  if (!matches) {
    return arrow::Status::TypeError("data does not match the schema of Delta table ",
                                    root_, ": expected {", schema->ToString(), "}, got {",
                                    incoming.ToString(), "}");
  }

  DataWriter writer(root_, schema, partition_columns, options.target_file_rows);
  auto written = [&]() -> arrow::Result<std::vector<AddFile>> {
    while (true) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(data->ReadNext(&batch));
      if (!batch) break;
      ARROW_RETURN_NOT_OK(writer.Write(batch));
    }
    return writer.Finish();
  }();
  if (!written.ok()) {
    writer.Abort();
    return written.status();
  }
  WriteResult result;
  result.rows = writer.rows();
  result.files = static_cast<int64_t>(written->size());

  CommitInfo info;
  info.operation = "WRITE";
  info.operation_parameters = {{"mode", "Append"},
                               {"partitionBy", nlohmann::json(partition_columns).dump()}};
  info.operation_metrics = {{"numFiles", std::to_string(result.files)},
                            {"numOutputRows", std::to_string(result.rows)}};
  info.is_blind_append = !options.txn.has_value();
  std::vector<Action> actions;
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    info.timestamp = NowMillis();
    info.read_version = read_version;
    actions = {Action(info)};
    if (options.txn) {
      Txn txn = *options.txn;
      txn.last_updated = NowMillis();
      actions.emplace_back(txn);
    }
    for (const auto& add : *written) actions.emplace_back(add);
    auto status = CommitVersion(read_version + 1, actions);
    if (status.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      ARROW_RETURN_NOT_OK(RefreshLocked());
      result.version = read_version + 1;
      return result;
    }
    if (!status.IsAlreadyExists()) {
      writer.Abort();
      return status;
    }
    // Another writer won this version. An append conflicts only with a change of schema
    // or protocol, or with a writer that applied the same transaction.
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    if (state_->schema_changed_at > read_version) {
      writer.Abort();
      return arrow::Status::Invalid(
          "commit conflict on ", root_,
          ": the table's schema or protocol changed concurrently");
    }
    if (options.txn) {
      auto it = state_->txns.find(options.txn->app_id);
      if (it != state_->txns.end() && it->second >= options.txn->version) {
        writer.Abort();
        return WriteResult{};
      }
    }
    read_version = state_->version;
    std::this_thread::sleep_for(std::chrono::microseconds(100 * (attempt + 1)));
  }
  writer.Abort();
  return arrow::Status::IOError("could not commit to ", root_, " after ",
                                kMaxCommitAttempts,
                                " attempts: too many concurrent writers");
}

}  // namespace sluice::delta
