#pragma once

#include <arrow/status.h>

namespace sluice {

// The compute function "sluice_checked_bigint": DECIMAL(38, 0) to BIGINT, failing with
// "bigint out of range: sum() = <value>" for a value that does not fit. Integer sums are
// added up exactly in DECIMAL(38, 0) and narrowed with it, so an overflow is an error
// that says what happened rather than a wrapped value. Registers it in Arrow's default
// function registry once; later calls do nothing.
arrow::Status RegisterCheckedBigint();

inline constexpr const char* kCheckedBigint = "sluice_checked_bigint";

}  // namespace sluice
