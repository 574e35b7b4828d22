#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include <arrow/type.h>

namespace sluice::exec {

// How a grouped aggregate's keys are laid out to be hashed. A key is encoded as bytes:
// per column a NULL flag, then the value (fixed-width values as stored, strings after
// their 4-byte length).
class KeyLayout {
 public:
  // Whether keys of `type` are laid out here: integers, dates, times, timestamps,
  // durations, decimals, fixed-size binary, and strings and binary with 32-bit offsets.
  // (Not floating point: 0.0 and -0.0 must group together, and NaNs.)
  static bool SupportsKey(const arrow::DataType& type) {
    if (type.id() == arrow::Type::STRING || type.id() == arrow::Type::BINARY) return true;
    if (!arrow::is_fixed_width(type.id()) || arrow::is_floating(type.id())) return false;
    switch (type.id()) {
      case arrow::Type::BOOL:
      case arrow::Type::NA:
      case arrow::Type::DICTIONARY:
      case arrow::Type::EXTENSION:
      case arrow::Type::INTERVAL_MONTHS:
      case arrow::Type::INTERVAL_DAY_TIME:
      case arrow::Type::INTERVAL_MONTH_DAY_NANO:
        return false;
      default:
        return true;
    }
  }

  explicit KeyLayout(std::vector<std::shared_ptr<arrow::DataType>> types)
      : types_(std::move(types)) {
    for (const auto& type : types_) {
      const bool string =
          type->id() == arrow::Type::STRING || type->id() == arrow::Type::BINARY;
      widths_.push_back(string ? 0 : type->byte_width());
    }
  }

  const std::vector<std::shared_ptr<arrow::DataType>>& types() const { return types_; }
  // Bytes of each column's fixed-width values; 0 for strings.
  const std::vector<int>& widths() const { return widths_; }
  // A 64-bit hash of a short byte string: 8 bytes at a time, mixed by multiplication.
  static uint64_t HashEncoded(const uint8_t* bytes, uint32_t size) {
    uint64_t hash = 0x9E3779B97F4A7C15ULL ^ size;
    for (; size >= 8; bytes += 8, size -= 8) {
      uint64_t word;
      std::memcpy(&word, bytes, 8);
      hash = (hash ^ word) * 0xFF51AFD7ED558CCDULL;
      hash ^= hash >> 32;
    }
    if (size > 0) {
      uint64_t word = 0;
      for (uint32_t i = 0; i < size; ++i) {
        word |= static_cast<uint64_t>(bytes[i]) << (8 * i);
      }
      hash = (hash ^ word) * 0xC4CEB9FE1A85EC53ULL;
    }
    hash ^= hash >> 33;
    hash *= 0xFF51AFD7ED558CCDULL;
    hash ^= hash >> 33;
    return hash;
  }

 private:
  std::vector<std::shared_ptr<arrow::DataType>> types_;
  std::vector<int> widths_;
};

}  // namespace sluice::exec
