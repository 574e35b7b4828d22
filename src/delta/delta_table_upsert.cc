// DeltaTable::Upsert: replace rows by key and append the rest, copy-on-write, one commit.
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/compute/row/grouper.h>

#include "delta/data_files.h"
#include "delta/delta_table.h"
#include "delta/rewrite_files.h"

namespace sluice::delta {

namespace cp = arrow::compute;

namespace {

// The keys of the rows an upsert writes: which table rows they replace, and the range
// of each key column (to skip files, and as the read scope concurrent appends are
// checked against).
class UpsertKeys {
 public:
  static arrow::Result<std::unique_ptr<UpsertKeys>> Make(
      const arrow::Table& rows, const std::vector<std::string>& keys) {
    auto out = std::unique_ptr<UpsertKeys>(new UpsertKeys());
    std::vector<arrow::TypeHolder> types;
    for (const auto& key : keys) {
      const int index = rows.schema()->GetFieldIndex(key);
      if (index < 0) {
        return arrow::Status::KeyError("update key column ", key,
                                       " is not a column of the table");
      }
      out->indices_.push_back(index);
      types.emplace_back(rows.schema()->field(index)->type());
    }
    ARROW_ASSIGN_OR_RAISE(out->grouper_, cp::Grouper::Make(types));
    ARROW_RETURN_NOT_OK(out->AddRows(rows, keys));
    return out;
  }

  // The rows of `batch` (in the table's schema) whose key is not among the keys: a
  // boolean array.
  arrow::Result<arrow::Datum> Unmatched(const arrow::RecordBatch& batch) {
    ARROW_ASSIGN_OR_RAISE(auto ids, grouper_->Lookup(cp::ExecSpan(KeysOf(batch))));
    return cp::IsNull(ids);
  }

  // Each key column between the smallest and the largest key written.
  const cp::Expression& range() const { return range_; }

 private:
  UpsertKeys() = default;

  cp::ExecBatch KeysOf(const arrow::RecordBatch& batch) const {
    std::vector<arrow::Datum> values;
    for (int index : indices_) values.emplace_back(batch.column(index));
    return cp::ExecBatch(std::move(values), batch.num_rows());
  }

  arrow::Status AddRows(const arrow::Table& rows, const std::vector<std::string>& keys) {
    std::vector<cp::Expression> bounds;
    for (size_t k = 0; k < keys.size(); ++k) {
      const auto& column = rows.column(indices_[k]);
      if (column->null_count() > 0) {
        return arrow::Status::Invalid("update key column ", keys[k],
                                      " is NULL in a row written; keys must not be NULL");
      }
      if (rows.num_rows() == 0) continue;
      auto min_max = cp::MinMax(column);
      if (!min_max.ok()) continue;  // an unordered type: no range, every file is read
      const auto& pair = min_max->scalar_as<arrow::StructScalar>();
      bounds.push_back(
          cp::greater_equal(cp::field_ref(keys[k]), cp::literal(pair.value[0])));
      bounds.push_back(
          cp::less_equal(cp::field_ref(keys[k]), cp::literal(pair.value[1])));
    }
    range_ = rows.num_rows() == 0 ? cp::literal(false)
             : bounds.empty()     ? cp::literal(true)
                                  : cp::and_(bounds);
    arrow::TableBatchReader reader(rows);
    int64_t seen = 0;
    while (true) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(reader.ReadNext(&batch));
      if (!batch) break;
      ARROW_RETURN_NOT_OK(grouper_->Populate(cp::ExecSpan(KeysOf(*batch))));
      seen += batch->num_rows();
      if (grouper_->num_groups() < seen) return DuplicateError(rows, keys);
    }
    return arrow::Status::OK();
  }

  // Names the first key that appears twice.
  arrow::Status DuplicateError(const arrow::Table& rows,
                               const std::vector<std::string>& keys) const {
    ARROW_ASSIGN_OR_RAISE(auto grouper, cp::Grouper::Make([&] {
                            std::vector<arrow::TypeHolder> types;
                            for (int index : indices_)
                              types.emplace_back(rows.schema()->field(index)->type());
                            return types;
                          }()));
    ARROW_ASSIGN_OR_RAISE(auto batch, rows.CombineChunksToBatch());
    ARROW_ASSIGN_OR_RAISE(auto ids, grouper->Consume(cp::ExecSpan(KeysOf(*batch))));
    const auto group_ids = ids.make_array();  // kept alive: id_array refers into it
    const auto& id_array = static_cast<const arrow::UInt32Array&>(*group_ids);
    std::vector<bool> seen(grouper->num_groups(), false);
    for (int64_t row = 0; row < id_array.length(); ++row) {
      if (!seen[id_array.Value(row)]) {
        seen[id_array.Value(row)] = true;
        continue;
      }
      std::string shown;
      for (size_t k = 0; k < keys.size(); ++k) {
        auto value = batch->column(indices_[k])->GetScalar(row);
        shown += (k ? ", " : "") + keys[k] + " = " +
                 (value.ok() ? (*value)->ToString() : std::string("?"));
      }
      return arrow::Status::Invalid(
          "update keys must be unique among the rows written: (", shown,
          ") appears more than once");
    }
    return arrow::Status::Invalid("update keys must be unique among the rows written");
  }

