#pragma once

#include <cstdint>

#include <arrow/compute/exec.h>

namespace sluice {

// Whether a kernel argument (an array, or a scalar repeated over the batch) holds a
// value at row i.
inline bool IsValidAt(const arrow::compute::ExecValue& value, int64_t i) {
  return value.is_scalar() ? value.scalar->is_valid : value.array.IsValid(i);
}

}  // namespace sluice
