#include "exec/integer_key_table.h"

#include <algorithm>
#include <limits>

#include <arrow/array/data.h>
#include <arrow/type.h>
#include <arrow/util/bit_util.h>

namespace sluice::exec {

namespace {

// A direct array is used when the keys span at most this many slots per row.
constexpr int64_t kDirectSpanPerRow = 64;
constexpr int64_t kDirectMinSpan = 1 << 16;

// Row i of `keys` (no NULL check), widened.
int64_t KeyAt(const arrow::ArraySpan& keys, int64_t i) {
  if (keys.type->byte_width() == 4) return keys.GetValues<int32_t>(1)[i];
  return keys.GetValues<int64_t>(1)[i];
}

}  // namespace

bool IntegerKeyTable::Supports(const arrow::DataType& type) {
  return type.id() == arrow::Type::INT32 || type.id() == arrow::Type::INT64 ||
         type.id() == arrow::Type::DATE32;
}

arrow::Status IntegerKeyTable::Build(const arrow::ArraySpan& keys) {
  const int64_t n = keys.length;
  if (n >= std::numeric_limits<uint32_t>::max() - 1) {
    return arrow::Status::NotImplemented("a join build side of ", n, " rows");
  }
  int64_t low = std::numeric_limits<int64_t>::max();
  int64_t high = std::numeric_limits<int64_t>::min();
  for (int64_t i = 0; i < n; ++i) {
    if (!keys.IsValid(i)) continue;
    const int64_t key = KeyAt(keys, i);
    low = std::min(low, key);
    high = std::max(high, key);
  }
  ARROW_RETURN_NOT_OK(next_.Resize(n, 0));
  const bool any = low <= high;
  // high - low computed in unsigned arithmetic: it may exceed INT64_MAX.
  const uint64_t span =
      any ? static_cast<uint64_t>(high) - static_cast<uint64_t>(low) : 0;
  direct_ = span < static_cast<uint64_t>(std::max(kDirectMinSpan, kDirectSpanPerRow * n));
  if (direct_) {
    min_ = any ? low : 0;
    ARROW_RETURN_NOT_OK(heads_.Resize(static_cast<int64_t>(span) + 1, 0));
  } else {
    const int bits = std::max(4, arrow::bit_util::Log2(static_cast<uint64_t>(2 * n)));
    shift_ = 64 - bits;
    mask_ = (uint64_t{1} << bits) - 1;
    ARROW_RETURN_NOT_OK(heads_.Resize(int64_t{1} << bits, 0));
    ARROW_RETURN_NOT_OK(slot_keys_.Resize(int64_t{1} << bits, 0));
  }
  // Rows are inserted last to first, each in front of its key's chain, so that chains
  // list rows in order.
  for (int64_t i = n - 1; i >= 0; --i) {
    if (!keys.IsValid(i)) continue;
    const int64_t key = KeyAt(keys, i);
    uint32_t* head;
    if (direct_) {
      head = &heads_[key - min_];
    } else {
      uint64_t slot = Slot(key);
      while (heads_[slot] != 0 && slot_keys_[slot] != key) slot = (slot + 1) & mask_;
      slot_keys_[slot] = key;
      head = &heads_[slot];
    }
    next_[i] = *head;
    *head = static_cast<uint32_t>(i + 1);
  }
  return arrow::Status::OK();
}

uint32_t IntegerKeyTable::Head(int64_t key) const {
  uint64_t slot = Slot(key);
  while (heads_[slot] != 0) {
    if (slot_keys_[slot] == key) return heads_[slot];
    slot = (slot + 1) & mask_;
  }
  return 0;
}

template <typename T>
void IntegerKeyTable::ProbeValues(const arrow::ArraySpan& keys,
                                  std::vector<uint32_t>* probe_rows,
                                  std::vector<uint32_t>* build_rows) const {
  const T* values = keys.GetValues<T>(1);
  const bool nulls = keys.MayHaveNulls();
  const uint64_t direct_size = direct_ ? static_cast<uint64_t>(heads_.size()) : 0;
  for (int64_t i = 0; i < keys.length; ++i) {
    if (nulls && !keys.IsValid(i)) continue;
    const auto key = static_cast<int64_t>(values[i]);
    uint32_t row;
    if (direct_) {
      const uint64_t offset = static_cast<uint64_t>(key) - static_cast<uint64_t>(min_);
      row = offset < direct_size ? heads_[offset] : 0;
    } else {
      row = Head(key);
    }
    for (; row != 0; row = next_[row - 1]) {
      probe_rows->push_back(static_cast<uint32_t>(i));
      build_rows->push_back(row - 1);
    }
  }
}

void IntegerKeyTable::Probe(const arrow::ArraySpan& keys,
                            std::vector<uint32_t>* probe_rows,
                            std::vector<uint32_t>* build_rows) const {
  probe_rows->reserve(static_cast<size_t>(keys.length));
  build_rows->reserve(static_cast<size_t>(keys.length));
  if (keys.type->byte_width() == 4) {
    ProbeValues<int32_t>(keys, probe_rows, build_rows);
  } else {
    ProbeValues<int64_t>(keys, probe_rows, build_rows);
  }
}

}  // namespace sluice::exec
