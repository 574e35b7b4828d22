#pragma once

#include "plan/logical_plan.h"

namespace sluice::plan {

// Plans every region of inner joins (joins written with JOIN ... ON and comma-separated
// FROM items, with the filters above them) as a whole: the region's inputs ("leaves") and
// all its conditions are collected; conditions on one leaf filter that leaf; equalities
// between columns of two sides become hash-join keys, other conditions residual filters;
// equalities implied by chains of column equalities of one type are added (a join keys
// on one column of each such class). Filtered leaves first join a neighbour they
// shrink, preferably one not joined to the largest leaf. The rest are ordered greedily
// from table statistics: the largest leaf streams (probe side), and the smallest leaf
// connected to what is joined so far joins next, the smaller of the two sides being the
// hash table (build side). The region's output columns keep their names and order.
arrow::Result<NodePtr> OrderJoins(const NodePtr& node);

// About how many rows a plan produces (table statistics and fixed selectivities), for
// choosing build sides; never below 1.
double EstimateRows(const NodePtr& node);

}  // namespace sluice::plan
