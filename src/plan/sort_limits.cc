#include "plan/sort_limits.h"

#include <algorithm>
#include <limits>

namespace sluice::plan {

namespace {

// The rows a LIMIT needs from the start of its input; -1 for all.
int64_t RowsNeeded(const LogicalNode& limit) {
  if (limit.count() < 0) return -1;
  if (limit.count() > std::numeric_limits<int64_t>::max() - limit.offset()) return -1;
  return limit.offset() + limit.count();
}

// `node` with its Sorts told how many rows are needed; `first` is what the nearest
// LIMIT above (through projections) needs of `node`, -1 if none.
arrow::Result<NodePtr> Rewrite(const NodePtr& node, int64_t first) {
  if (node->kind() == NodeKind::kScan) return node;
  int64_t for_inputs = -1;
  if (node->kind() == NodeKind::kLimit) for_inputs = RowsNeeded(*node);
  if (node->kind() == NodeKind::kProject) for_inputs = first;
  std::vector<NodePtr> inputs;
  for (const auto& input : node->inputs()) {
    ARROW_ASSIGN_OR_RAISE(auto rewritten, Rewrite(input, for_inputs));
    inputs.push_back(std::move(rewritten));
  }
  if (node->kind() != NodeKind::kSort || first < 0) {
    return WithInputs(node, std::move(inputs));
  }
  const int64_t needed =
      node->sort_first() < 0 ? first : std::min(first, node->sort_first());
  return LogicalNode::Sort(std::move(inputs[0]), node->sort_keys(), needed);
}

}  // namespace

arrow::Result<NodePtr> LimitSorts(const NodePtr& root) { return Rewrite(root, -1); }

}  // namespace sluice::plan
