#pragma once

#include <arrow/status.h>

namespace sluice {

// The compute function "sluice_single_row": given the number of rows a scalar subquery
// returned (per outer row; NULL when it returned none), true, or the error "more than
// one row returned by a subquery used as an expression" where that number exceeds one.
// Registers it in Arrow's default function registry once; later calls do nothing.
arrow::Status RegisterSingleRowCheck();

inline constexpr const char* kSingleRowCheck = "sluice_single_row";

}  // namespace sluice
