#include "common/single_row_check.h"

#include <arrow/compute/api.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/util/bit_util.h>

namespace sluice {

namespace cp = arrow::compute;

namespace {

arrow::Status Check(cp::KernelContext*, const cp::ExecSpan& batch, cp::ExecResult* out) {
  const arrow::ArraySpan& counts = batch[0].array;
  const auto* values = counts.GetValues<int64_t>(1);
  for (int64_t i = 0; i < counts.length; ++i) {
    if (counts.IsValid(i) && values[i] > 1) {
      return arrow::Status::Invalid(
          "more than one row returned by a subquery used as an expression");
    }
  }
  arrow::ArraySpan* output = out->array_span_mutable();
  arrow::bit_util::SetBitsTo(output->buffers[1].data, output->offset, output->length,
                             true);
  return arrow::Status::OK();
}

arrow::Status Register() {
  auto function = std::make_shared<cp::ScalarFunction>(
      kSingleRowCheck, cp::Arity::Unary(),
      cp::FunctionDoc("Fails where a scalar subquery returned more than one row", "",
                      {"rows"}));
  cp::ScalarKernel kernel({cp::InputType(arrow::Type::INT64)}, arrow::boolean(), Check);
  kernel.null_handling = cp::NullHandling::OUTPUT_NOT_NULL;
  kernel.mem_allocation = cp::MemAllocation::PREALLOCATE;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return cp::GetFunctionRegistry()->AddFunction(std::move(function));
}

}  // namespace

arrow::Status RegisterSingleRowCheck() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice
