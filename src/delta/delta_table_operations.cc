// DeltaTable::Delete, Optimize and Vacuum: the operations that rewrite or remove files.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <sstream>

#include <arrow/api.h>
#include <arrow/compute/api.h>

#include "delta/data_files.h"
#include "delta/data_writer.h"
#include "delta/delta_table.h"
#include "delta/log_files.h"
#include "delta/rewrite_files.h"
#include "delta/table_state.h"

namespace sluice::delta {

namespace cp = arrow::compute;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kDefaultTargetFileBytes = 128LL << 20;
constexpr double kDefaultRetentionHours = 168;

std::string PartitionKey(const PartitionValues& values) {
  std::string key;
  for (const auto& [column, value] : values) {
    key += column;
    key += value ? "=" + *value : "=<null>";
    key += '\x1f';
  }
  return key;
}

}  // namespace

arrow::Result<WriteResult> DeltaTable::Delete(const cp::Expression& predicate) {
  ARROW_ASSIGN_OR_RAISE(auto snapshot, Latest());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(CheckWriteLocked("DELETE", /*removes_data=*/true, nullptr));
  }
  const auto& schema = snapshot->schema();
  ARROW_ASSIGN_OR_RAISE(auto bound, predicate.Bind(*schema));
  if (!bound.type()->Equals(arrow::boolean())) {
    return arrow::Status::TypeError("a DELETE condition must be boolean, not ",
                                    bound.type()->ToString());
  }
  // A row stays unless the condition is true for it (NULL keeps the row, as in SQL).
  ARROW_ASSIGN_OR_RAISE(
      auto keep,
      cp::not_(cp::call("coalesce", {predicate, cp::literal(false)})).Bind(*schema));

  WriteResult result;
  ReadScope scope;
  scope.predicate = bound;
  std::vector<Action> actions;
  RewriteFiles files(root_, schema, snapshot->metadata().partition_columns);
  const int64_t now = NowMillis();
  int64_t copied = 0;
  for (const auto& add : snapshot->files()) {
    auto remaining = cp::SimplifyWithGuarantee(bound, FileGuarantee(add, *schema));
    if (!remaining.ok()) return files.Abort(remaining.status());
    if (!remaining->IsSatisfiable()) continue;  // no row of this file can match
    if (remaining->Equals(cp::literal(true))) {
      // Every row matches: remove the file without reading it.
      auto rows = DataFileRows(root_, add);
      if (!rows.ok()) return files.Abort(rows.status());
      result.rows += *rows;
    } else {
      DataWriter* writer = files.NewWriter();
      auto counts = CopyKept(root_, add, schema, KeepWhere(keep), writer);
      arrow::Result<std::vector<AddFile>> added =
          counts.ok() ? writer->Finish() : counts.status();
      if (!added.ok()) return files.Abort(added.status());
      const auto [total, kept] = *counts;
      if (kept == total) {  // nothing matched after all: leave the file as it is
        files.DropLast();
        continue;
      }
      result.rows += total - kept;
      copied += kept;
      result.files += static_cast<int64_t>(added->size());
      for (auto& file : *added) actions.emplace_back(std::move(file));
    }
    actions.emplace_back(RemoveOf(add, now, /*data_change=*/true));
    scope.removed_paths.insert(add.path);
  }
  result.files_removed = static_cast<int64_t>(scope.removed_paths.size());
  if (scope.removed_paths.empty()) return result;  // nothing to delete: no commit

  CommitInfo info;
  info.operation = "DELETE";
  info.operation_parameters = {
      {"predicate", nlohmann::json({predicate.ToString()}).dump()}};
  info.operation_metrics = {{"numRemovedFiles", std::to_string(result.files_removed)},
                            {"numAddedFiles", std::to_string(result.files)},
                            {"numDeletedRows", std::to_string(result.rows)},
                            {"numCopiedRows", std::to_string(copied)}};
  return files.Commit(this, snapshot->version(), info, std::move(actions), scope, result);
}

