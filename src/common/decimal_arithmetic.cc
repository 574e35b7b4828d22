#include "common/decimal_arithmetic.h"

#include <cstring>
#include <string>
#include <type_traits>

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

class DecimalArithmeticOptionsType : public cp::FunctionOptionsType {
 public:
  const char* type_name() const override { return "SluiceDecimalArithmeticOptions"; }
  std::string Stringify(const cp::FunctionOptions& options) const override {
    const auto& o = static_cast<const DecimalArithmeticOptions&>(options);
    return "DecimalArithmeticOptions(" + std::to_string(o.precision) + ", " +
           std::to_string(o.scale) + ")";
  }
  bool Compare(const cp::FunctionOptions& a,
               const cp::FunctionOptions& b) const override {
    const auto& x = static_cast<const DecimalArithmeticOptions&>(a);
    const auto& y = static_cast<const DecimalArithmeticOptions&>(b);
    return x.precision == y.precision && x.scale == y.scale;
  }
  std::unique_ptr<cp::FunctionOptions> Copy(
      const cp::FunctionOptions& options) const override {
    const auto& o = static_cast<const DecimalArithmeticOptions&>(options);
    return std::make_unique<DecimalArithmeticOptions>(o.precision, o.scale);
  }
};

struct OptionsState : cp::KernelState {
  explicit OptionsState(const DecimalArithmeticOptions& given) : options(given) {}
  DecimalArithmeticOptions options;
};

arrow::Result<std::unique_ptr<cp::KernelState>> InitOptions(
    cp::KernelContext*, const cp::KernelInitArgs& args) {
  if (args.options == nullptr) {
    return arrow::Status::Invalid("DECIMAL arithmetic needs DecimalArithmeticOptions");
  }
  return std::make_unique<OptionsState>(
      static_cast<const DecimalArithmeticOptions&>(*args.options));
}

enum class Op { kAdd, kSubtract, kMultiply };

// What the kernel needs per call.
struct Plan {
  Op op = Op::kAdd;
  int32_t precision = 38;
  Int128 limit = 1;  // 10^precision
  // add, subtract: the factors bringing each input to the result's scale.
  Int128 factor_a = 1;
  Int128 factor_b = 1;
  // multiply: how many digits to drop from the exact product.
  int32_t drop = 0;
  Int128 divisor = 1;  // 10^drop, when drop <= 38
};

const char* ResultName(Op op) {
  switch (op) {
    case Op::kAdd:
      return "sum";
    case Op::kSubtract:
      return "difference";
    case Op::kMultiply:
      break;
  }
  return "product";
}

arrow::Status DoesNotFit(const Plan& plan) {
  return arrow::Status::Invalid("DECIMAL ", ResultName(plan.op),
                                " does not fit in precision ", plan.precision);
}

// The exact result, where the operation needs no rounding: false where it does not fit
// the precision (or 128 bits). Inline, without branches on the values.
template <Op kOp>
inline bool Exact(Int128 a, Int128 b, const Plan& plan, Int128* out) {
  Int128 result;
  bool overflow;
  if constexpr (kOp == Op::kMultiply) {
    overflow = __builtin_mul_overflow(a, b, &result);
  } else {
    overflow = plan.factor_a != 1 && __builtin_mul_overflow(a, plan.factor_a, &a);
    overflow |= plan.factor_b != 1 && __builtin_mul_overflow(b, plan.factor_b, &b);
    overflow |= kOp == Op::kAdd ? __builtin_add_overflow(a, b, &result)
                                : __builtin_sub_overflow(a, b, &result);
  }
  *out = result;
  return !overflow & (result < plan.limit) & (result > -plan.limit);
}

// The exact product in 256 bits, rounded and checked.
arrow::Status WideProduct(Int128 a, Int128 b, const Plan& plan, Int128* out) {
  const auto as_256 = [](Int128 v) {
    return arrow::Decimal256(
        arrow::Decimal128(static_cast<int64_t>(v >> 64), static_cast<uint64_t>(v)));
  };
  const arrow::Decimal256 product =
      (as_256(a) * as_256(b)).ReduceScaleBy(plan.drop, /*round=*/true);
  if (!product.FitsInPrecision(plan.precision)) return DoesNotFit(plan);
  const auto words = product.little_endian_array();
  *out = (static_cast<Int128>(static_cast<int64_t>(words[1])) << 64) |
         static_cast<Int128>(words[0]);
  return arrow::Status::OK();
}

// A product rounded to `plan.drop` fewer digits.
arrow::Status RoundedProduct(Int128 a, Int128 b, const Plan& plan, Int128* out) {
  Int128 product;
  if (plan.drop > 38 || __builtin_mul_overflow(a, b, &product)) {
    return WideProduct(a, b, plan, out);
  }
  Int128 quotient = product / plan.divisor;
  const Int128 remainder = product % plan.divisor;
  const Int128 twice = remainder < 0 ? -remainder * 2 : remainder * 2;
  if (twice >= plan.divisor) quotient += product < 0 ? -1 : 1;
  if (quotient >= plan.limit || quotient <= -plan.limit) return DoesNotFit(plan);
  *out = quotient;
  return arrow::Status::OK();
}

