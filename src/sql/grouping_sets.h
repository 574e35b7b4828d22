#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "plan/logical_plan.h"
#include "sql/parser.h"

namespace sluice::sql {

// A GROUP BY clause with its GROUPING SETS, ROLLUP, CUBE and () expanded as PostgreSQL
// does: the items of the clause combine as a cross product, ROLLUP (a, b) is the sets
// (a, b), (a) and (), CUBE every subset, GROUPING SETS the union of its elements; a
// parenthesised list inside them is one element. `items` are the expressions in the
// order written (one entry per occurrence), and each set lists indices into `items`.
struct GroupByExpansion {
  std::vector<const Json*> items;
  std::vector<std::vector<size_t>> sets;
  // True if the clause used GROUPING SETS, ROLLUP, CUBE or (); otherwise `sets` is the
  // one set of every item.
  bool has_grouping_sets = false;
};

// At most this many sets (PostgreSQL's limit); more is an error naming the clause.
constexpr size_t kMaxGroupingSets = 4096;

// `select` is the SelectStmt body; `items` point into it.
arrow::Result<GroupByExpansion> ExpandGroupBy(const Json& select, std::string_view sql);

// GROUPING(a, b, ...): the keys of its arguments (indices into the GROUP BY keys) and
// the column holding its value, an INTEGER with bit n-1-i set where argument i is not
// in the row's grouping set.
struct GroupingCall {
  std::vector<size_t> keys;
  std::string output;
};

// The keys of an aggregate and the sets it groups by.
struct GroupedBy {
  std::vector<std::string> key_names;
  std::vector<std::shared_ptr<arrow::DataType>> key_types;
  // Keys from this index on (a correlated subquery's correlation keys) are in every set.
  size_t grouped_keys = 0;
  // Each set lists indices into the keys; none: one aggregate by every key.
  std::vector<std::vector<size_t>> sets;
};

// `input` aggregated by `calls` under each grouping set, as one relation (a union of
// one aggregate per set) with every key (NULL where a set leaves it out), every call's
// output and every GROUPING call's value. The input is read once per set.
arrow::Result<plan::NodePtr> AggregateGroupingSets(
    const plan::NodePtr& input, const GroupedBy& by,
    const std::vector<plan::AggregateCall>& calls,
    const std::vector<GroupingCall>& groupings);

}  // namespace sluice::sql
