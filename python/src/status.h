#pragma once

#include <utility>

#include <arrow/result.h>
#include <arrow/status.h>
#include <nanobind/nanobind.h>

namespace sluice::python {

// A failed arrow::Status on its way to Python, where it becomes one of sluice.errors'
// exceptions (see RegisterErrors).
class StatusError {
 public:
  explicit StatusError(arrow::Status status) : status_(std::move(status)) {}
  const arrow::Status& status() const { return status_; }

 private:
  arrow::Status status_;
};

inline void Check(const arrow::Status& status) {
  if (!status.ok()) throw StatusError(status);
}

template <typename T>
T Value(arrow::Result<T> result) {
  if (!result.ok()) throw StatusError(result.status());
  return std::move(result).ValueUnsafe();
}

// Installs the translation of StatusError into sluice.errors' classes:
//   NotImplemented               -> NotSupportedError
//   a message with a SQL position -> SqlError (with .line and .column)
//   Cancelled                    -> CancelledError
//   a Delta commit conflict      -> ConflictError
//   IOError                      -> StorageError (an OSError)
//   anything else                -> Error
void RegisterErrors();

// Raises sluice.errors.SchemaError (a ValueError) with `status`'s message.
[[noreturn]] void ThrowSchemaError(const arrow::Status& status);

}  // namespace sluice::python
