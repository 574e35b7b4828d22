#pragma once

#include <memory>
#include <string>

#include <arrow/compute/function_options.h>
#include <arrow/status.h>

namespace sluice {

// Options of the aggregate functions "sluice_string_agg" and "hash_sluice_string_agg".
class StringAggOptions : public arrow::compute::FunctionOptions {
 public:
  enum class Order { kNone, kAscending, kDescending };

  StringAggOptions(std::string separator, Order order);

  static const arrow::compute::FunctionOptionsType* Type();

  std::string separator;
  Order order;
};

// SQL's string_agg(x, separator [ORDER BY x]) as Arrow aggregate functions: the non-NULL
// values of a STRING or LARGE_STRING column (of each group, for the hash variant) joined
// by the separator, in the order they arrive unless the options order them by value
// (bytewise); NULL where there are none. The result is a LARGE_STRING. Registers both in
// Arrow's default function registry once; later calls do nothing.
arrow::Status RegisterStringAgg();

inline constexpr const char* kStringAgg = "sluice_string_agg";

}  // namespace sluice
