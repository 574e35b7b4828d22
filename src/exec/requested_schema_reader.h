#pragma once

#include <memory>
#include <vector>

#include <arrow/record_batch.h>

namespace sluice::exec {

// Adapts a stream to a schema the consumer asked for (the Arrow PyCapsule
// `requested_schema`): columns are selected and reordered by name and widened by lossless
// casts. Untouched columns pass through without a copy.
class RequestedSchemaReader : public arrow::RecordBatchReader {
 public:
  // Checks `requested` against `input`'s schema before anything is read: every requested
  // field must name an input column, and each type change must be lossless (integer and
  // float widening, string and binary offset widths). Otherwise Invalid, naming the
  // field.
  static arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Make(
      std::shared_ptr<arrow::RecordBatchReader> input,
      std::shared_ptr<arrow::Schema> requested);

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override { return input_->Close(); }

 private:
  RequestedSchemaReader(std::shared_ptr<arrow::RecordBatchReader> input,
                        std::shared_ptr<arrow::Schema> schema, std::vector<int> indices);

  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<int> indices_;
};

// True if every value of `from` is exactly representable in `to`.
bool IsLosslessCast(const arrow::DataType& from, const arrow::DataType& to);

}  // namespace sluice::exec