// One input: an array's values, or a constant repeated.
struct Operand {
  explicit Operand(const cp::ExecValue& value) {
    if (value.is_scalar()) {
      constant =
          ToInt128(static_cast<const arrow::Decimal128Scalar&>(*value.scalar).value);
    } else {
      values = value.array.buffers[1].data + value.array.offset * 16;
    }
  }
  Int128 At(int64_t i) const { return values ? DecimalAt(values, i) : constant; }

  const uint8_t* values = nullptr;
  Int128 constant = 0;
};

// The values of an array operand; the value of a constant one.
struct ArrayValues {
  Int128 At(int64_t i) const { return DecimalAt(values, i); }
  const uint8_t* values;
};
struct Constant {
  Int128 At(int64_t) const { return value; }
  Int128 value;
};

// Every row, NULL or not (a NULL row's result is hidden by the executor's validity
// bitmap); false where some row did not fit. The plan is a copy: the stores to `out`
// cannot change it, so it stays in registers.
template <Op kOp, typename A, typename B>
bool ExactRows(A a, B b, int64_t length, const Plan plan, uint8_t* out) {
  bool fits = true;
  for (int64_t i = 0; i < length; ++i) {
    Int128 result;
    fits &= Exact<kOp>(a.At(i), b.At(i), plan, &result);
    std::memcpy(out + i * 16, &result, sizeof(result));
  }
  return fits;
}

// Calls fn with the accessors for operands a and b (arrays or constants).
template <typename Fn>
bool WithAccessors(const Operand& a, const Operand& b, Fn&& fn) {
  if (a.values && b.values) return fn(ArrayValues{a.values}, ArrayValues{b.values});
  if (a.values) return fn(ArrayValues{a.values}, Constant{b.constant});
  if (b.values) return fn(Constant{a.constant}, ArrayValues{b.values});
  return fn(Constant{a.constant}, Constant{b.constant});
}

// Calls fn with `op` as a compile-time constant.
template <typename Fn>
bool WithOp(Op op, Fn&& fn) {
  switch (op) {
    case Op::kAdd:
      return fn(std::integral_constant<Op, Op::kAdd>());
    case Op::kSubtract:
      return fn(std::integral_constant<Op, Op::kSubtract>());
    case Op::kMultiply:
      break;
  }
  return fn(std::integral_constant<Op, Op::kMultiply>());
}

// ExactRows where every value fits 64 bits (TPC-H's prices, say, held as DECIMAL128):
// a 64 x 64-bit product cannot overflow 128 bits, so only the precision is checked.
// False where some row did not fit the precision or some value is wider than 64 bits.
template <Op kOp, typename A, typename B>
bool NarrowRows(A a, B b, int64_t length, const Plan plan, uint8_t* out) {
  const auto factor_a = static_cast<int64_t>(plan.factor_a);
  const auto factor_b = static_cast<int64_t>(plan.factor_b);
  bool fits = true;
  for (int64_t i = 0; i < length; ++i) {
    const Int128 x = a.At(i), y = b.At(i);
    const auto x64 = static_cast<int64_t>(x), y64 = static_cast<int64_t>(y);
    fits &= (x == x64) & (y == y64);
    Int128 result;
    if constexpr (kOp == Op::kMultiply) {
      result = static_cast<Int128>(x64) * y64;
    } else {
      const Int128 left = static_cast<Int128>(x64) * factor_a;
      const Int128 right = static_cast<Int128>(y64) * factor_b;
      result = kOp == Op::kAdd ? left + right : left - right;
    }
    fits &= (result < plan.limit) & (result > -plan.limit);
    std::memcpy(out + i * 16, &result, sizeof(result));
  }
  return fits;
}

// Whether NarrowRows applies: an exact product, or factors that fit 64 bits.
bool NarrowPlan(const Plan& plan) {
  static const Int128 kWidestFactor = PowerOfTen(18);
  if (plan.op == Op::kMultiply) return plan.drop == 0;
  return plan.factor_a <= kWidestFactor && plan.factor_b <= kWidestFactor;
}

// Every row computed without rounding; false where some row needs the checked pass.
bool AllRowsFit(const Operand& a, const Operand& b, int64_t length, const Plan& plan,
                uint8_t* out) {
  if (plan.op == Op::kMultiply && plan.drop > 0) return false;
  return WithOp(plan.op, [&](auto op) {
    return WithAccessors(a, b, [&](auto x, auto y) {
      return (NarrowPlan(plan) && NarrowRows<op>(x, y, length, plan, out)) ||
             ExactRows<op>(x, y, length, plan, out);
    });
  });
}

bool ExactOne(Int128 a, Int128 b, const Plan& plan, Int128* out) {
  return WithOp(plan.op, [&](auto op) { return Exact<op>(a, b, plan, out); });
}

