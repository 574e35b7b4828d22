#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace sluice::plan {

// Which rows of its partition a window function sees from each row: SQL's frame clause.
// Rows are counted in ROWS frames; in RANGE frames (the default) a row's peers, the rows
// with equal ORDER BY values, are all in or all out. Offsets (of the kPreceding and
// kFollowing bounds) count rows in ROWS frames, peer groups in GROUPS frames, and in
// RANGE frames are distances along the one ORDER BY key (an integer; days for a DATE,
// the TIMESTAMP's unit for a TIMESTAMP), measured in the key's sort direction.
struct WindowFrame {
  enum class Unit { kRows, kRange, kGroups };
  enum class Bound {
    kUnboundedPreceding,
    kPreceding,
    kCurrentRow,
    kFollowing,
    kUnboundedFollowing
  };
  Unit unit = Unit::kRange;
  Bound start = Bound::kUnboundedPreceding;
  int64_t start_offset = 0;
  Bound end = Bound::kCurrentRow;
  int64_t end_offset = 0;
  bool descending = false;  // RANGE offsets: the ORDER BY key sorts descending

  // "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", for EXPLAIN.
  std::string ToString() const;
};

// One window function of a Window node. Functions: row_number, rank, dense_rank,
// percent_rank, cume_dist, ntile (of `offset` buckets), lag and lead (by `offset` rows,
// `fallback` where there is no such row), first_value, last_value, nth_value (the
// `offset`-th row of the frame), and the aggregates count_all, count, sum, mean, min and
// max over the frame.
struct WindowCall {
  std::string function;
  std::string input;     // a column of the input; empty for functions without one
  int64_t offset = 1;    // lag/lead distance, ntile buckets, nth_value position
  std::string fallback;  // lag/lead: a column of the input, or empty for NULL
  WindowFrame frame;
  std::string output;
};

// The type a window function returns for an input type (null for functions without
// input); TypeError if the function cannot take it.
arrow::Result<std::shared_ptr<arrow::DataType>> WindowResultType(
    const std::string& function, const std::shared_ptr<arrow::DataType>& input);

}  // namespace sluice::plan
