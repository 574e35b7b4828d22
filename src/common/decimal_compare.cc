#include "common/decimal_compare.h"

#include <functional>
#include <map>
#include <optional>

#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/scalar.h>
#include <arrow/util/bitmap_generate.h>

#include "common/int128.h"

namespace sluice {

namespace cp = arrow::compute;

namespace {

Int128 ScalarValue(const arrow::Scalar& scalar) {
  return ToInt128(static_cast<const arrow::Decimal128Scalar&>(scalar).value);
}

// Writes compare(a[i], b[i]) for every row; NULLs are the executor's (INTERSECTION).
template <typename Compare>
arrow::Status Exec(cp::KernelContext*, const cp::ExecSpan& batch, cp::ExecResult* out) {
  arrow::ArraySpan* result = out->array_span_mutable();
  const cp::ExecValue& a = batch[0];
  const cp::ExecValue& b = batch[1];
  const Compare compare;
  int64_t i = 0;
  auto generate = [&](auto&& next) {
    arrow::internal::GenerateBitsUnrolled(result->buffers[1].data, result->offset,
                                          batch.length, next);
  };
  if (a.is_array() && b.is_scalar()) {
    const uint8_t* x = a.array.buffers[1].data + a.array.offset * 16;
    const Int128 y = ScalarValue(*b.scalar);
    generate([&] { return compare(DecimalAt(x, i++), y); });
  } else if (a.is_scalar() && b.is_array()) {
    const Int128 x = ScalarValue(*a.scalar);
    const uint8_t* y = b.array.buffers[1].data + b.array.offset * 16;
    generate([&] { return compare(x, DecimalAt(y, i++)); });
  } else if (a.is_array() && b.is_array()) {
    const uint8_t* x = a.array.buffers[1].data + a.array.offset * 16;
    const uint8_t* y = b.array.buffers[1].data + b.array.offset * 16;
    generate([&] {
      const bool bit = compare(DecimalAt(x, i), DecimalAt(y, i));
      ++i;
      return bit;
    });
  } else {
    return arrow::Status::Invalid("decimal comparison of two scalars");
  }
  return arrow::Status::OK();
}

// Arrow's comparison and ours.
const std::map<std::string, std::string>& Replacements() {
  static const std::map<std::string, std::string> names = {
      {"equal", "sluice_decimal_equal"},
      {"not_equal", "sluice_decimal_not_equal"},
      {"less", "sluice_decimal_less"},
      {"less_equal", "sluice_decimal_less_equal"},
      {"greater", "sluice_decimal_greater"},
      {"greater_equal", "sluice_decimal_greater_equal"}};
  return names;
}

template <typename Compare>
arrow::Status Add(cp::FunctionRegistry* registry, const std::string& name) {
  auto function = std::make_shared<cp::ScalarFunction>(
      name, cp::Arity::Binary(),
      cp::FunctionDoc("Compares two DECIMAL128 values of one scale", "", {"a", "b"}));
  cp::ScalarKernel kernel(
      {cp::InputType(arrow::Type::DECIMAL128), cp::InputType(arrow::Type::DECIMAL128)},
      arrow::boolean(), Exec<Compare>);
  kernel.null_handling = cp::NullHandling::INTERSECTION;
  kernel.mem_allocation = cp::MemAllocation::PREALLOCATE;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

arrow::Status Register() {
  auto* registry = cp::GetFunctionRegistry();
  ARROW_RETURN_NOT_OK(Add<std::equal_to<Int128>>(registry, "sluice_decimal_equal"));
  ARROW_RETURN_NOT_OK(
      Add<std::not_equal_to<Int128>>(registry, "sluice_decimal_not_equal"));
  ARROW_RETURN_NOT_OK(Add<std::less<Int128>>(registry, "sluice_decimal_less"));
  ARROW_RETURN_NOT_OK(
      Add<std::less_equal<Int128>>(registry, "sluice_decimal_less_equal"));
  ARROW_RETURN_NOT_OK(Add<std::greater<Int128>>(registry, "sluice_decimal_greater"));
  return Add<std::greater_equal<Int128>>(registry, "sluice_decimal_greater_equal");
}

// An integer constant as a DECIMAL128 constant of `type`'s scale, if it fits in 38
// digits.
std::optional<cp::Expression> AsDecimal(const cp::Expression& expr,
                                        const arrow::DataType& type) {
  const auto* literal = expr.literal();
  if (!literal || !literal->is_scalar() || !arrow::is_integer(literal->type()->id()) ||
      !literal->scalar()->is_valid) {
    return std::nullopt;
  }
  const auto scale = static_cast<const arrow::Decimal128Type&>(type).scale();
  auto value = literal->scalar()->CastTo(arrow::decimal128(38, scale));
  if (!value.ok()) return std::nullopt;  // beyond 38 digits: Arrow's comparison decides
  return cp::literal(std::move(*value));
}

// Whether both arguments are DECIMAL128 of one scale (their unscaled values compare as
// the numbers do), not both constants.
bool SameScaleDecimals(const std::vector<cp::Expression>& args) {
  if (args.size() != 2 || !args[0].type() || !args[1].type()) return false;
  const auto* a = args[0].type();
  const auto* b = args[1].type();
  if (a->id() != arrow::Type::DECIMAL128 || b->id() != arrow::Type::DECIMAL128) {
    return false;
  }
  if (args[0].literal() && args[1].literal()) return false;
  return static_cast<const arrow::Decimal128Type&>(*a).scale() ==
         static_cast<const arrow::Decimal128Type&>(*b).scale();
}

cp::Expression Rewrite(const cp::Expression& expr) {
  const auto* call = expr.call();
  if (call == nullptr) return expr;
  std::vector<cp::Expression> args;
  for (const auto& arg : call->arguments) args.push_back(Rewrite(arg));
  auto replacement = Replacements().find(call->function_name);
  if (replacement != Replacements().end() && args.size() == 2) {
    // Judged on the bound arguments (rewritten ones are unbound). A DECIMAL compared
    // with an integer constant: the constant at the DECIMAL's scale.
    std::vector<cp::Expression> typed = call->arguments;
    for (size_t i = 0; i < 2; ++i) {
      const auto* other = typed[1 - i].type();
      if (!other || other->id() != arrow::Type::DECIMAL128) continue;
      if (auto decimal = AsDecimal(typed[i], *other)) args[i] = typed[i] = *decimal;
    }
    if (SameScaleDecimals(typed)) return cp::call(replacement->second, std::move(args));
    args = {Rewrite(call->arguments[0]), Rewrite(call->arguments[1])};
  }
  return cp::call(call->function_name, std::move(args), call->options);
}

}  // namespace

arrow::Result<cp::Expression> WithFastDecimalComparisons(const cp::Expression& expr,
                                                         const arrow::Schema& schema) {
  static const arrow::Status registered = Register();
  ARROW_RETURN_NOT_OK(registered);
  ARROW_ASSIGN_OR_RAISE(auto bound, expr.Bind(schema));
  return Rewrite(bound);
}

}  // namespace sluice
