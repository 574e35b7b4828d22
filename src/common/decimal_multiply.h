#pragma once

#include <cstdint>

#include <arrow/compute/function_options.h>
#include <arrow/status.h>

namespace sluice {

// Options of "sluice_decimal_multiply": the DECIMAL128 type of the product.
class DecimalMultiplyOptions : public arrow::compute::FunctionOptions {
 public:
  DecimalMultiplyOptions(int32_t precision, int32_t scale);

  static const arrow::compute::FunctionOptionsType* Type();

  int32_t precision;
  int32_t scale;
};

// The compute function "sluice_decimal_multiply"(a, b): the product of two DECIMAL128
// values as the options' DECIMAL128(precision, scale), for products whose exact type
// would need more than 38 digits. The scale must be at most the sum of the inputs'
// scales: the exact product is rounded half away from zero to it. A product that does
// not fit is an error ("... does not fit in precision p"), never a wrapped value.
// Computed in 128 bits, and in 256 where an exact product overflows them. Registers it in
// Arrow's default function registry once; later calls do nothing.
arrow::Status RegisterDecimalMultiply();

inline constexpr const char* kDecimalMultiply = "sluice_decimal_multiply";

}  // namespace sluice
