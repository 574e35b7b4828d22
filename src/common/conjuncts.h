#pragma once

#include <vector>

#include <arrow/compute/expression.h>

namespace sluice {

// The conditions a filter's AND (and_kleene or and, nested) joins: a and (b and c) is
// [a, b, c]; anything else is itself. A row passes the filter only where every one is
// true, so each can prune or pre-filter on its own.
std::vector<arrow::compute::Expression> Conjuncts(const arrow::compute::Expression& expr);

}  // namespace sluice
