#include "guarded_reader.h"

#include <Python.h>

#include "interrupt_scope.h"

namespace sluice::python {

namespace {

// Releases the GIL for its lifetime if this thread holds it.
class GilRelease {
 public:
  GilRelease()
      : state_(Py_IsInitialized() && PyGILState_Check() ? PyEval_SaveThread() : nullptr) {
  }
  ~GilRelease() {
    if (state_) PyEval_RestoreThread(state_);
  }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

 private:
  PyThreadState* state_;
};

}  // namespace

GuardedReader::GuardedReader(std::shared_ptr<arrow::RecordBatchReader> input,
                             std::shared_ptr<arrow::StopSource> stop)
    : input_(std::move(input)), stop_(std::move(stop)), schema_(input_->schema()) {}

GuardedReader::~GuardedReader() {
  GilRelease release;
  input_.reset();
}

arrow::Status GuardedReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  GilRelease release;
  InterruptScope interrupt(stop_.get());
  return input_->ReadNext(batch);
}

arrow::Status GuardedReader::Close() {
  GilRelease release;
  return input_->Close();
}

}  // namespace sluice::python
