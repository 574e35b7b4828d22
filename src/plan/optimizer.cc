#include "plan/optimizer.h"

#include <algorithm>
#include <set>

#include <arrow/type.h>

#include "plan/aggregate_key_filter.h"
#include "plan/common_subexpressions.h"
#include "plan/count_from_metadata.h"
#include "plan/join_order.h"
#include "plan/semi_join_pushdown.h"
#include "plan/sort_limits.h"

namespace sluice::plan {

namespace {

using arrow::compute::and_;

bool AllIn(const Expression& expr, const arrow::Schema& schema) {
  for (const auto& name : ReferencedColumns(expr)) {
    if (schema.GetFieldIndex(name) < 0) return false;
  }
  return true;
}

NodePtr WrapFilter(NodePtr node, const std::vector<Expression>& conjuncts) {
  if (conjuncts.empty()) return node;
  return LogicalNode::Filter(std::move(node), and_(conjuncts));
}

arrow::Result<NodePtr> PushDownFilters(const NodePtr& node,
                                       std::vector<Expression> conjuncts);

// Where the conjuncts of a join's filters go: into an input whose columns they use
// (where `to_left` / `to_right` allow it), else to `stay`.
struct Routed {
  std::vector<Expression> left, right;

  void Route(std::vector<Expression> conjuncts, const NodePtr& join, bool to_left,
             bool to_right, std::vector<Expression>* stay) {
    for (auto& conjunct : conjuncts) {
      if (to_left && AllIn(conjunct, *join->inputs()[0]->schema())) {
        left.push_back(std::move(conjunct));
      } else if (to_right && AllIn(conjunct, *join->inputs()[1]->schema())) {
        right.push_back(std::move(conjunct));
      } else {
        stay->push_back(std::move(conjunct));
      }
    }
  }
};

arrow::Result<NodePtr> PushIntoJoin(const NodePtr& node,
                                    std::vector<Expression> conjuncts) {
  const JoinKind kind = node->join_kind();
  Routed routed;
  // Filters above: below an outer join, a filter on the side whose rows may be padded
  // with NULLs would turn unmatched rows into matches; it must stay above.
  std::vector<Expression> above;
  routed.Route(std::move(conjuncts), node,
               kind == JoinKind::kInner || kind == JoinKind::kLeft ||
                   kind == JoinKind::kSemi || kind == JoinKind::kAnti,
               kind == JoinKind::kInner || kind == JoinKind::kRight ||
                   kind == JoinKind::kRightSemi || kind == JoinKind::kRightAnti,
               &above);
  // The join's own condition: a conjunct over one input's columns filters that input
  // first where that drops only rows that could never match (never rows the join keeps
  // unmatched: the preserved side of an outer join, the tested side of an anti join).
  std::vector<Expression> residual;
  routed.Route(
      SplitConjunction(node->predicate()), node,
      kind == JoinKind::kInner || kind == JoinKind::kRight || kind == JoinKind::kSemi ||
          kind == JoinKind::kRightSemi || kind == JoinKind::kRightAnti,
      kind == JoinKind::kInner || kind == JoinKind::kLeft || kind == JoinKind::kSemi ||
          kind == JoinKind::kAnti || kind == JoinKind::kRightSemi,
      &residual);
  ARROW_ASSIGN_OR_RAISE(auto new_left,
                        PushDownFilters(node->inputs()[0], std::move(routed.left)));
  ARROW_ASSIGN_OR_RAISE(auto new_right,
                        PushDownFilters(node->inputs()[1], std::move(routed.right)));
  auto join = LogicalNode::Join(
      new_left, new_right, kind, node->left_keys(), node->right_keys(),
      residual.empty() ? arrow::compute::literal(true) : and_(residual));
  return WrapFilter(join, above);
}

arrow::Result<NodePtr> PushDownFilters(const NodePtr& node,
                                       std::vector<Expression> conjuncts) {
  switch (node->kind()) {
    case NodeKind::kFilter: {
      for (auto& c : SplitConjunction(node->predicate()))
        conjuncts.push_back(std::move(c));
      return PushDownFilters(node->input(), std::move(conjuncts));
    }
    case NodeKind::kProject: {
      std::map<std::string, Expression> definitions;
      for (size_t i = 0; i < node->exprs().size(); ++i) {
        definitions[node->schema()->field(i)->name()] = node->exprs()[i];
      }
      std::vector<Expression> rewritten;
      for (const auto& c : conjuncts) rewritten.push_back(Substitute(c, definitions));
      ARROW_ASSIGN_OR_RAISE(auto input,
                            PushDownFilters(node->input(), std::move(rewritten)));
      std::vector<std::string> names;
      for (const auto& field : node->schema()->fields()) names.push_back(field->name());
      return LogicalNode::Project(input, node->exprs(), names);
    }
    case NodeKind::kSort: {
      ARROW_ASSIGN_OR_RAISE(auto input,
                            PushDownFilters(node->input(), std::move(conjuncts)));
      return LogicalNode::Sort(input, node->sort_keys(), node->sort_first());
    }
    case NodeKind::kJoin:
      return PushIntoJoin(node, std::move(conjuncts));
    case NodeKind::kScan: {
      if (conjuncts.empty()) return node;
      std::map<std::string, Expression> to_source;
      for (size_t i = 0; i < node->source_columns().size(); ++i) {
        to_source[node->schema()->field(i)->name()] =
            arrow::compute::field_ref(node->source_columns()[i]);
      }
      std::vector<Expression> hints = SplitConjunction(node->filter_hint());
      for (const auto& c : conjuncts) {
        auto hint = Substitute(c, to_source);
        if (std::find(hints.begin(), hints.end(), hint) == hints.end())
          hints.push_back(hint);
      }
      std::vector<std::string> names;
      for (const auto& field : node->schema()->fields()) names.push_back(field->name());
      auto scan =
          LogicalNode::Scan(node->source(), node->source_columns(), names, and_(hints));
      return WrapFilter(scan, conjuncts);
    }
    case NodeKind::kAggregate: {
      ARROW_ASSIGN_OR_RAISE(auto input, PushDownFilters(node->input(), {}));
      ARROW_ASSIGN_OR_RAISE(auto agg, LogicalNode::Aggregate(input, node->group_keys(),
                                                             node->aggregates()));
      return WrapFilter(agg, conjuncts);
    }
    case NodeKind::kLimit: {
      ARROW_ASSIGN_OR_RAISE(auto input, PushDownFilters(node->input(), {}));
      return WrapFilter(LogicalNode::Limit(input, node->offset(), node->count()),
                        conjuncts);
    }
    case NodeKind::kUnion: {
      // Every input has the union's column names: each takes the filters.
      std::vector<NodePtr> inputs;
      for (const auto& input : node->inputs()) {
        ARROW_ASSIGN_OR_RAISE(auto filtered, PushDownFilters(input, conjuncts));
        inputs.push_back(std::move(filtered));
      }
      return LogicalNode::Union(std::move(inputs));
    }
    case NodeKind::kWindow: {
      // A filter below would change the partitions the functions see.
      ARROW_ASSIGN_OR_RAISE(auto input, PushDownFilters(node->input(), {}));
      ARROW_ASSIGN_OR_RAISE(auto window,
                            LogicalNode::Window(input, node->partition_keys(),
                                                node->sort_keys(), node->window_calls()));
      return WrapFilter(window, conjuncts);
    }
  }
  return node;
}

void AddAll(std::set<std::string>* set, const std::vector<std::string>& names) {
  set->insert(names.begin(), names.end());
}

arrow::Result<NodePtr> Prune(const NodePtr& node, std::set<std::string> required,
                             bool is_root) {
  switch (node->kind()) {
    case NodeKind::kScan: {
      std::vector<std::string> columns, names;
      for (size_t i = 0; i < node->source_columns().size(); ++i) {
        if (is_root || required.count(node->schema()->field(i)->name())) {
          columns.push_back(node->source_columns()[i]);
          names.push_back(node->schema()->field(i)->name());
        }
      }
      if (columns.empty() && !node->source_columns().empty()) {
        // Nothing is read (count(*)), but rows must still flow: keep one column.
        columns.push_back(node->source_columns()[0]);
        names.push_back(node->schema()->field(0)->name());
      }
      return LogicalNode::Scan(node->source(), columns, names, node->filter_hint());
    }
    case NodeKind::kProject: {
      std::vector<Expression> exprs;
      std::vector<std::string> names;
      std::set<std::string> below;
      for (size_t i = 0; i < node->exprs().size(); ++i) {
        const auto& name = node->schema()->field(i)->name();
        if (!is_root && !required.count(name)) {
          if (!exprs.empty() || i + 1 < node->exprs().size()) continue;
          // Nothing above reads any column, but rows must still flow (count(*)): the
          // last one stays, as a constant, so that nothing is read for it.
          exprs.push_back(arrow::compute::literal(true));
          names.push_back(name);
          continue;
        }
        exprs.push_back(node->exprs()[i]);
        names.push_back(name);
        AddAll(&below, ReferencedColumns(node->exprs()[i]));
      }
      ARROW_ASSIGN_OR_RAISE(auto input, Prune(node->input(), std::move(below), false));
      return LogicalNode::Project(input, exprs, names);
    }
    case NodeKind::kFilter: {
      AddAll(&required, ReferencedColumns(node->predicate()));
      ARROW_ASSIGN_OR_RAISE(auto input,
                            Prune(node->input(), std::move(required), is_root));
      return LogicalNode::Filter(input, node->predicate());
    }
    case NodeKind::kAggregate: {
      std::set<std::string> below(node->group_keys().begin(), node->group_keys().end());
      for (const auto& agg : node->aggregates()) {
        if (!agg.input.empty()) below.insert(agg.input);
      }
      ARROW_ASSIGN_OR_RAISE(auto input, Prune(node->input(), std::move(below), false));
      return LogicalNode::Aggregate(input, node->group_keys(), node->aggregates());
    }
    case NodeKind::kSort: {
      for (const auto& key : node->sort_keys()) required.insert(key.column);
      ARROW_ASSIGN_OR_RAISE(auto input,
                            Prune(node->input(), std::move(required), is_root));
      return LogicalNode::Sort(input, node->sort_keys(), node->sort_first());
    }
    case NodeKind::kLimit: {
      ARROW_ASSIGN_OR_RAISE(auto input,
                            Prune(node->input(), std::move(required), is_root));
      return LogicalNode::Limit(input, node->offset(), node->count());
    }
    case NodeKind::kUnion: {
      // The same columns from every input (each is a projection to the union's names).
      std::vector<NodePtr> inputs;
      for (const auto& input : node->inputs()) {
        ARROW_ASSIGN_OR_RAISE(auto pruned, Prune(input, required, is_root));
        inputs.push_back(std::move(pruned));
      }
      return LogicalNode::Union(std::move(inputs));
    }
    case NodeKind::kWindow: {
      // Calls nobody reads are dropped; the input keeps what they and the rest need.
      std::vector<WindowCall> calls;
      for (const auto& call : node->window_calls()) {
        if (!is_root && !required.count(call.output)) continue;
        calls.push_back(call);
        if (!call.input.empty()) required.insert(call.input);
        if (!call.fallback.empty()) required.insert(call.fallback);
      }
      if (calls.empty()) return Prune(node->input(), std::move(required), is_root);
      AddAll(&required, node->partition_keys());
      for (const auto& key : node->sort_keys()) required.insert(key.column);
      ARROW_ASSIGN_OR_RAISE(auto input,
                            Prune(node->input(), std::move(required), is_root));
      return LogicalNode::Window(input, node->partition_keys(), node->sort_keys(),
                                 std::move(calls));
    }
    case NodeKind::kJoin: {
      AddAll(&required, node->left_keys());
      AddAll(&required, node->right_keys());
      AddAll(&required, ReferencedColumns(node->predicate()));
      ARROW_ASSIGN_OR_RAISE(auto left, Prune(node->inputs()[0], required, is_root));
      ARROW_ASSIGN_OR_RAISE(auto right, Prune(node->inputs()[1], required, is_root));
      return LogicalNode::Join(left, right, node->join_kind(), node->left_keys(),
                               node->right_keys(), node->predicate());
    }
  }
  return node;
}

}  // namespace

std::vector<std::string> ReferencedColumns(const Expression& expr) {
  std::vector<std::string> names;
  for (const auto& ref : arrow::compute::FieldsInExpression(expr)) {
    if (const std::string* name = ref.name()) names.push_back(*name);
  }
  return names;
}

Expression Substitute(const Expression& expr,
                      const std::map<std::string, Expression>& substitutions) {
  if (const auto* ref = expr.field_ref()) {
    if (const std::string* name = ref->name()) {
      auto it = substitutions.find(*name);
      if (it != substitutions.end()) return it->second;
    }
    return expr;
  }
  if (const auto* call = expr.call()) {
    std::vector<Expression> args;
    for (const auto& arg : call->arguments)
      args.push_back(Substitute(arg, substitutions));
    return arrow::compute::call(call->function_name, std::move(args), call->options);
  }
  return expr;
}

namespace {

// The arguments of nested calls of `function` (a and (b and c) -> [a, b, c]).
void Flatten(const Expression& expr, const std::string& function,
             std::vector<Expression>* out) {
  const auto* call = expr.call();
  if (call && call->function_name == function) {
    for (const auto& arg : call->arguments) Flatten(arg, function, out);
    return;
  }
  out->push_back(expr);
}

}  // namespace

std::vector<Expression> SplitConjunction(const Expression& expr) {
  if (expr == arrow::compute::literal(true)) return {};
  std::vector<Expression> out;
  Flatten(expr, "and_kleene", &out);
  return out;
}

std::vector<Expression> SplitDisjunction(const Expression& expr) {
  std::vector<Expression> out;
  Flatten(expr, "or_kleene", &out);
  return out;
}

arrow::Result<NodePtr> Optimize(const NodePtr& root) {
  // Filters first move down to the joins whose columns they need, so each inner-join
  // region has its conditions right above it; then the regions are planned and the
  // filters on single tables move on into the scans.
  ARROW_ASSIGN_OR_RAISE(auto placed, PushDownFilters(root, {}));
  ARROW_ASSIGN_OR_RAISE(placed, PushDownSemiJoins(placed));
  ARROW_ASSIGN_OR_RAISE(auto ordered, OrderJoins(placed));
  ARROW_ASSIGN_OR_RAISE(auto pushed, PushDownFilters(ordered, {}));
  ARROW_ASSIGN_OR_RAISE(pushed, FilterAggregatesByJoinKeys(pushed));
  std::set<std::string> all;
  for (const auto& field : root->schema()->fields()) all.insert(field->name());
  ARROW_ASSIGN_OR_RAISE(auto pruned, Prune(pushed, std::move(all), /*is_root=*/true));
  ARROW_ASSIGN_OR_RAISE(auto counted, CountFromMetadata(pruned));
  ARROW_ASSIGN_OR_RAISE(auto limited, LimitSorts(counted));
  return ShareCommonSubexpressions(limited);
}

}  // namespace sluice::plan
