#pragma once

#include "plan/logical_plan.h"

namespace sluice::plan {

// Answers `count(*)` of a whole table from its metadata: an aggregate without keys whose
// calls are all `count(*)`, over a scan with no filter (through projections, which keep
// every row), becomes a one-row table of the scan source's `ExactRows()`. A Delta table
// of any size is then counted from its log, and a Parquet file from its footer, without
// reading a data page. Anything else is left as it is.
arrow::Result<NodePtr> CountFromMetadata(const NodePtr& root);

}  // namespace sluice::plan
