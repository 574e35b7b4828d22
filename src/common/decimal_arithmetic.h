#pragma once

#include <cstdint>

#include <arrow/compute/function_options.h>
#include <arrow/status.h>

namespace sluice {

// Options of the DECIMAL arithmetic functions below: the DECIMAL128 type of the result.
class DecimalArithmeticOptions : public arrow::compute::FunctionOptions {
 public:
  DecimalArithmeticOptions(int32_t precision, int32_t scale);

  static const arrow::compute::FunctionOptionsType* Type();

  int32_t precision;
  int32_t scale;
};

// The compute functions "sluice_decimal_add", "sluice_decimal_subtract" and
// "sluice_decimal_multiply"(a, b) on two DECIMAL128 values (arrays or constants), giving
// the options' DECIMAL128(precision, scale), computed inline on the unscaled 128-bit
// integers (Arrow's kernels call an out-of-line operator per row, about a tenth of TPC-H
// Q1). A result that does not fit the precision is an error ("DECIMAL sum does not fit in
// precision p"), never a wrapped value.
// - add, subtract: the scale is at least both inputs' (they are scaled up to it exactly).
// - multiply: the scale is at most the sum of the inputs' scales; the exact product is
//   rounded half away from zero to it. Computed in 128 bits, and in 256 where an exact
//   product overflows them (products whose exact type needs more than 38 digits).
// Registers them in Arrow's default function registry once; later calls do nothing.
arrow::Status RegisterDecimalArithmetic();

inline constexpr const char* kDecimalAdd = "sluice_decimal_add";
inline constexpr const char* kDecimalSubtract = "sluice_decimal_subtract";
inline constexpr const char* kDecimalMultiply = "sluice_decimal_multiply";

}  // namespace sluice
