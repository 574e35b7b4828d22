#include "plan/semi_join_pushdown.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <arrow/compute/api.h>

#include "plan/join_order.h"
#include "plan/optimizer.h"

namespace sluice::plan {

namespace {

bool IsSemi(const NodePtr& node) {
  return node->kind() == NodeKind::kJoin &&
         (node->join_kind() == JoinKind::kSemi || node->join_kind() == JoinKind::kAnti);
}

bool Has(const NodePtr& node, const std::vector<std::string>& columns) {
  for (const auto& column : columns) {
    if (node->schema()->GetFieldIndex(column) < 0) return false;
  }
  return true;
}

// A semi join's test, apart from the input it filters.
struct SemiTest {
  NodePtr subquery;
  JoinKind kind;
  std::vector<std::string> keys, subquery_keys;
  Expression residual;

  // The columns of the filtered input the test reads.
  std::vector<std::string> Reads() const {
    std::vector<std::string> reads = keys;
    for (const auto& name : ReferencedColumns(residual)) {
      if (subquery->schema()->GetFieldIndex(name) < 0) reads.push_back(name);
    }
    return reads;
  }
};

// The test below a projection that only passes its columns through (under new names);
// nullopt where one of them is computed.
std::optional<SemiTest> BelowProjection(const NodePtr& project, const SemiTest& test) {
  std::map<std::string, Expression> inputs;
  for (size_t i = 0; i < project->exprs().size(); ++i) {
    inputs[project->schema()->field(static_cast<int>(i))->name()] = project->exprs()[i];
  }
  SemiTest below = test;
  below.keys.clear();
  for (const auto& key : test.keys) {
    const auto* ref = inputs.at(key).field_ref();
    if (ref == nullptr || ref->name() == nullptr) return std::nullopt;
    below.keys.push_back(*ref->name());
  }
  std::map<std::string, Expression> substitutions;
  for (const auto& name : test.Reads()) {
    const auto* ref = inputs.at(name).field_ref();
    if (ref == nullptr) return std::nullopt;
    substitutions[name] = inputs.at(name);
  }
  below.residual = Substitute(test.residual, substitutions);
  return below;
}

NodePtr Apply(const NodePtr& node, const SemiTest& test) {
  return LogicalNode::Join(node, test.subquery, test.kind, test.keys, test.subquery_keys,
                           test.residual);
}

// `node` with the test inside it, as far down as it goes; nullopt where it should not
// go into `node` at all (a join input it would reach is smaller than the subquery, or
// the way down is blocked): applied above a join region's member instead, it would
// split the region in two.
arrow::Result<std::optional<NodePtr>> Push(const NodePtr& node, const SemiTest& test) {
  switch (node->kind()) {
    case NodeKind::kFilter: {
      ARROW_ASSIGN_OR_RAISE(auto input, Push(node->input(), test));
      if (!input) return std::nullopt;
      return LogicalNode::Filter(std::move(*input), node->predicate());
    }
    case NodeKind::kProject: {
      auto below = BelowProjection(node, test);
      if (!below) return std::nullopt;
      ARROW_ASSIGN_OR_RAISE(auto input, Push(node->input(), *below));
      if (!input) return std::nullopt;
      return WithInputs(node, {std::move(*input)});
    }
    case NodeKind::kJoin: {
      const auto reads = test.Reads();
      const JoinKind kind = node->join_kind();
      std::vector<NodePtr> inputs = node->inputs();
      const bool left = kind == JoinKind::kInner || kind == JoinKind::kLeft ||
                        kind == JoinKind::kSemi || kind == JoinKind::kAnti;
      const bool right = kind == JoinKind::kInner || kind == JoinKind::kRight;
      for (size_t side = 0; side < 2; ++side) {
        if (!(side == 0 ? left : right) || !Has(inputs[side], reads)) continue;
        // Below, the test meets every row of that input: worth it where the subquery is
        // the smaller (a short list of keys), not where it is as large a table, whose
        // test is cheaper after the join has dropped most rows (TPC-H Q21).
        if (EstimateRows(test.subquery) >= EstimateRows(inputs[side]))
          return std::nullopt;
        ARROW_ASSIGN_OR_RAISE(auto pushed, Push(inputs[side], test));
        if (!pushed) return std::nullopt;
        inputs[side] = std::move(*pushed);
        return WithInputs(node, std::move(inputs));
      }
      return std::nullopt;
    }
    default:
      return Apply(node, test);
  }
}

arrow::Result<NodePtr> Rewrite(const NodePtr& node) {
  std::vector<NodePtr> inputs;
  for (const auto& input : node->inputs()) {
    ARROW_ASSIGN_OR_RAISE(auto rewritten, Rewrite(input));
    inputs.push_back(std::move(rewritten));
  }
  if (!IsSemi(node)) return WithInputs(node, std::move(inputs));
  SemiTest test{inputs[1], node->join_kind(), node->left_keys(), node->right_keys(),
                node->predicate()};
  ARROW_ASSIGN_OR_RAISE(auto pushed, Push(inputs[0], test));
  return pushed ? *pushed : Apply(inputs[0], test);
}

}  // namespace

arrow::Result<NodePtr> PushDownSemiJoins(const NodePtr& root) { return Rewrite(root); }

}  // namespace sluice::plan
