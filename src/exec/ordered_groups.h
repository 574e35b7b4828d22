#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "exec/pool_vector.h"

namespace sluice::exec {

// The groups of one signed integer-like key column (16 to 64 bits: integers, dates,
// times, timestamps, durations) while its values arrive in a few ascending sequences, as
// they do from input sorted or clustered on the key (a file or a partition each): group
// i is the i-th value that differs from the row before it. Nothing is hashed and no
// table is probed, so a key with millions of values costs no cache misses. The groups
// form `segments()`, each ascending; a key may appear in more than one. A NULL, a batch
// not ascending, or too many segments ends the order; the caller then moves the groups
// to a hash table.
class OrderedGroups {
 public:
  explicit OrderedGroups(arrow::MemoryPool* pool) : keys_(pool), pool_(pool) {}

  static bool Supports(const arrow::DataType& type);

  // The group of each row of `keys` (of a supported type) into `groups`, values above
  // the last one making new groups, a batch starting below it a new segment; or false,
  // with nothing changed, if a row is NULL or below the row before it, or the segments
  // would be too many.
  arrow::Result<bool> Consume(const arrow::ArraySpan& keys, uint32_t* groups);

  // A new group of `key`, which the caller knows to be above the last group's.
  arrow::Status Append(int64_t key) { return keys_.Resize(keys_.size() + 1, key); }

  int64_t num_groups() const { return keys_.size(); }
  // The key of each group, ascending within each segment.
  const int64_t* keys() const { return keys_.data(); }
  // The first group of each segment, and the number of groups at the end.
  const std::vector<int64_t>& segments() const { return segments_; }

  // The keys of groups [begin, end) as an array of `type`.
  arrow::Result<std::shared_ptr<arrow::ArrayData>> Keys(
      const std::shared_ptr<arrow::DataType>& type, int64_t begin, int64_t end) const;

 private:
  static constexpr size_t kMaxSegments = 8;

  template <typename T>
  arrow::Result<bool> ConsumeValues(const T* values, int64_t length, uint32_t* groups);

  PoolVector<int64_t> keys_;
  std::vector<int64_t> segments_{0, 0};
  arrow::MemoryPool* pool_;
};

}  // namespace sluice::exec
