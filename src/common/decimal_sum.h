#pragma once

#include <arrow/status.h>

namespace sluice {

// The aggregate functions "sluice_decimal_sum" and "sluice_decimal_mean" of a DECIMAL128
// column, and their grouped "hash_" variants, with SQL's semantics: NULLs are skipped and
// a group without values gives NULL.
//
// The sum is exact, accumulated in 128-bit integers, and typed DECIMAL128(38, scale); a
// total beyond 38 digits is an error ("decimal sum overflow"), never a wrapped value. The
// mean is that exact sum divided by the count, as DOUBLE.
//
// They replace Arrow's sum of decimals, which adds value by value through an out-of-line
// operator and wraps on overflow, and the cast to DOUBLE its mean needs. Registers them
// in Arrow's default function registry once; later calls do nothing.
arrow::Status RegisterDecimalSum();

// The error of a DECIMAL sum whose total needs more than 38 digits.
arrow::Status DecimalSumOverflow();

inline constexpr const char* kDecimalSum = "sluice_decimal_sum";
inline constexpr const char* kDecimalMean = "sluice_decimal_mean";

}  // namespace sluice
