#include "sluice/param.h"

#include <arrow/scalar.h>
#include <arrow/type.h>

namespace sluice {

Param::Param(int64_t value) : value_(arrow::MakeScalar(value)) {}
Param::Param(int value) : value_(arrow::MakeScalar(static_cast<int32_t>(value))) {}
Param::Param(double value) : value_(arrow::MakeScalar(value)) {}
Param::Param(bool value) : value_(arrow::MakeScalar(value)) {}
Param::Param(std::string value) : value_(arrow::MakeScalar(std::move(value))) {}
Param::Param(const char* value) : value_(arrow::MakeScalar(std::string(value))) {}
Param::Param(std::shared_ptr<arrow::Scalar> value) : value_(std::move(value)) {}

Param Param::Null() { return Param(arrow::MakeNullScalar(arrow::null())); }

}  // namespace sluice
