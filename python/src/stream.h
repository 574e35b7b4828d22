#pragma once

#include <memory>

#include <arrow/record_batch.h>
#include <nanobind/nanobind.h>

#include "guarded_reader.h"

namespace sluice::python {

// The result stream of a query as Python iterates it (sluice.RecordBatchStream wraps
// it). Methods are called with the GIL held; waiting for a batch releases it.
class Stream {
 public:
  explicit Stream(std::shared_ptr<GuardedReader> reader);

  std::shared_ptr<arrow::Schema> schema() const { return schema_; }
  // The next batch, or null at the end. Ctrl-C while waiting stops the query, waits for
  // its threads and raises KeyboardInterrupt.
  std::shared_ptr<arrow::RecordBatch> Next();
  // Every remaining batch, as one table's stream.
  std::shared_ptr<arrow::RecordBatchReader> ReadAll();
  // The rest of the stream, for a consumer of __arrow_c_stream__; this object is then
  // closed.
  std::shared_ptr<arrow::RecordBatchReader> Detach();
  // Stops the query (if running) and frees it; idempotent.
  void Close();
  bool closed() const { return reader_ == nullptr; }

 private:
  // Raises the Python exception for a failed read: KeyboardInterrupt after Ctrl-C.
  [[noreturn]] void Fail(const arrow::Status& status);

  std::shared_ptr<GuardedReader> reader_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace sluice::python
