#pragma once

#include <functional>
#include <memory>

#include <arrow/record_batch.h>

namespace sluice::exec {

// A stream that starts its producer only when the consumer first asks for a batch: the
// schema is known at once, the work (a query) begins on the first ReadNext. Closing or
// destroying it before then starts nothing.
class LazyReader : public arrow::RecordBatchReader {
 public:
  using Start = std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>()>;
  LazyReader(std::shared_ptr<arrow::Schema> schema, Start start);

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override;

 private:
  std::shared_ptr<arrow::Schema> schema_;
  Start start_;
  std::shared_ptr<arrow::RecordBatchReader> input_;
  bool closed_ = false;
};

}  // namespace sluice::exec
