#pragma once

#include <arrow/status.h>

namespace sluice::exec {

// Registers the Acero node "sluice_filter" (options: arrow::acero::FilterNodeOptions):
// Acero's filter, with the selected rows of fixed-width columns (integers, dates,
// decimals, doubles), of strings, and of dictionary arrays' indices (the dictionary
// kept) gathered by loops of our own. Arrow's filter kernel
// walks the selection run by run, which costs several nanoseconds a value when runs are
// short (a predicate keeping about half the rows, in no order); other columns go through
// Arrow's kernel. Rows whose predicate is NULL are dropped, as SQL's WHERE does.
// Registers once; later calls do nothing.
arrow::Status RegisterFilterNode();

inline constexpr const char* kFilterNode = "sluice_filter";

}  // namespace sluice::exec
