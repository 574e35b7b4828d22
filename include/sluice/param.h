#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <arrow/type_fwd.h>

namespace sluice {

// A value bound to a `$n` placeholder in SQL ($1 is the first Param). Binding is by
// value: a parameter is never spliced into SQL text, so it cannot change the statement.
class Param {
 public:
  Param(int64_t value);      // NOLINT(runtime/explicit): Sql("... $1", {42})
  Param(int value);          // NOLINT(runtime/explicit)
  Param(double value);       // NOLINT(runtime/explicit)
  Param(bool value);         // NOLINT(runtime/explicit)
  Param(std::string value);  // NOLINT(runtime/explicit)
  Param(const char* value);  // NOLINT(runtime/explicit)
  // Any Arrow scalar (dates, timestamps, decimals); a null scalar is SQL NULL.
  explicit Param(std::shared_ptr<arrow::Scalar> value);
  // SQL NULL of unknown type.
  static Param Null();

  const std::shared_ptr<arrow::Scalar>& value() const { return value_; }

 private:
  std::shared_ptr<arrow::Scalar> value_;
};

}  // namespace sluice