// Row by row, skipping NULLs: what the fast pass could not settle (rounded products,
// and values that did not fit, which may be in NULL rows only).
arrow::Status CheckedRows(const cp::ExecSpan& batch, const Plan& plan, uint8_t* out) {
  const Operand a(batch[0]), b(batch[1]);
  const bool rounded = plan.op == Op::kMultiply && plan.drop > 0;
  for (int64_t i = 0; i < batch.length; ++i) {
    Int128 result = 0;
    if (IsValidAt(batch[0], i) && IsValidAt(batch[1], i)) {
      if (rounded) {
        ARROW_RETURN_NOT_OK(RoundedProduct(a.At(i), b.At(i), plan, &result));
      } else if (!ExactOne(a.At(i), b.At(i), plan, &result)) {
        return DoesNotFit(plan);
      }
    }
    std::memcpy(out + i * 16, &result, sizeof(result));
  }
  return arrow::Status::OK();
}

int32_t ScaleOf(const cp::ExecValue& value) {
  return static_cast<const arrow::Decimal128Type&>(*value.type()).scale();
}

arrow::Result<Plan> MakePlan(Op op, const cp::ExecSpan& batch,
                             const DecimalArithmeticOptions& options) {
  Plan plan;
  plan.op = op;
  plan.precision = options.precision;
  plan.limit = PowerOfTen(options.precision);
  const int32_t a = ScaleOf(batch[0]), b = ScaleOf(batch[1]);
  if (op == Op::kMultiply) {
    plan.drop = a + b - options.scale;
    if (plan.drop < 0) {
      return arrow::Status::Invalid(kDecimalMultiply, ": scale ", options.scale,
                                    " is above the exact product's");
    }
    if (plan.drop <= 38) plan.divisor = PowerOfTen(plan.drop);
    return plan;
  }
  if (options.scale < a || options.scale < b) {
    return arrow::Status::Invalid("DECIMAL ", ResultName(op), ": scale ", options.scale,
                                  " is below an input's");
  }
  plan.factor_a = PowerOfTen(options.scale - a);
  plan.factor_b = PowerOfTen(options.scale - b);
  return plan;
}

template <Op kOp>
arrow::Status Exec(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                   cp::ExecResult* out) {
  const auto& options = static_cast<const OptionsState*>(ctx->state())->options;
  ARROW_ASSIGN_OR_RAISE(const Plan plan, MakePlan(kOp, batch, options));
  arrow::ArraySpan* output = out->array_span_mutable();
  uint8_t* values = output->buffers[1].data + output->offset * 16;
  if (AllRowsFit(Operand(batch[0]), Operand(batch[1]), batch.length, plan, values)) {
    return arrow::Status::OK();
  }
  return CheckedRows(batch, plan, values);
}

arrow::Status AddFunction(cp::FunctionRegistry* registry, const char* name,
                          const char* summary, cp::ArrayKernelExec exec) {
  auto function = std::make_shared<cp::ScalarFunction>(
      name, cp::Arity::Binary(),
      cp::FunctionDoc(summary, "", {"a", "b"}, "DecimalArithmeticOptions",
                      /*options_required=*/true));
  const cp::OutputType result(
      [](cp::KernelContext* ctx,
         const std::vector<arrow::TypeHolder>&) -> arrow::Result<arrow::TypeHolder> {
        const auto& options = static_cast<const OptionsState*>(ctx->state())->options;
        return arrow::TypeHolder(arrow::decimal128(options.precision, options.scale));
      });
  cp::ScalarKernel kernel(
      {cp::InputType(arrow::Type::DECIMAL128), cp::InputType(arrow::Type::DECIMAL128)},
      result, exec, InitOptions);
  kernel.null_handling = cp::NullHandling::INTERSECTION;
  kernel.mem_allocation = cp::MemAllocation::PREALLOCATE;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

arrow::Status Register() {
  auto* registry = cp::GetFunctionRegistry();
  ARROW_RETURN_NOT_OK(registry->AddFunctionOptionsType(DecimalArithmeticOptions::Type()));
  ARROW_RETURN_NOT_OK(
      AddFunction(registry, kDecimalAdd, "Adds DECIMALs, checked", Exec<Op::kAdd>));
  ARROW_RETURN_NOT_OK(AddFunction(registry, kDecimalSubtract,
                                  "Subtracts DECIMALs, checked", Exec<Op::kSubtract>));
  return AddFunction(registry, kDecimalMultiply, "Multiplies DECIMALs, checked",
                     Exec<Op::kMultiply>);
}

}  // namespace

DecimalArithmeticOptions::DecimalArithmeticOptions(int32_t precision, int32_t scale)
    : cp::FunctionOptions(Type()), precision(precision), scale(scale) {}

const cp::FunctionOptionsType* DecimalArithmeticOptions::Type() {
  static const DecimalArithmeticOptionsType type;
  return &type;
}

arrow::Status RegisterDecimalArithmetic() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice
