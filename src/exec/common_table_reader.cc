#include "exec/common_table_reader.h"

namespace sluice::exec {

arrow::Result<std::shared_ptr<arrow::Table>> CommonTableResult::Get() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!result_) {
    result_ = [this]() -> arrow::Result<std::shared_ptr<arrow::Table>> {
      ARROW_ASSIGN_OR_RAISE(auto reader, open_());
      return reader->ToTable();
    }();
    open_ = nullptr;  // the plan and what it holds go now
  }
  return *result_;
}

arrow::Status CommonTableReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  if (!reader_) {
    ARROW_ASSIGN_OR_RAISE(auto rows, result_->Get());
    ARROW_ASSIGN_OR_RAISE(auto selected, rows->SelectColumns(columns_));
    ARROW_ASSIGN_OR_RAISE(table_, selected->RenameColumns(schema_->field_names()));
    reader_ = std::make_unique<arrow::TableBatchReader>(*table_);
    reader_->set_chunksize(batch_rows_);
  }
  return reader_->ReadNext(batch);
}

}  // namespace sluice::exec
