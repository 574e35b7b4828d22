#include "stream.h"

#include <arrow/table.h>

#include "status.h"

namespace nb = nanobind;

namespace sluice::python {

Stream::Stream(std::shared_ptr<GuardedReader> reader)
    : reader_(std::move(reader)), schema_(reader_->schema()) {}

std::shared_ptr<arrow::RecordBatch> Stream::Next() {
  if (!reader_) return nullptr;
  std::shared_ptr<arrow::RecordBatch> batch;
  auto status = reader_->ReadNext(&batch);
  if (!status.ok()) Fail(status);
  if (!batch) Close();
  return batch;
}

std::shared_ptr<arrow::RecordBatchReader> Stream::ReadAll() {
  arrow::RecordBatchVector batches;
  while (auto batch = Next()) batches.push_back(std::move(batch));
  auto table = Value(arrow::Table::FromRecordBatches(schema_, std::move(batches)));
  return std::make_shared<arrow::TableBatchReader>(std::move(table));
}

std::shared_ptr<arrow::RecordBatchReader> Stream::Detach() {
  if (!reader_) throw nb::value_error("the stream is closed");
  return std::move(reader_);
}

void Stream::Close() {
  // The reader's destructor stops the query without the GIL.
  auto reader = std::move(reader_);
}

void Stream::Fail(const arrow::Status& status) {
  const bool interrupted = reader_->interrupted();
  Close();
  // Python's handler ran beside ours: let it raise KeyboardInterrupt (or whatever the
  // program's SIGINT handler does).
  if (interrupted && PyErr_CheckSignals() != 0) throw nb::python_error();
  throw StatusError(status);
}

}  // namespace sluice::python
