#pragma once

#include "plan/logical_plan.h"

namespace sluice::plan {

// Tells each Sort under a LIMIT (through projections, which keep rows and their order)
// that only its first OFFSET + LIMIT rows are needed (LogicalNode::sort_first), so that
// it can keep just those while it reads its input. The LIMIT itself stays.
arrow::Result<NodePtr> LimitSorts(const NodePtr& root);

}  // namespace sluice::plan
