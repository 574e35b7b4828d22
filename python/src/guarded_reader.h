#pragma once

#include <memory>

#include <arrow/record_batch.h>
#include <arrow/util/cancel.h>

namespace sluice::python {

// Wraps every stream Sluice hands to Python, whoever reads it (Sluice's own iterator or
// a consumer of __arrow_c_stream__ such as pyarrow or Polars):
// - reads and closes run with the GIL released if the calling thread holds it, so the
//   query's threads can run Python sources meanwhile;
// - on the main thread, Ctrl-C during a read stops the query (InterruptScope);
// - the wrapped stream is destroyed without the GIL, since stopping a query waits for
//   its threads, which may need the GIL.
class GuardedReader : public arrow::RecordBatchReader {
 public:
  GuardedReader(std::shared_ptr<arrow::RecordBatchReader> input,
                std::shared_ptr<arrow::StopSource> stop);
  ~GuardedReader() override;

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override;

  // Whether a stop was requested (by Ctrl-C) while reading.
  bool interrupted() const { return stop_->token().IsStopRequested(); }

 private:
  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::shared_ptr<arrow::StopSource> stop_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace sluice::python
