#include "exec/requested_schema_reader.h"

#include <arrow/compute/cast.h>
#include <arrow/type.h>

namespace sluice::exec {

namespace {

int BitWidthOf(const arrow::DataType& type) {
  return static_cast<const arrow::FixedWidthType&>(type).bit_width();
}

bool IsStringLike(arrow::Type::type id) {
  return id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING ||
         id == arrow::Type::STRING_VIEW;
}

bool IsBinaryLike(arrow::Type::type id) {
  return id == arrow::Type::BINARY || id == arrow::Type::LARGE_BINARY ||
         id == arrow::Type::BINARY_VIEW;
}

}  // namespace

bool IsLosslessCast(const arrow::DataType& from, const arrow::DataType& to) {
  if (from.Equals(to)) return true;
  const auto f = from.id(), t = to.id();
  if (f == arrow::Type::NA) return true;
  if (arrow::is_integer(f) && arrow::is_integer(t)) {
    const bool fs = arrow::is_signed_integer(f), ts = arrow::is_signed_integer(t);
    if (fs == ts) return BitWidthOf(to) >= BitWidthOf(from);
    return !fs && ts && BitWidthOf(to) > BitWidthOf(from);  // unsigned into wider signed
  }
  if (arrow::is_integer(f) && arrow::is_floating(t)) {
    // A double holds every integer of up to 53 bits, a float up to 24.
    return BitWidthOf(from) <= (t == arrow::Type::DOUBLE ? 32 : 16);
  }
  if (arrow::is_floating(f) && arrow::is_floating(t))
    return BitWidthOf(to) >= BitWidthOf(from);
  if (IsStringLike(f) && IsStringLike(t)) return true;
  if (IsBinaryLike(f) && IsBinaryLike(t)) return true;
  if (f == arrow::Type::DATE32 && t == arrow::Type::DATE64) return true;
  return false;
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> RequestedSchemaReader::Make(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::shared_ptr<arrow::Schema> requested) {
  const auto available = input->schema();
  std::vector<int> indices;
  arrow::FieldVector fields;
  for (const auto& field : requested->fields()) {
    const int index = available->GetFieldIndex(field->name());
    if (index < 0) {
      std::string names;
      for (const auto& f : available->fields())
        names += (names.empty() ? "" : ", ") + f->name();
      return arrow::Status::Invalid("requested schema: no column '", field->name(),
                                    "' in the result (columns: ", names, ")");
    }
    const auto& have = available->field(index)->type();
    if (!IsLosslessCast(*have, *field->type())) {
      return arrow::Status::Invalid("requested schema: column '", field->name(), "' is ",
                                    have->ToString(), " and cannot be cast to ",
                                    field->type()->ToString(), " without loss");
    }
    indices.push_back(index);
    fields.push_back(field);
  }
  return std::shared_ptr<arrow::RecordBatchReader>(new RequestedSchemaReader(
      std::move(input), arrow::schema(std::move(fields), requested->metadata()),
      std::move(indices)));
}

RequestedSchemaReader::RequestedSchemaReader(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::shared_ptr<arrow::Schema> schema, std::vector<int> indices)
    : input_(std::move(input)),
      schema_(std::move(schema)),
      indices_(std::move(indices)) {}

arrow::Status RequestedSchemaReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* out) {
  std::shared_ptr<arrow::RecordBatch> batch;
  ARROW_RETURN_NOT_OK(input_->ReadNext(&batch));
  if (!batch) {
    *out = nullptr;
    return arrow::Status::OK();
  }
  arrow::ArrayVector columns;
  for (size_t i = 0; i < indices_.size(); ++i) {
    auto column = batch->column(indices_[i]);
    const auto& type = schema_->field(static_cast<int>(i))->type();
    if (!column->type()->Equals(*type)) {
      ARROW_ASSIGN_OR_RAISE(column, arrow::compute::Cast(*column, type));
    }
    columns.push_back(std::move(column));
  }
  *out = arrow::RecordBatch::Make(schema_, batch->num_rows(), std::move(columns));
  return arrow::Status::OK();
}

}  // namespace sluice::exec
