#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/delta_table.h"

namespace sluice {

// How WriteByName changes a table.
struct TableWrite {
  enum class Mode {
    kAppend,     // the rows are added
    kOverwrite,  // the rows replace every row of the table
    kUpsert,     // the rows replace those with the same keys; the others are added
  };
  Mode mode = Mode::kAppend;
  std::vector<std::string> keys;  // kUpsert: the key columns
  // Columns of the rows that the table lacks are added to it (nullable, at the end) in
  // the same commit, instead of being a KeyError. Not with kOverwrite.
  bool merge_schema = false;
};

// Writes `rows` into `table` in one commit, as `how` says: table columns are matched by
// name (a missing column is NULL, an unknown one KeyError unless merged), cast as INSERT
// casts, NOT NULL and the table's invariants checked. `options` carries the txn and how
// the commit is named; its invariant checks and merged schema are filled in here.
arrow::Result<delta::WriteResult> WriteByName(
    delta::DeltaTable* table, std::shared_ptr<arrow::RecordBatchReader> rows,
    const TableWrite& how, delta::WriteOptions options);

}  // namespace sluice
