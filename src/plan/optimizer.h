#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/logical_plan.h"

namespace sluice::plan {

// Rewrites a bound plan into an equivalent cheaper one:
//  - semi and anti joins moved down to the input whose columns they test
//  (semi_join_pushdown.h);
//  - join order: inner joins planned by region (join_order.h);
//  - filter pushdown: predicates move below projections, sorts and into the sides of
//  joins,
//    and reach scans as a skipping hint (files, row groups);
//  - projection pushdown: every node produces only columns that something above reads;
//  - common subexpressions: computed once per projection (common_subexpressions.h).
// The root's columns, their order and names never change. Limit pushdown happens in the
// stream driver, which stops the plan as soon as a top-level LIMIT is satisfied.
arrow::Result<NodePtr> Optimize(const NodePtr& root);

// Helpers shared with the binder.
std::vector<std::string> ReferencedColumns(const Expression& expr);
// Replaces each column reference named in `substitutions` by the mapped expression.
Expression Substitute(const Expression& expr,
                      const std::map<std::string, Expression>& substitutions);
// Splits a conjunction into its conjuncts (a AND b AND c -> [a, b, c]).
std::vector<Expression> SplitConjunction(const Expression& expr);
// Splits a disjunction into its branches (a OR b OR c -> [a, b, c]).
std::vector<Expression> SplitDisjunction(const Expression& expr);

}  // namespace sluice::plan
