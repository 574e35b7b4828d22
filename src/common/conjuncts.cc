#include "common/conjuncts.h"

namespace sluice {

namespace {

void Collect(const arrow::compute::Expression& expr,
             std::vector<arrow::compute::Expression>* out) {
  const auto* call = expr.call();
  if (call && (call->function_name == "and_kleene" || call->function_name == "and")) {
    for (const auto& argument : call->arguments) Collect(argument, out);
    return;
  }
  out->push_back(expr);
}

}  // namespace

std::vector<arrow::compute::Expression> Conjuncts(
    const arrow::compute::Expression& expr) {
  std::vector<arrow::compute::Expression> out;
  Collect(expr, &out);
  return out;
}

}  // namespace sluice
