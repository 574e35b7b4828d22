#pragma once

#include "plan/logical_plan.h"

namespace sluice::plan {

// Filters the input of a grouped aggregate by the keys the join above it can match.
// A correlated subquery is decorrelated into an aggregate grouped by its correlation
// key and joined to the outer query on that key (TPC-H Q17: the average quantity of
// every part, joined to the parts of one brand). Only the groups whose key the other
// side has can matter, so the aggregate's input is semi-joined first with a small
// source of those keys: the smallest subtree of the other side that holds every value
// of its join key (a filtered scan, or the other side of an equality it was joined on).
// 6M lineitems become the few thousand of the brand's parts before they are grouped.
//
// Applies to inner joins, and to the side of an outer, semi or anti join whose unmatched
// rows are dropped; where the source is estimated well below the aggregate's input.
arrow::Result<NodePtr> FilterAggregatesByJoinKeys(const NodePtr& root);

}  // namespace sluice::plan
