#include "delta/rewrite_files.h"

#include <chrono>

#include <arrow/compute/api.h>

#include "delta/data_files.h"
#include "delta/delta_table.h"

namespace sluice::delta {

namespace cp = arrow::compute;

KeepFn KeepWhere(cp::Expression keep) {
  return [keep = std::move(keep)](const arrow::RecordBatch& batch) {
    return cp::ExecuteScalarExpression(keep, cp::ExecBatch(batch));
  };
}

RemoveFile RemoveOf(const AddFile& add, int64_t now, bool data_change) {
  RemoveFile remove;
  remove.path = add.path;
  remove.deletion_timestamp = now;
  remove.data_change = data_change;
  remove.partition_values = add.partition_values;
  remove.size = add.size;
  return remove;
}

arrow::Result<std::pair<int64_t, int64_t>> CopyKept(
    const std::string& root, const AddFile& add,
    const std::shared_ptr<arrow::Schema>& schema, const KeepFn& keep,
    DataWriter* writer) {
  ARROW_ASSIGN_OR_RAISE(auto reader, ReadDataFile(root, add, schema));
  int64_t total = 0, kept = 0;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader->ReadNext(&batch));
    if (!batch) break;
    total += batch->num_rows();
    ARROW_ASSIGN_OR_RAISE(auto mask, keep(*batch));
    if (mask.is_scalar()) {
      const auto& value = mask.scalar_as<arrow::BooleanScalar>();
      if (!value.is_valid || !value.value) continue;
      kept += batch->num_rows();
      ARROW_RETURN_NOT_OK(writer->Write(batch));
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(auto filtered, cp::Filter(batch, mask));
    auto rows = filtered.record_batch();
    if (rows->num_rows() == 0) continue;
    kept += rows->num_rows();
    ARROW_RETURN_NOT_OK(writer->Write(rows));
  }
  return std::make_pair(total, kept);
}

RewriteFiles::RewriteFiles(std::string root, std::shared_ptr<arrow::Schema> schema,
                           std::vector<std::string> partition_columns)
    : root_(std::move(root)),
      schema_(std::move(schema)),
      partition_columns_(std::move(partition_columns)) {}

DataWriter* RewriteFiles::NewWriter(int64_t file_rows) {
  writers_.push_back(
      std::make_unique<DataWriter>(root_, schema_, partition_columns_, file_rows));
  return writers_.back().get();
}

void RewriteFiles::DropLast() {
  writers_.back()->Abort();
  writers_.pop_back();
}

arrow::Status RewriteFiles::Abort(arrow::Status status) {
  for (auto& writer : writers_) writer->Abort();
  return status;
}

arrow::Result<WriteResult> RewriteFiles::Commit(DeltaTable* table, int64_t read_version,
                                                const CommitInfo& info,
                                                std::vector<Action> actions,
                                                const ReadScope& scope,
                                                WriteResult result) {
  actions.insert(actions.begin(), Action(info));
  const auto start = std::chrono::steady_clock::now();
  auto version = table->Commit(read_version, std::move(actions), scope);
  result.commit_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
          .count();
  if (!version.ok()) return Abort(version.status());
  if (*version < 0) {
    (void)Abort(arrow::Status::OK());
    return WriteResult{};
  }
  result.version = *version;
  return result;
}

}  // namespace sluice::delta
