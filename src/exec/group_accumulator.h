#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <arrow/array/data.h>
#include <arrow/memory_pool.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace sluice::exec {

// The running state of one aggregate function over the groups of a grouped aggregate
// (exec/hash_aggregate_node.h): one value per group, updated batch by batch, merged
// across threads, finished into one column. SQL's semantics: NULL inputs are skipped; a
// group without values gives NULL (count gives 0).
//
// Functions (the plan's names) and input types:
// - count_all (no input), count (any type): BIGINT.
// - sum: DECIMAL128 exact in 128 bits, as DECIMAL128(38, scale), a total beyond 38 digits
//   an error; signed integers up to 32 bits as BIGINT, overflow an error; floating point
//   as DOUBLE.
// - mean: DECIMAL128 (its exact sum divided as DOUBLE) and floating point, as DOUBLE.
// - min, max: integers, dates, times, timestamps, durations and DECIMAL128, in their
// type.
class GroupAccumulator {
 public:
  virtual ~GroupAccumulator() = default;

  // Whether `function` of `input` (nullptr for count_all) is implemented here.
  static bool Supports(const std::string& function, const arrow::DataType* input);

  // The type of `function`'s results for `input` (a supported pair).
  static std::shared_ptr<arrow::DataType> ResultType(const std::string& function,
                                                     const arrow::DataType* input);

  static arrow::Result<std::unique_ptr<GroupAccumulator>> Make(
      const std::string& function, const std::shared_ptr<arrow::DataType>& input,
      arrow::MemoryPool* pool);

  // Room for `groups` groups (new ones empty).
  virtual arrow::Status Resize(int64_t groups) = 0;
  // Adds row i of `values` (nullptr for count_all) to group `groups[i]`, for i in
  // [0, n).
  virtual arrow::Status Consume(const arrow::ArraySpan* values, const uint32_t* groups,
                                int64_t n) = 0;
  // Adds `other`'s group `from[k]` (of the same function and type) to group `to[k]`, for
  // k in [0, n).
  virtual arrow::Status Merge(const GroupAccumulator& other, const uint32_t* from,
                              const uint32_t* to, int64_t n) = 0;
  // The result of every group.
  virtual arrow::Result<std::shared_ptr<arrow::ArrayData>> Finish() = 0;
};

}  // namespace sluice::exec
