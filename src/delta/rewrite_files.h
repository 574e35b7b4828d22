#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/datum.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/actions.h"
#include "delta/data_writer.h"

namespace sluice::delta {

class DeltaTable;
struct ReadScope;
struct WriteResult;

// Which rows of a batch a copy keeps: a boolean array (NULL drops the row) or scalar.
using KeepFn = std::function<arrow::Result<arrow::Datum>(const arrow::RecordBatch&)>;

// Keeps the rows for which `keep` (bound to the table's schema) is true.
KeepFn KeepWhere(arrow::compute::Expression keep);

// The remove action that retires `add` at time `now`.
RemoveFile RemoveOf(const AddFile& add, int64_t now, bool data_change);

// Copies the rows of `add` that `keep` keeps through `writer`; returns how many rows the
// file had and how many were kept.
arrow::Result<std::pair<int64_t, int64_t>> CopyKept(
    const std::string& root, const AddFile& add,
    const std::shared_ptr<arrow::Schema>& schema, const KeepFn& keep, DataWriter* writer);

// The data files one rewrite (DELETE, OPTIMIZE, an upsert) writes: deleted again unless
// the rewrite commits.
class RewriteFiles {
 public:
  RewriteFiles(std::string root, std::shared_ptr<arrow::Schema> schema,
               std::vector<std::string> partition_columns);

  // A writer for new files, each of at most `file_rows` rows.
  DataWriter* NewWriter(int64_t file_rows = INT64_MAX);
  // Deletes what the newest writer wrote.
  void DropLast();
  // Deletes everything and passes `status` on.
  arrow::Status Abort(arrow::Status status);
  // Commits `info` before `actions` on top of `read_version`; nothing stays behind if
  // that fails or a txn among `actions` was applied already (version -1).
  arrow::Result<WriteResult> Commit(DeltaTable* table, int64_t read_version,
                                    const CommitInfo& info, std::vector<Action> actions,
                                    const ReadScope& scope, WriteResult result);

 private:
  std::string root_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<std::string> partition_columns_;
  std::vector<std::unique_ptr<DataWriter>> writers_;
};

}  // namespace sluice::delta
