#pragma once

#include <cstdint>

#include <arrow/acero/options.h>
#include <arrow/compute/ordering.h>
#include <arrow/status.h>

namespace sluice::exec {

// Options of the Acero node "sluice_top_k": the first `count` rows of the input in
// `ordering` (rows that tie at the cut are taken in no particular order).
class TopKOptions : public arrow::acero::ExecNodeOptions {
 public:
  TopKOptions(arrow::compute::Ordering ordering, int64_t count)
      : ordering(std::move(ordering)), count(count) {}

  arrow::compute::Ordering ordering;
  int64_t count;
};

// Registers "sluice_top_k", what ORDER BY ... LIMIT lowers to. It keeps the first
// `count` rows seen so far: batches are gathered until they hold 64Ki rows (or `count`),
// then the first `count` of them and the rows kept are selected (Arrow's select_k, a
// heap: about log(count) comparisons a row) and kept in order; at the end they are
// emitted, marked as ordered like Acero's "order_by". Acero's "order_by" gathers the
// whole input, sorts all of it (a merge sort whose comparisons of DECIMAL keys cost 40 ms
// for 150K rows) and takes every column of every row in the new order; here memory is
// bounded by the rows kept and one gathering, and only the kept rows are ever taken
// (TPC-H Q10 shows 20 of 38K rows of wide customer columns). Registers once; later calls
// do nothing.
arrow::Status RegisterTopKNode();

inline constexpr const char* kTopKNode = "sluice_top_k";

}  // namespace sluice::exec
