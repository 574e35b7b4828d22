#pragma once

#include <cstdint>
#include <vector>

#include <arrow/compute/exec.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace sluice::exec {

// The groups of one or two keys given as small codes (the value numbers of
// dictionary-encoded key columns: UINT32, NULL allowed): each row's group is found in a
// table indexed by its codes, 8 bits each with NULL as kNull, so nothing is hashed or
// compared. TPC-H Q1 groups 6M rows by l_returnflag and l_linestatus (3 and 2 values)
// this way. A code of kNull or more ends it; the caller then moves the groups to a hash
// table.
class CodedGroups {
 public:
  static constexpr uint32_t kNull = 255;

  static bool Supports(size_t num_keys) { return num_keys == 1 || num_keys == 2; }

  explicit CodedGroups(size_t num_keys);

  // The group of each of the `length` rows of `keys` (one UINT32 span per key) into
  // `groups`, new combinations numbered in order of appearance; or false, with nothing
  // changed, if some code is kNull or more.
  bool Consume(const std::vector<arrow::ArraySpan>& keys, int64_t length,
               uint32_t* groups);

  int64_t num_groups() const { return static_cast<int64_t>(combined_.size()); }

  // The key columns (UINT32 codes, NULL where a group's key is) of every group, in
  // group order.
  arrow::Result<std::vector<arrow::Datum>> Keys(arrow::MemoryPool* pool) const;

 private:
  size_t num_keys_;
  std::vector<uint32_t> slots_;     // by combined code: its group + 1, 0 for none
  std::vector<uint16_t> combined_;  // by group: key k's code in bits 8k..8k+7
};

}  // namespace sluice::exec
