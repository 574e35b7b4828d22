#include "sql/decimal_rules.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include <arrow/scalar.h>
#include <arrow/type.h>

namespace sluice::sql {

namespace {

int DigitsOf(const arrow::Scalar& constant) {
  auto as_int = constant.CastTo(arrow::int64());
  if (!as_int.ok() || !(*as_int)->is_valid) return 1;
  const int64_t value = static_cast<const arrow::Int64Scalar&>(**as_int).value;
  std::string text = std::to_string(value);
  return static_cast<int>(text.size()) - (value < 0 ? 1 : 0);
}

int WidthDigits(arrow::Type::type id) {
  switch (id) {
    case arrow::Type::INT8:
    case arrow::Type::UINT8:
      return 3;
    case arrow::Type::INT16:
    case arrow::Type::UINT16:
      return 5;
    case arrow::Type::INT32:
    case arrow::Type::UINT32:
      return 10;
    case arrow::Type::INT64:
      return 19;
    default:
      return 20;
  }
}

}  // namespace

std::optional<DecimalSpec> AsDecimal(const arrow::DataType& type,
                                     const arrow::Scalar* constant) {
  if (type.id() == arrow::Type::DECIMAL128 || type.id() == arrow::Type::DECIMAL256) {
    const auto& decimal = static_cast<const arrow::DecimalType&>(type);
    return DecimalSpec{decimal.precision(), decimal.scale()};
  }
  if (!arrow::is_integer(type.id())) return std::nullopt;
  return DecimalSpec{constant ? DigitsOf(*constant) : WidthDigits(type.id()), 0};
}

DecimalSpec Bounded(DecimalSpec spec) {
  if (spec.precision <= kMaxDecimalPrecision) return spec;
  const int integer_digits = spec.precision - spec.scale;
  const int scale =
      std::max(kMaxDecimalPrecision - integer_digits, std::min(spec.scale, 6));
  return {kMaxDecimalPrecision, scale};
}

DecimalSpec AddResult(DecimalSpec a, DecimalSpec b) {
  const int scale = std::max(a.scale, b.scale);
  return {std::max(a.precision - a.scale, b.precision - b.scale) + scale + 1, scale};
}

DecimalSpec MultiplyResult(DecimalSpec a, DecimalSpec b) {
  return {a.precision + b.precision + 1, a.scale + b.scale};
}

DecimalSpec CommonDecimal(DecimalSpec a, DecimalSpec b) {
  const int scale = std::max(a.scale, b.scale);
  return Bounded({std::max(a.precision - a.scale, b.precision - b.scale) + scale, scale});
}

}  // namespace sluice::sql
