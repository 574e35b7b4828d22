#include "common/add_months.h"

#include <chrono>

#include <arrow/compute/api.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/type.h>

#include "common/exec_value.h"

namespace sluice {

namespace cp = arrow::compute;

namespace {

constexpr int64_t kMaxYear = 32767;

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t UnitsPerDay(arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return 86400;
    case arrow::TimeUnit::MILLI:
      return 86400LL * 1000;
    case arrow::TimeUnit::MICRO:
      return 86400LL * 1000 * 1000;
    case arrow::TimeUnit::NANO:
      return 86400LL * 1000 * 1000 * 1000;
  }
  return 1;
}

int32_t MonthsAt(const cp::ExecValue& months, int64_t i) {
  if (months.is_scalar()) {
    return static_cast<const arrow::Int32Scalar&>(*months.scalar).value;
  }
  return months.array.GetValues<int32_t>(1)[i];
}

arrow::Status OutOfRange() { return arrow::Status::Invalid("date out of range"); }

// Days (DATE) or time units since the epoch, moved by months where both are valid.
template <typename T>
arrow::Status Move(const cp::ExecSpan& batch, int64_t units_per_day, T* out) {
  const arrow::ArraySpan& when = batch[0].array;
  const T* values = when.GetValues<T>(1);
  for (int64_t i = 0; i < batch.length; ++i) {
    if (!when.IsValid(i) || !IsValidAt(batch[1], i)) continue;
    const int64_t value = values[i];
    const int64_t day = FloorDiv(value, units_per_day);
    if (day != static_cast<int32_t>(day)) return OutOfRange();
    ARROW_ASSIGN_OR_RAISE(
        auto moved, AddMonthsToDays(static_cast<int32_t>(day), MonthsAt(batch[1], i)));
    int64_t result;
    if (__builtin_mul_overflow(int64_t{moved}, units_per_day, &result) ||
        __builtin_add_overflow(result, value - day * units_per_day, &result) ||
        result != static_cast<T>(result)) {
      return OutOfRange();
    }
    out[i] = static_cast<T>(result);
  }
  return arrow::Status::OK();
}

arrow::Status Exec(cp::KernelContext*, const cp::ExecSpan& batch, cp::ExecResult* out) {
  arrow::ArraySpan* output = out->array_span_mutable();
  const arrow::DataType& type = *batch[0].array.type;
  if (type.id() == arrow::Type::DATE32) {
    return Move<int32_t>(batch, 1, output->GetValues<int32_t>(1));
  }
  const auto unit = static_cast<const arrow::TimestampType&>(type).unit();
  return Move<int64_t>(batch, UnitsPerDay(unit), output->GetValues<int64_t>(1));
}

arrow::Status Register() {
  auto function = std::make_shared<cp::ScalarFunction>(
      kAddMonths, cp::Arity::Binary(),
      cp::FunctionDoc("Moves a date or timestamp by a number of months", "",
                      {"when", "months"}));
  const cp::OutputType same_as_first(
      [](cp::KernelContext*, const std::vector<arrow::TypeHolder>& types)
          -> arrow::Result<arrow::TypeHolder> { return types.front(); });
  for (auto id : {arrow::Type::DATE32, arrow::Type::TIMESTAMP}) {
    cp::ScalarKernel kernel({cp::InputType(id), cp::InputType(arrow::Type::INT32)},
                            same_as_first, Exec);
    kernel.null_handling = cp::NullHandling::INTERSECTION;
    kernel.mem_allocation = cp::MemAllocation::PREALLOCATE;
    ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  }
  return cp::GetFunctionRegistry()->AddFunction(std::move(function));
}

}  // namespace

arrow::Result<int32_t> AddMonthsToDays(int32_t days, int64_t months) {
  using namespace std::chrono;
  const year_month_day date{sys_days{std::chrono::days{days}}};
  const int64_t index = int64_t{static_cast<int>(date.year())} * 12 +
                        static_cast<unsigned>(date.month()) - 1 + months;
  const int64_t year_number = FloorDiv(index, 12);
  if (year_number < -kMaxYear || year_number > kMaxYear) {
    return arrow::Status::Invalid("date out of range (year ", year_number, ")");
  }
  const year_month moved{year{static_cast<int>(year_number)},
                         month{static_cast<unsigned>(index - year_number * 12 + 1)}};
  const auto last =
      year_month_day_last{moved.year(), month_day_last{moved.month()}}.day();
  const year_month_day result{moved.year(), moved.month(), std::min(date.day(), last)};
  return static_cast<int32_t>(sys_days{result}.time_since_epoch().count());
}

arrow::Status RegisterAddMonths() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice
