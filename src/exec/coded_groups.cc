#include "exec/coded_groups.h"

#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/type.h>
#include <arrow/util/bit_util.h>

namespace sluice::exec {

namespace {

// Whether every valid code of `key` is below CodedGroups::kNull.
bool AllSmall(const arrow::ArraySpan& key, int64_t length) {
  const uint32_t* codes = key.GetValues<uint32_t>(1);
  uint32_t any_large = 0;
  if (key.MayHaveNulls()) {
    for (int64_t i = 0; i < length; ++i) {
      any_large |= key.IsValid(i) & (codes[i] >= CodedGroups::kNull);
    }
  } else {
    for (int64_t i = 0; i < length; ++i) any_large |= codes[i] >= CodedGroups::kNull;
  }
  return any_large == 0;
}

// Row i's code of `key`, kNull where it is NULL.
inline uint32_t CodeAt(const arrow::ArraySpan& key, const uint32_t* codes, int64_t i) {
  return key.MayHaveNulls() && !key.IsValid(i) ? CodedGroups::kNull : codes[i];
}

}  // namespace

CodedGroups::CodedGroups(size_t num_keys)
    : num_keys_(num_keys), slots_(size_t{1} << (8 * num_keys), 0) {}

bool CodedGroups::Consume(const std::vector<arrow::ArraySpan>& keys, int64_t length,
                          uint32_t* groups) {
  for (const auto& key : keys) {
    if (!AllSmall(key, length)) return false;
  }
  const uint32_t* first = keys[0].GetValues<uint32_t>(1);
  const uint32_t* second = num_keys_ == 2 ? keys[1].GetValues<uint32_t>(1) : nullptr;
  for (int64_t i = 0; i < length; ++i) {
    uint32_t combined = CodeAt(keys[0], first, i);
    if (second) combined |= CodeAt(keys[1], second, i) << 8;
    uint32_t& slot = slots_[combined];
    if (slot == 0) {
      combined_.push_back(static_cast<uint16_t>(combined));
      slot = static_cast<uint32_t>(combined_.size());
    }
    groups[i] = slot - 1;
  }
  return true;
}

arrow::Result<std::vector<arrow::Datum>> CodedGroups::Keys(
    arrow::MemoryPool* pool) const {
  const int64_t n = num_groups();
  std::vector<arrow::Datum> columns;
  for (size_t k = 0; k < num_keys_; ++k) {
    ARROW_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(n * 4, pool));
    ARROW_ASSIGN_OR_RAISE(auto validity, arrow::AllocateEmptyBitmap(n, pool));
    auto* codes = reinterpret_cast<uint32_t*>(values->mutable_data());
    int64_t nulls = 0;
    for (int64_t g = 0; g < n; ++g) {
      const uint32_t code = (combined_[g] >> (8 * k)) & 0xFF;
      codes[g] = code == kNull ? 0 : code;
      arrow::bit_util::SetBitTo(validity->mutable_data(), g, code != kNull);
      nulls += code == kNull;
    }
    columns.emplace_back(arrow::ArrayData::Make(
        arrow::uint32(), n,
        {nulls > 0 ? std::shared_ptr<arrow::Buffer>(std::move(validity)) : nullptr,
         std::move(values)},
        nulls));
  }
  return columns;
}

}  // namespace sluice::exec
