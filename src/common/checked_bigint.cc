#include "common/checked_bigint.h"

#include <limits>
#include <mutex>

#include <arrow/array/array_decimal.h>
#include <arrow/compute/api.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/util/decimal.h>

namespace sluice {

namespace cp = arrow::compute;

namespace {

arrow::Status Narrow(cp::KernelContext*, const cp::ExecSpan& batch, cp::ExecResult* out) {
  const arrow::ArraySpan& input = batch[0].array;
  arrow::ArraySpan* output = out->array_span_mutable();
  auto* values = output->GetValues<int64_t>(1);
  const arrow::Decimal128 lowest(std::numeric_limits<int64_t>::min());
  const arrow::Decimal128 highest(std::numeric_limits<int64_t>::max());
  const auto* raw = input.GetValues<uint8_t>(1, 0) + input.offset * 16;
  for (int64_t i = 0; i < input.length; ++i) {
    if (!input.IsValid(i)) {
      values[i] = 0;
      continue;
    }
    const arrow::Decimal128 value(raw + i * 16);
    if (value < lowest || value > highest) {
      return arrow::Status::Invalid("bigint out of range: sum() = ",
                                    value.ToIntegerString(), " does not fit in BIGINT");
    }
    values[i] = static_cast<int64_t>(value.low_bits());
  }
  return arrow::Status::OK();
}

arrow::Status Register() {
  auto function = std::make_shared<cp::ScalarFunction>(
      kCheckedBigint, cp::Arity::Unary(),
      cp::FunctionDoc("DECIMAL(38, 0) to BIGINT, failing on overflow", "", {"x"}));
  cp::ScalarKernel kernel({cp::InputType(arrow::Type::DECIMAL128)}, arrow::int64(),
                          Narrow);
  kernel.null_handling = cp::NullHandling::INTERSECTION;
  kernel.mem_allocation = cp::MemAllocation::PREALLOCATE;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return cp::GetFunctionRegistry()->AddFunction(std::move(function));
}

}  // namespace

arrow::Status RegisterCheckedBigint() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice
