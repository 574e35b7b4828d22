#pragma once

#include <cstdint>
#include <vector>

#include <arrow/array/data.h>

#include "exec/key_layout.h"

namespace sluice::exec {

// A 64-bit hash of each row's key (its columns together), the same for equal keys
// whatever batch or thread they come from: keys are encoded as exec/key_layout.h says,
// and hashed. Reused batch after batch.
class KeyHashes {
 public:
  explicit KeyHashes(const KeyLayout* layout) : layout_(layout) {}

  // The hashes of the `length` rows of `keys` (one array per key column, of the
  // layout's types), valid until the next call.
  const std::vector<uint64_t>& Compute(const std::vector<const arrow::ArraySpan*>& keys,
                                       int64_t length);

 private:
  void EncodeAll(const std::vector<const arrow::ArraySpan*>& keys, int64_t length);

  const KeyLayout* layout_;
  std::vector<uint8_t> rows_;  // encoded keys
  std::vector<uint32_t> row_offsets_;
  std::vector<uint32_t> cursors_;
  std::vector<uint64_t> hashes_;
};

}  // namespace sluice::exec
