#pragma once

#include "plan/logical_plan.h"

namespace sluice::plan {

// Computes a projection's repeated subexpressions once: a call (over columns) that a
// Project node evaluates more than once, within one expression or across several, moves
// into a Project below it and is read back as a column. Acero evaluates every expression
// of a projection on its own, so `sum(p * (1 - d))` next to `sum(p * (1 - d) * (1 + t))`
// would otherwise compute the product twice. Calls are pure and evaluated for every row
// either way, so results and errors are unchanged.
arrow::Result<NodePtr> ShareCommonSubexpressions(const NodePtr& root);

}  // namespace sluice::plan