  std::vector<int> indices_;
  std::unique_ptr<cp::Grouper> grouper_;
  cp::Expression range_;
};

}  // namespace

arrow::Result<WriteResult> DeltaTable::Upsert(arrow::RecordBatchReader* data,
                                              const std::vector<std::string>& keys,
                                              const WriteOptions& options) {
  if (keys.empty()) return arrow::Status::Invalid("an upsert needs key columns");
  ARROW_ASSIGN_OR_RAISE(auto snapshot, Latest());
  std::shared_ptr<arrow::Schema> schema = snapshot->schema();
  std::optional<Metadata> merged;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(CheckWriteLocked("an update", /*removes_data=*/true, &options));
    if (options.txn && AppliedLocked(*options.txn)) return WriteResult{};
    ARROW_ASSIGN_OR_RAISE(merged, MergedMetadataLocked(options, &schema));
  }
  ARROW_RETURN_NOT_OK(CheckWriteSchema(*data->schema(), *schema, root_));
  ARROW_ASSIGN_OR_RAISE(auto rows, arrow::Table::FromRecordBatchReader(data));
  ARROW_ASSIGN_OR_RAISE(auto upsert_keys, UpsertKeys::Make(*rows, keys));
  ARROW_ASSIGN_OR_RAISE(auto range, upsert_keys->range().Bind(*schema));

  WriteResult result;
  ReadScope scope;
  scope.predicate = range;
  std::vector<Action> actions;
  const auto& partition_columns = snapshot->metadata().partition_columns;
  RewriteFiles files(root_, schema, partition_columns);
  const int64_t now = NowMillis();
  int64_t replaced = 0, copied = 0;
  KeepFn unmatched = [&](const arrow::RecordBatch& batch) {
    return upsert_keys->Unmatched(batch);
  };
  for (const auto& add : snapshot->files()) {
    auto may_match = FileMayMatch(add, *schema, range);
    if (!may_match.ok()) return files.Abort(may_match.status());
    if (!*may_match) continue;
    DataWriter* writer = files.NewWriter();
    auto counts = CopyKept(root_, add, schema, unmatched, writer);
    arrow::Result<std::vector<AddFile>> added =
        counts.ok() ? writer->Finish() : counts.status();
    if (!added.ok()) return files.Abort(added.status());
    const auto [total, kept] = *counts;
    if (kept == total) {  // no key of this file is written: leave it as it is
      files.DropLast();
      continue;
    }
    replaced += total - kept;
    copied += kept;
    for (auto& file : *added) actions.emplace_back(std::move(file));
    actions.emplace_back(RemoveOf(add, now, /*data_change=*/true));
    scope.removed_paths.insert(add.path);
  }
  arrow::TableBatchReader reader(*rows);
  auto written = WriteAll(&reader, files.NewWriter(options.target_file_rows),
                          options.invariant_checks);
  if (!written.ok()) return files.Abort(written.status());
  result.rows = rows->num_rows();
  result.files = static_cast<int64_t>(written->size());
  for (auto& file : *written) actions.emplace_back(std::move(file));
  result.files_removed = static_cast<int64_t>(scope.removed_paths.size());
  if (actions.empty() && !options.txn && !merged) return result;  // nothing to commit

  CommitInfo info;
  info.operation = options.operation.empty() ? "MERGE" : options.operation;
  info.operation_parameters = {{"mode", "Upsert"}, {"keys", nlohmann::json(keys).dump()}};
  info.operation_parameters.update(options.operation_parameters);
  info.operation_metrics = {
      {"numTargetRowsUpdated", std::to_string(replaced)},
      {"numTargetRowsInserted", std::to_string(result.rows - replaced)},
      {"numTargetRowsCopied", std::to_string(copied)},
      {"numTargetFilesRemoved", std::to_string(result.files_removed)},
      {"numTargetFilesAdded", std::to_string(actions.size() - result.files_removed)}};
  if (merged) actions.insert(actions.begin(), Action(std::move(*merged)));
  if (options.txn) actions.emplace_back(*options.txn);
  return files.Commit(this, snapshot->version(), info, std::move(actions), scope, result);
}

}  // namespace sluice::delta
