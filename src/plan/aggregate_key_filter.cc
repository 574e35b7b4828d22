#include "plan/aggregate_key_filter.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "plan/join_order.h"

namespace sluice::plan {

namespace {

// The source of keys must be estimated this many times smaller than the input.
constexpr double kMinReduction = 4;

// A subtree whose column `column` holds every value (but NULL) of a column above it.
struct KeySource {
  NodePtr node;
  std::string column;
};

// The input column a projection passes `column` through from, if it is a plain rename.
std::optional<std::string> RenamedFrom(const NodePtr& project,
                                       const std::string& column) {
  const int index = project->schema()->GetFieldIndex(column);
  if (index < 0) return std::nullopt;
  const auto* ref = project->exprs()[static_cast<size_t>(index)].field_ref();
  if (ref == nullptr || ref->name() == nullptr) return std::nullopt;
  return *ref->name();
}

// A scan under filters and projections: the source is read a second time for the keys,
// so it must be cheap to read, whatever its estimated size.
bool IsScanChain(const NodePtr& node) {
  if (node->kind() == NodeKind::kFilter || node->kind() == NodeKind::kProject)
    return IsScanChain(node->input());
  return node->kind() == NodeKind::kScan;
}

void Consider(const KeySource& candidate, std::optional<KeySource>* best,
              double* best_rows) {
  if (!IsScanChain(candidate.node)) return;
  const double rows = EstimateRows(candidate.node);
  if (!*best || rows < *best_rows) {
    *best = candidate;
    *best_rows = rows;
  }
}

// The smallest source of `column`'s values found below `node` that is a scan under
// filters and projections.
// It goes down through filters, renames, the group keys of aggregates and the sides of
// joins that keep their rows' values, and across the equalities joins are keyed on.
void FindSources(const NodePtr& node, const std::string& column,
                 std::optional<KeySource>* best, double* best_rows) {
  Consider({node, column}, best, best_rows);
  switch (node->kind()) {
    case NodeKind::kFilter:
      return FindSources(node->input(), column, best, best_rows);
    case NodeKind::kProject: {
      if (auto from = RenamedFrom(node, column))
        FindSources(node->input(), *from, best, best_rows);
      return;
    }
    case NodeKind::kAggregate: {
      const auto& keys = node->group_keys();
      if (std::find(keys.begin(), keys.end(), column) != keys.end())
        FindSources(node->input(), column, best, best_rows);
      return;
    }
    case NodeKind::kJoin: {
      if (node->join_kind() == JoinKind::kFull) return;
      const auto& inputs = node->inputs();
      const size_t side = inputs[0]->schema()->GetFieldIndex(column) >= 0 ? 0 : 1;
      if (inputs[side]->schema()->GetFieldIndex(column) < 0) return;
      FindSources(inputs[side], column, best, best_rows);
      // A key equal to `column` on every row that reaches the output: the other side.
      const JoinKind kind = node->join_kind();
      const bool inner_like = kind == JoinKind::kInner || kind == JoinKind::kSemi ||
                              kind == JoinKind::kRightSemi;
      if (!inner_like) return;
      const auto& mine = side == 0 ? node->left_keys() : node->right_keys();
      const auto& theirs = side == 0 ? node->right_keys() : node->left_keys();
      for (size_t k = 0; k < mine.size(); ++k) {
        if (mine[k] == column) FindSources(inputs[1 - side], theirs[k], best, best_rows);
      }
      return;
    }
    default:
      return;
  }
}

// `node` ([renaming projections over] a grouped aggregate) with the aggregate's input
// semi-joined with `source` on the group key `key` is read from; null if `node` is not
// such an aggregate or it does not pay.
arrow::Result<NodePtr> Filtered(const NodePtr& node, const std::string& key,
                                const NodePtr& other, const std::string& other_key) {
  if (node->kind() == NodeKind::kProject) {
    auto from = RenamedFrom(node, key);
    if (!from) return nullptr;
    ARROW_ASSIGN_OR_RAISE(auto input, Filtered(node->input(), *from, other, other_key));
    if (!input) return nullptr;
    return WithInputs(node, {std::move(input)});
  }
  if (node->kind() != NodeKind::kAggregate) return nullptr;
  const auto& keys = node->group_keys();
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) return nullptr;
  const double input_rows = EstimateRows(node->input());
  std::optional<KeySource> source;
  double source_rows = 0;
  FindSources(other, other_key, &source, &source_rows);
  if (!source || source_rows * kMinReduction > input_rows) return nullptr;
  auto input = LogicalNode::Join(node->input(), source->node, JoinKind::kSemi, {key},
                                 {source->column}, arrow::compute::literal(true));
  return LogicalNode::Aggregate(std::move(input), keys, node->aggregates());
}

// The join with its aggregate side filtered, or null.
arrow::Result<NodePtr> FilterJoin(const NodePtr& join) {
  const JoinKind kind = join->join_kind();
  // Which sides may lose the rows that match nothing on the other side.
  const bool left = kind == JoinKind::kInner || kind == JoinKind::kRight ||
                    kind == JoinKind::kRightSemi || kind == JoinKind::kRightAnti;
  const bool right = kind == JoinKind::kInner || kind == JoinKind::kLeft ||
                     kind == JoinKind::kSemi || kind == JoinKind::kAnti;
  const auto& inputs = join->inputs();
  for (size_t side = 0; side < 2; ++side) {
    if (!(side == 0 ? left : right)) continue;
    const auto& mine = side == 0 ? join->left_keys() : join->right_keys();
    const auto& theirs = side == 0 ? join->right_keys() : join->left_keys();
    for (size_t k = 0; k < mine.size(); ++k) {
      ARROW_ASSIGN_OR_RAISE(auto filtered,
                            Filtered(inputs[side], mine[k], inputs[1 - side], theirs[k]));
      if (!filtered) continue;
      std::vector<NodePtr> rebuilt = inputs;
      rebuilt[side] = std::move(filtered);
      return WithInputs(join, std::move(rebuilt));
    }
  }
  return nullptr;
}

}  // namespace

arrow::Result<NodePtr> FilterAggregatesByJoinKeys(const NodePtr& root) {
  std::vector<NodePtr> inputs;
  for (const auto& input : root->inputs()) {
    ARROW_ASSIGN_OR_RAISE(auto rewritten, FilterAggregatesByJoinKeys(input));
    inputs.push_back(std::move(rewritten));
  }
  NodePtr node = root;
  if (!inputs.empty()) {
    ARROW_ASSIGN_OR_RAISE(node, WithInputs(root, std::move(inputs)));
  }
  if (node->kind() != NodeKind::kJoin) return node;
  ARROW_ASSIGN_OR_RAISE(auto filtered, FilterJoin(node));
  return filtered ? filtered : node;
}

}  // namespace sluice::plan
