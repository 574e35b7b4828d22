#include "plan/common_subexpressions.h"

#include <string>
#include <unordered_map>
#include <vector>

#include <arrow/compute/api.h>

#include "plan/optimizer.h"

namespace sluice::plan {

namespace {

struct ExpressionHash {
  size_t operator()(const Expression& expr) const { return expr.hash(); }
};

using Counts = std::unordered_map<Expression, int, ExpressionHash>;

// Counts every call over at least one column, nested ones too.
void CountCalls(const Expression& expr, Counts* counts) {
  const auto* call = expr.call();
  if (call == nullptr) return;
  if (!ReferencedColumns(expr).empty()) ++(*counts)[expr];
  for (const auto& arg : call->arguments) CountCalls(arg, counts);
}

// The largest call evaluated more than once (by its printed size), if any.
std::optional<Expression> LargestRepeated(const std::vector<Expression>& exprs) {
  Counts counts;
  for (const auto& expr : exprs) CountCalls(expr, &counts);
  std::optional<Expression> best;
  size_t best_size = 0;
  for (const auto& [expr, count] : counts) {
    if (count < 2) continue;
    const size_t size = expr.ToString().size();
    if (size > best_size) {
      best = expr;
      best_size = size;
    }
  }
  return best;
}

Expression Replace(const Expression& expr, const Expression& target,
                   const Expression& column) {
  if (expr == target) return column;
  const auto* call = expr.call();
  if (call == nullptr) return expr;
  std::vector<Expression> args;
  for (const auto& arg : call->arguments) args.push_back(Replace(arg, target, column));
  return arrow::compute::call(call->function_name, std::move(args), call->options);
}

arrow::Result<NodePtr> ShareInProject(const NodePtr& node, int* next_name) {
  std::vector<Expression> exprs = node->exprs();
  std::vector<Expression> shared;
  std::vector<std::string> shared_names;
  while (auto repeated = LargestRepeated(exprs)) {
    shared_names.push_back("common_subexpression$" + std::to_string((*next_name)++));
    const auto column = arrow::compute::field_ref(shared_names.back());
    for (auto& expr : exprs) expr = Replace(expr, *repeated, column);
    shared.push_back(*repeated);
  }
  if (shared.empty()) return node;
  std::vector<Expression> below;
  std::vector<std::string> below_names;
  for (const auto& field : node->input()->schema()->fields()) {
    below.push_back(arrow::compute::field_ref(field->name()));
    below_names.push_back(field->name());
  }
  below.insert(below.end(), shared.begin(), shared.end());
  below_names.insert(below_names.end(), shared_names.begin(), shared_names.end());
  ARROW_ASSIGN_OR_RAISE(auto lower,
                        LogicalNode::Project(node->input(), below, below_names));
  std::vector<std::string> names;
  for (const auto& field : node->schema()->fields()) names.push_back(field->name());
  return LogicalNode::Project(std::move(lower), std::move(exprs), std::move(names));
}

arrow::Result<NodePtr> Share(const NodePtr& node, int* next_name) {
  std::vector<NodePtr> inputs;
  for (const auto& input : node->inputs()) {
    ARROW_ASSIGN_OR_RAISE(auto shared, Share(input, next_name));
    inputs.push_back(std::move(shared));
  }
  ARROW_ASSIGN_OR_RAISE(auto rebuilt, WithInputs(node, std::move(inputs)));
  if (rebuilt->kind() != NodeKind::kProject) return rebuilt;
  return ShareInProject(rebuilt, next_name);
}

}  // namespace

arrow::Result<NodePtr> ShareCommonSubexpressions(const NodePtr& root) {
  int next_name = 0;
  return Share(root, &next_name);
}

}  // namespace sluice::plan
