#pragma once

#include <cstdint>
#include <memory>

#include <arrow/array/data.h>
#include <arrow/memory_pool.h>
#include <arrow/result.h>

namespace sluice::exec {

// The rows to keep of a boolean mask (true and not NULL), as a bitmap from bit 0.
arrow::Result<std::shared_ptr<arrow::Buffer>> SelectionOf(const arrow::ArrayData& mask,
                                                          arrow::MemoryPool* pool);

// The `selected` rows of `column` that `selection` (a bitmap from bit 0 over the column's
// rows) marks, gathered by loops of our own: fixed-width columns (integers, dates,
// decimals, doubles), strings and binaries with 32-bit offsets, and dictionary arrays'
// indices (the dictionary kept). Arrow's filter kernel walks the selection run by run
// and copies each run with a call, several nanoseconds a value when runs are short.
// nullptr for other columns, which the caller leaves to Arrow.
arrow::Result<std::shared_ptr<arrow::ArrayData>> GatherSelected(
    const arrow::ArrayData& column, const uint8_t* selection, int64_t selected,
    arrow::MemoryPool* pool);

}  // namespace sluice::exec
