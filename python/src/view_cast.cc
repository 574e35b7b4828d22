#include "view_cast.h"

#include <arrow/compute/cast.h>
#include <arrow/datum.h>

#include "status.h"

namespace sluice::python {

namespace {

std::shared_ptr<arrow::DataType> Classic(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRING_VIEW:
      return arrow::utf8();
    case arrow::Type::BINARY_VIEW:
      return arrow::binary();
    default:
      return type;
  }
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> Cast(
    const std::shared_ptr<arrow::RecordBatch>& batch,
    const std::shared_ptr<arrow::Schema>& schema) {
  arrow::ArrayVector columns;
  for (int i = 0; i < batch->num_columns(); ++i) {
    auto column = batch->column(i);
    const auto& target = schema->field(i)->type();
    if (!column->type()->Equals(*target)) {
      ARROW_ASSIGN_OR_RAISE(column, arrow::compute::Cast(*column, target));
    }
    columns.push_back(std::move(column));
  }
  return arrow::RecordBatch::Make(schema, batch->num_rows(), std::move(columns));
}

class ViewCastReader : public arrow::RecordBatchReader {
 public:
  explicit ViewCastReader(std::shared_ptr<arrow::RecordBatchReader> input)
      : input_(std::move(input)), schema_(WithoutViews(input_->schema())) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    ARROW_RETURN_NOT_OK(input_->ReadNext(batch));
    if (!*batch) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(*batch, Cast(*batch, schema_));
    return arrow::Status::OK();
  }
  arrow::Status Close() override { return input_->Close(); }

 private:
  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

std::shared_ptr<arrow::Schema> WithoutViews(
    const std::shared_ptr<arrow::Schema>& schema) {
  arrow::FieldVector fields;
  for (const auto& field : schema->fields()) {
    fields.push_back(field->WithType(Classic(field->type())));
  }
  return arrow::schema(std::move(fields), schema->metadata());
}

std::shared_ptr<arrow::RecordBatch> CastViews(std::shared_ptr<arrow::RecordBatch> batch) {
  auto schema = WithoutViews(batch->schema());
  if (schema->Equals(*batch->schema())) return batch;
  return Value(Cast(batch, schema));
}

std::shared_ptr<arrow::RecordBatchReader> CastViews(
    std::shared_ptr<arrow::RecordBatchReader> reader) {
  if (WithoutViews(reader->schema())->Equals(*reader->schema())) return reader;
  return std::make_shared<ViewCastReader>(std::move(reader));
}

}  // namespace sluice::python