arrow::Result<WriteResult> DeltaTable::Optimize(const OptimizeOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto snapshot, Latest());
  {
    // Rearranging rows removes none: allowed on append-only tables.
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(CheckWriteLocked("OPTIMIZE", /*removes_data=*/false, nullptr));
  }
  const auto& schema = snapshot->schema();
  const auto& configuration = snapshot->metadata().configuration;
  int64_t target = kDefaultTargetFileBytes;
  if (options.target_file_bytes) {
    target = *options.target_file_bytes;
  } else if (auto it = configuration.find("delta.targetFileSize");
             it != configuration.end()) {
    target = std::max<int64_t>(1, std::atoll(it->second.c_str()));
  }
  // Bins of small files within one partition, filled up to the target size.
  std::map<std::string, std::vector<const AddFile*>> small;
  for (const auto& add : snapshot->files()) {
    if (add.size < target) small[PartitionKey(add.partition_values)].push_back(&add);
  }
  std::vector<std::vector<const AddFile*>> bins;
  for (auto& [partition, files] : small) {
    std::sort(files.begin(), files.end(),
              [](const AddFile* a, const AddFile* b) { return a->size < b->size; });
    std::vector<const AddFile*> bin;
    int64_t bytes = 0;
    for (const AddFile* file : files) {
      if (!bin.empty() && bytes + file->size > target) {
        bins.push_back(std::move(bin));
        bin.clear();
        bytes = 0;
      }
      bin.push_back(file);
      bytes += file->size;
    }
    bins.push_back(std::move(bin));
  }

  WriteResult result;
  ReadScope scope;  // concurrent appends do not conflict; removing a packed file does
  std::vector<Action> actions;
  RewriteFiles files(root_, schema, snapshot->metadata().partition_columns);
  const int64_t now = NowMillis();
  for (const auto& bin : bins) {
    if (bin.size() < 2) continue;
    DataWriter* writer = files.NewWriter();
    for (const AddFile* file : bin) {
      auto copied = CopyKept(root_, *file, schema, KeepWhere(cp::literal(true)), writer);
      if (!copied.ok()) return files.Abort(copied.status());
      actions.emplace_back(RemoveOf(*file, now, /*data_change=*/false));
      scope.removed_paths.insert(file->path);
    }
    auto added = writer->Finish();
    if (!added.ok()) return files.Abort(added.status());
    for (auto& add : *added) {
      add.data_change = false;
      actions.emplace_back(std::move(add));
      ++result.files;
    }
    result.rows += writer->rows();
  }
  result.files_removed = static_cast<int64_t>(scope.removed_paths.size());
  if (actions.empty()) return result;  // already compact: no commit

  CommitInfo info;
  info.operation = "OPTIMIZE";
  info.operation_parameters = {{"predicate", "[]"},
                               {"targetSize", std::to_string(target)}};
  info.operation_metrics = {{"numRemovedFiles", std::to_string(result.files_removed)},
                            {"numAddedFiles", std::to_string(result.files)}};
  return files.Commit(this, snapshot->version(), info, std::move(actions), scope, result);
}

arrow::Result<DropResult> DeltaTable::Drop(const std::string& root) {
  const fs::path base = fs::path(root).lexically_normal();
  std::set<fs::path> referenced;
  auto reference = [&](const std::string& path) {
    // Only what lies inside the table: a log may name any absolute path.
    const fs::path file = fs::path(DataFilePath(root, path)).lexically_normal();
    auto relative = file.lexically_relative(base);
    if (!relative.empty() && *relative.begin() != ".." && relative.is_relative()) {
      referenced.insert(file);
    }
  };
  ARROW_ASSIGN_OR_RAISE(auto table, Open(root));
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table->Latest());
  for (const auto& add : snapshot->files()) reference(add.path);
  for (int64_t version : ListCommits(root)) {
    const std::string path = CommitPath(root, version);
    ARROW_ASSIGN_OR_RAISE(auto text, ReadTextFile(path));
    ARROW_ASSIGN_OR_RAISE(auto actions, ParseActions(text, path));
    for (const auto& action : actions) {
      if (const auto* add = std::get_if<AddFile>(&action)) reference(add->path);
      if (const auto* remove = std::get_if<RemoveFile>(&action)) reference(remove->path);
    }
  }
  DropResult result;
  std::error_code error;
  for (const auto& file : referenced) {
    if (fs::is_regular_file(fs::symlink_status(file, error)) && fs::remove(file, error)) {
      ++result.files_deleted;
    }
  }
  for (const auto& entry : fs::directory_iterator(LogDir(root), error)) {
    if (!entry.is_directory() && fs::remove(entry.path(), error)) ++result.files_deleted;
  }
  fs::remove(LogDir(root), error);
  // What is left, deepest first: empty directories go, anything else is reported.
  std::vector<fs::path> left;
  for (auto it = fs::recursive_directory_iterator(root, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    left.push_back(it->path());
  }
  std::sort(left.rbegin(), left.rend());
  for (const auto& path : left) {
    if (fs::is_directory(fs::symlink_status(path, error)) && fs::is_empty(path, error)) {
      fs::remove(path, error);
    } else if (!fs::is_directory(fs::symlink_status(path, error))) {
      result.untracked.push_back(path.lexically_relative(base).string());
    }
  }
  std::sort(result.untracked.begin(), result.untracked.end());
  if (result.untracked.empty()) fs::remove(root, error);
  return result;
}

