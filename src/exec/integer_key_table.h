#pragma once

#include <cstdint>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "exec/pool_vector.h"

namespace sluice::exec {

// The rows of a join's build side by their integer key (INT32, INT64 or DATE32): for
// each key, the rows that hold it. Keys that span a range of at most a few times their
// count (a table's primary key) index an array directly, one memory access a lookup;
// others go through an open-addressing table of their own, probed linearly. Rows with
// a NULL key are left out: they match nothing.
class IntegerKeyTable {
 public:
  explicit IntegerKeyTable(arrow::MemoryPool* pool)
      : heads_(pool), slot_keys_(pool), next_(pool) {}

  static bool Supports(const arrow::DataType& type);

  // Indexes the rows of `keys`, numbered from 0. At most 2^32 - 2 rows.
  arrow::Status Build(const arrow::ArraySpan& keys);

  // For each row of `keys` (a probe batch's, of the build side's type), a pair (probe
  // row, build row) per build row with its key, appended in probe-row order.
  void Probe(const arrow::ArraySpan& keys, std::vector<uint32_t>* probe_rows,
             std::vector<uint32_t>* build_rows) const;

  // Whether the keys index an array directly (for tests).
  bool direct() const { return direct_; }

 private:
  // The first build row (plus one; 0: none) of `key`, in the hashed table.
  uint32_t Head(int64_t key) const;
  template <typename T>
  void ProbeValues(const arrow::ArraySpan& keys, std::vector<uint32_t>* probe_rows,
                   std::vector<uint32_t>* build_rows) const;
  uint64_t Slot(int64_t key) const {
    return (static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ULL) >> shift_;
  }

  bool direct_ = true;
  int64_t min_ = 0;
  int shift_ = 64;
  uint64_t mask_ = 0;
  PoolVector<uint32_t> heads_;     // by key - min_, or by slot: first row + 1
  PoolVector<int64_t> slot_keys_;  // by slot: its key (hashed table only)
  PoolVector<uint32_t> next_;      // by row: the next row (+ 1) with its key
};

}  // namespace sluice::exec
