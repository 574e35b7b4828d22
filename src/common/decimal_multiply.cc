#include "common/decimal_multiply.h"

#include <cstring>
#include <string>

#include <arrow/compute/api.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/type.h>
#include <arrow/util/decimal.h>

#include "common/exec_value.h"
#include "common/int128.h"

namespace sluice {

namespace cp = arrow::compute;

namespace {

class DecimalMultiplyOptionsType : public cp::FunctionOptionsType {
 public:
  const char* type_name() const override { return "SluiceDecimalMultiplyOptions"; }
  std::string Stringify(const cp::FunctionOptions& options) const override {
    const auto& o = static_cast<const DecimalMultiplyOptions&>(options);
    return "DecimalMultiplyOptions(" + std::to_string(o.precision) + ", " +
           std::to_string(o.scale) + ")";
  }
  bool Compare(const cp::FunctionOptions& a,
               const cp::FunctionOptions& b) const override {
    const auto& x = static_cast<const DecimalMultiplyOptions&>(a);
    const auto& y = static_cast<const DecimalMultiplyOptions&>(b);
    return x.precision == y.precision && x.scale == y.scale;
  }
  std::unique_ptr<cp::FunctionOptions> Copy(
      const cp::FunctionOptions& options) const override {
    const auto& o = static_cast<const DecimalMultiplyOptions&>(options);
    return std::make_unique<DecimalMultiplyOptions>(o.precision, o.scale);
  }
};

struct OptionsState : cp::KernelState {
  explicit OptionsState(const DecimalMultiplyOptions& given) : options(given) {}
  DecimalMultiplyOptions options;
};

arrow::Result<std::unique_ptr<cp::KernelState>> InitOptions(
    cp::KernelContext*, const cp::KernelInitArgs& args) {
  if (args.options == nullptr) {
    return arrow::Status::Invalid(kDecimalMultiply, " needs DecimalMultiplyOptions");
  }
  return std::make_unique<OptionsState>(
      static_cast<const DecimalMultiplyOptions&>(*args.options));
}

// What the kernel needs per call: how many digits to drop, and the bound to check.
struct Plan {
  int32_t drop = 0;
  int32_t precision = 38;
  Int128 divisor = 1;  // 10^drop, when drop <= 38
  Int128 limit = 1;    // 10^precision
};

// The exact product in 256 bits, rounded and checked.
arrow::Status WideProduct(Int128 a, Int128 b, const Plan& plan, Int128* out) {
  const auto as_256 = [](Int128 v) {
    return arrow::Decimal256(
        arrow::Decimal128(static_cast<int64_t>(v >> 64), static_cast<uint64_t>(v)));
  };
  const arrow::Decimal256 product =
      (as_256(a) * as_256(b)).ReduceScaleBy(plan.drop, /*round=*/true);
  if (!product.FitsInPrecision(plan.precision)) {
    return arrow::Status::Invalid("DECIMAL product does not fit in precision ",
                                  plan.precision);
  }
  const auto words = product.little_endian_array();
  *out = (static_cast<Int128>(static_cast<int64_t>(words[1])) << 64) |
         static_cast<Int128>(words[0]);
  return arrow::Status::OK();
}

arrow::Status Product(Int128 a, Int128 b, const Plan& plan, Int128* out) {
  Int128 product;
  if (plan.drop > 38 || __builtin_mul_overflow(a, b, &product)) {
    return WideProduct(a, b, plan, out);
  }
  if (plan.drop > 0) {
    Int128 quotient = product / plan.divisor;
    const Int128 remainder = product % plan.divisor;
    const Int128 twice = remainder < 0 ? -remainder * 2 : remainder * 2;
    if (twice >= plan.divisor) quotient += product < 0 ? -1 : 1;
    product = quotient;
  }
  if (product >= plan.limit || product <= -plan.limit) {
    return arrow::Status::Invalid("DECIMAL product does not fit in precision ",
                                  plan.precision);
  }
  *out = product;
  return arrow::Status::OK();
}

Int128 ValueAt(const cp::ExecValue& value, int64_t i) {
  if (value.is_scalar()) {
    return ToInt128(static_cast<const arrow::Decimal128Scalar&>(*value.scalar).value);
  }
  return DecimalAt(value.array.buffers[1].data + value.array.offset * 16, i);
}

int32_t ScaleOf(const cp::ExecValue& value) {
  return static_cast<const arrow::Decimal128Type&>(*value.type()).scale();
}

arrow::Status Exec(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                   cp::ExecResult* out) {
  const auto& options = static_cast<const OptionsState*>(ctx->state())->options;
  Plan plan;
  plan.drop = ScaleOf(batch[0]) + ScaleOf(batch[1]) - options.scale;
  if (plan.drop < 0) {
    return arrow::Status::Invalid(kDecimalMultiply, ": scale ", options.scale,
                                  " is above the exact product's");
  }
  plan.precision = options.precision;
  plan.limit = PowerOfTen(options.precision);
  if (plan.drop <= 38) plan.divisor = PowerOfTen(plan.drop);
  arrow::ArraySpan* output = out->array_span_mutable();
  uint8_t* values = output->buffers[1].data + output->offset * 16;
  for (int64_t i = 0; i < batch.length; ++i) {
    Int128 product = 0;
    if (IsValidAt(batch[0], i) && IsValidAt(batch[1], i)) {
      ARROW_RETURN_NOT_OK(
          Product(ValueAt(batch[0], i), ValueAt(batch[1], i), plan, &product));
    }
    std::memcpy(values + i * 16, &product, sizeof(product));
  }
  return arrow::Status::OK();
}

arrow::Status Register() {
  auto* registry = cp::GetFunctionRegistry();
  ARROW_RETURN_NOT_OK(registry->AddFunctionOptionsType(DecimalMultiplyOptions::Type()));
  auto function = std::make_shared<cp::ScalarFunction>(
      kDecimalMultiply, cp::Arity::Binary(),
      cp::FunctionDoc("Multiplies DECIMALs into a bounded DECIMAL, checked", "",
                      {"a", "b"}, "DecimalMultiplyOptions", /*options_required=*/true));
  const cp::OutputType result(
      [](cp::KernelContext* ctx,
         const std::vector<arrow::TypeHolder>&) -> arrow::Result<arrow::TypeHolder> {
        const auto& options = static_cast<const OptionsState*>(ctx->state())->options;
        return arrow::TypeHolder(arrow::decimal128(options.precision, options.scale));
      });
  cp::ScalarKernel kernel(
      {cp::InputType(arrow::Type::DECIMAL128), cp::InputType(arrow::Type::DECIMAL128)},
      result, Exec, InitOptions);
  kernel.null_handling = cp::NullHandling::INTERSECTION;
  kernel.mem_allocation = cp::MemAllocation::PREALLOCATE;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

}  // namespace

DecimalMultiplyOptions::DecimalMultiplyOptions(int32_t precision, int32_t scale)
    : cp::FunctionOptions(Type()), precision(precision), scale(scale) {}

const cp::FunctionOptionsType* DecimalMultiplyOptions::Type() {
  static const DecimalMultiplyOptionsType type;
  return &type;
}

arrow::Status RegisterDecimalMultiply() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice
