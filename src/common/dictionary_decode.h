#pragma once

#include <memory>

#include <arrow/result.h>

namespace arrow {
class Array;
class MemoryPool;
}  // namespace arrow

namespace sluice {

// The plain array a dictionary array stands for. Strings and binaries with 32-bit
// offsets are decoded by a loop of our own (Arrow's cast goes through `take`, which
// appends value by value); other dictionaries are cast. A NULL index gives NULL.
arrow::Result<std::shared_ptr<arrow::Array>> DecodeDictionary(const arrow::Array& array,
                                                              arrow::MemoryPool* pool);

}  // namespace sluice