arrow::Result<VacuumResult> DeltaTable::Vacuum(const VacuumOptions& options) {
  std::set<std::string> needed;
  double table_hours;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(RefreshLocked());
    ARROW_RETURN_NOT_OK(CheckWriteLocked("VACUUM", /*removes_data=*/false, nullptr));
    table_hours =
        ConfiguredHours(state_->metadata.configuration,
                        "delta.deletedFileRetentionDuration", kDefaultRetentionHours);
    const double hours = options.retain_hours.value_or(table_hours);
    if (hours < 0)
      return arrow::Status::Invalid("VACUUM: retention must not be negative");
    if (options.enforce_retention && hours < table_hours) {
      std::ostringstream message;
      message << "VACUUM RETAIN " << hours
              << " HOURS is shorter than the table's retention of " << table_hours;
      return arrow::Status::Invalid(
          message.str(),
          " hours: readers of recent versions and writers still committing may need the "
          "files it would delete. Lower the table's delta.deletedFileRetentionDuration "
          "to allow it");
    }
    const int64_t cutoff = NowMillis() - static_cast<int64_t>(hours * 3600 * 1000);
    for (const auto& [path, add] : state_->files) {
      needed.insert(fs::path(DataFilePath(root_, path)).lexically_normal().string());
    }
    for (const auto& [path, remove] : state_->tombstones) {
      if (remove.deletion_timestamp >= cutoff) {
        needed.insert(fs::path(DataFilePath(root_, path)).lexically_normal().string());
      }
    }
  }
  const double hours = options.retain_hours.value_or(table_hours);
  const auto cutoff =
      std::chrono::file_clock::now() -
      std::chrono::milliseconds(static_cast<int64_t>(hours * 3600 * 1000));
  VacuumResult result;
  std::vector<fs::path> directories;
  std::error_code error;
  const fs::path root = fs::path(root_).lexically_normal();
  for (auto it = fs::recursive_directory_iterator(root, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    // The log and hidden files (writers' temporaries, checksums) are not data.
    if (!name.empty() && (name[0] == '_' || name[0] == '.')) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) {
      directories.push_back(it->path());
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string path = it->path().lexically_normal().string();
    if (needed.count(path)) continue;
    if (fs::last_write_time(it->path(), error) > cutoff) continue;  // may be in flight
    result.deleted.push_back(it->path().lexically_relative(root).string());
  }
  if (error) {
    return arrow::Status::IOError("VACUUM cannot list ", root_, ": ", error.message());
  }
  std::sort(result.deleted.begin(), result.deleted.end());
  if (options.dry_run) return result;
  for (const auto& relative : result.deleted) {
    fs::remove(root / relative, error);
    if (error) {
      return arrow::Status::IOError("VACUUM cannot delete ", (root / relative).string(),
                                    ": ", error.message());
    }
  }
  // Partition directories left empty, deepest first.
  std::sort(directories.begin(), directories.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() > b.string(); });
  for (const auto& directory : directories) {
    if (fs::is_empty(directory, error)) fs::remove(directory, error);
  }
  return result;
}

}  // namespace sluice::delta
