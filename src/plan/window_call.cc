#include "plan/window_call.h"

#include <arrow/type.h>

namespace sluice::plan {

namespace {

std::string BoundText(WindowFrame::Bound bound, int64_t offset) {
  switch (bound) {
    case WindowFrame::Bound::kUnboundedPreceding:
      return "UNBOUNDED PRECEDING";
    case WindowFrame::Bound::kPreceding:
      return std::to_string(offset) + " PRECEDING";
    case WindowFrame::Bound::kCurrentRow:
      return "CURRENT ROW";
    case WindowFrame::Bound::kFollowing:
      return std::to_string(offset) + " FOLLOWING";
    case WindowFrame::Bound::kUnboundedFollowing:
      return "UNBOUNDED FOLLOWING";
  }
  return "";
}

}  // namespace

std::string WindowFrame::ToString() const {
  const char* name = unit == Unit::kRows     ? "ROWS"
                     : unit == Unit::kGroups ? "GROUPS"
                                             : "RANGE";
  return std::string(name) + " BETWEEN " + BoundText(start, start_offset) + " AND " +
         BoundText(end, end_offset);
}

arrow::Result<std::shared_ptr<arrow::DataType>> WindowResultType(
    const std::string& function, const std::shared_ptr<arrow::DataType>& input) {
  if (function == "row_number" || function == "rank" || function == "dense_rank" ||
      function == "ntile" || function == "count" || function == "count_all") {
    return arrow::int64();
  }
  if (function == "percent_rank" || function == "cume_dist") return arrow::float64();
  const bool numeric =
      input && (arrow::is_integer(input->id()) || arrow::is_floating(input->id()) ||
                input->id() == arrow::Type::DECIMAL128);
  if (function == "sum") {
    if (!numeric) return arrow::Status::TypeError("sum() cannot take ", *input);
    if (arrow::is_integer(input->id())) return arrow::int64();
    if (arrow::is_floating(input->id())) return arrow::float64();
    return arrow::decimal128(38,
                             static_cast<const arrow::Decimal128Type&>(*input).scale());
  }
  if (function == "mean") {
    if (!numeric) return arrow::Status::TypeError("avg() cannot take ", *input);
    return arrow::float64();
  }
  if (function == "min" || function == "max" || function == "lag" || function == "lead" ||
      function == "first_value" || function == "last_value" || function == "nth_value") {
    return input;
  }
  return arrow::Status::NotImplemented("window function ", function);
}

}  // namespace sluice::plan
