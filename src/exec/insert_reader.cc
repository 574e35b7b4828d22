#include "exec/insert_reader.h"

#include <arrow/array.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>

namespace sluice::exec {

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> InsertReader::Make(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::shared_ptr<arrow::Schema> target, std::vector<int> sources) {
  const auto& schema = *input->schema();
  for (size_t i = 0; i < sources.size(); ++i) {
    if (sources[i] < 0) continue;
    const auto& from = schema.field(sources[i])->type();
    const auto& to = target->field(static_cast<int>(i))->type();
    if (!from->Equals(*to) && !arrow::compute::CanCast(*from, *to)) {
      return arrow::Status::TypeError(
          "column ", target->field(static_cast<int>(i))->name(), " is ", to->ToString(),
          " and cannot take ", from->ToString());
    }
  }
  return std::shared_ptr<arrow::RecordBatchReader>(
      new InsertReader(std::move(input), std::move(target), std::move(sources)));
}

InsertReader::InsertReader(std::shared_ptr<arrow::RecordBatchReader> input,
                           std::shared_ptr<arrow::Schema> target,
                           std::vector<int> sources)
    : input_(std::move(input)),
      target_(std::move(target)),
      sources_(std::move(sources)) {}

arrow::Status InsertReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* out) {
  std::shared_ptr<arrow::RecordBatch> batch;
  ARROW_RETURN_NOT_OK(input_->ReadNext(&batch));
  if (!batch) {
    *out = nullptr;
    return arrow::Status::OK();
  }
  arrow::ArrayVector columns;
  for (size_t i = 0; i < sources_.size(); ++i) {
    const auto& field = target_->field(static_cast<int>(i));
    std::shared_ptr<arrow::Array> column;
    if (sources_[i] < 0) {
      ARROW_ASSIGN_OR_RAISE(column,
                            arrow::MakeArrayOfNull(field->type(), batch->num_rows()));
    } else {
      column = batch->column(sources_[i]);
      if (!column->type()->Equals(*field->type())) {
        ARROW_ASSIGN_OR_RAISE(column, arrow::compute::Cast(*column, field->type()));
      }
    }
    if (!field->nullable() && column->null_count() > 0) {
      return arrow::Status::Invalid("NULL in column ", field->name(),
                                    ", which is NOT NULL");
    }
    columns.push_back(std::move(column));
  }
  *out = arrow::RecordBatch::Make(target_, batch->num_rows(), std::move(columns));
  return arrow::Status::OK();
}

}  // namespace sluice::exec
