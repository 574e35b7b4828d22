#pragma once

#include "plan/logical_plan.h"

namespace sluice::plan {

// Moves each semi and anti join (IN, EXISTS and their negations, decorrelated) down to
// the input whose columns it tests: through filters, renaming projections and the sides
// of inner joins (and the preserved side of outer joins), as long as the subquery is
// estimated smaller than that input. A semi join only keeps or drops rows by their
// values in those columns, so it can drop them before the join multiplies them:
// `o_orderkey IN (57 keys)` filters the orders before they meet the lineitems, rather
// than the 6M joined rows after.
arrow::Result<NodePtr> PushDownSemiJoins(const NodePtr& root);

}  // namespace sluice::plan
