#pragma once

#include <string>

#include <arrow/compute/expression.h>
#include <arrow/status.h>

namespace sluice {

// `expr` with every comparison (=, <>, <, <=, >, >=) of two DECIMAL128 values of one
// scale computed by our own kernels ("sluice_decimal_less", ...), which compare the
// unscaled 128-bit integers inline; Arrow's go through an out-of-line operator per row
// (TPC-H Q6's three decimal comparisons cost about a sixth of the query). Same results,
// NULLs included. `expr` is bound to `schema` here; the result is unbound (Acero binds
// it). Registers the functions on first use.
arrow::Result<arrow::compute::Expression> WithFastDecimalComparisons(
    const arrow::compute::Expression& expr, const arrow::Schema& schema);

}  // namespace sluice
