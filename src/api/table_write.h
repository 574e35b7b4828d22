#pragma once

#include <memory>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/delta_table.h"

namespace sluice {

// Writes `rows` into `table` in one commit, appended or (overwrite) replacing every row:
// table columns are matched by name (a missing column is NULL, an unknown one KeyError),
// cast as INSERT casts, NOT NULL and the table's invariants checked. `options` carries
// the txn and how the commit is named; its invariant checks are filled in here.
arrow::Result<delta::WriteResult> WriteByName(
    delta::DeltaTable* table, std::shared_ptr<arrow::RecordBatchReader> rows,
    bool overwrite, delta::WriteOptions options);

}  // namespace sluice
