#pragma once

#include <cstdint>
#include <cstring>

#include <arrow/util/decimal.h>

namespace sluice {

// DECIMAL128 values as the compiler's 128-bit integer, for the decimal kernels.
using Int128 = __int128;

// Value i of a DECIMAL128 data buffer (already advanced to the array's offset).
inline Int128 DecimalAt(const uint8_t* values, int64_t i) {
  Int128 value;
  std::memcpy(&value, values + i * 16, 16);  // little-endian, as Arrow stores it
  return value;
}

inline Int128 ToInt128(const arrow::Decimal128& value) {
  return (static_cast<Int128>(value.high_bits()) << 64) |
         static_cast<Int128>(value.low_bits());
}

// 10^exponent, for exponents up to 38.
inline Int128 PowerOfTen(int32_t exponent) {
  Int128 value = 1;
  for (int32_t i = 0; i < exponent; ++i) value *= 10;
  return value;
}

}  // namespace sluice
