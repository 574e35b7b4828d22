#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>

#include "delta/actions.h"

namespace sluice::delta {

class DataWriter;

// A column invariant (writer version 2): `expression`, a SQL boolean expression over the
// table's columns, must be true for every row written. Kept in the Delta schema as the
// field metadata "delta.invariants" = {"expression": {"expression": "..."}}.
struct Invariant {
  std::string column;  // dotted for nested fields
  std::string expression;
};

// An invariant compiled by the caller (the SQL layer) into a boolean expression over the
// table's columns by name.
struct InvariantCheck {
  Invariant invariant;
  arrow::compute::Expression condition;
};

// The invariants of the table's schema, in schema order.
std::vector<Invariant> InvariantsOf(const Metadata& metadata);

// What every write checks before it writes a file: NotImplemented, naming the version
// and features, for a protocol that needs a writer newer than Sluice's (2); Invalid for
// an `operation` that removes data (`removes_data`) on a table with delta.appendOnly.
arrow::Status CheckWritable(const Protocol& protocol, const Metadata& metadata,
                            const std::string& root, std::string_view operation,
                            bool removes_data);

// Invalid, naming the column, the invariant and the first offending row, unless every
// condition is true for every row of `batch` (NULL is a violation: an invariant must
// hold).
arrow::Status CheckInvariants(const std::vector<InvariantCheck>& checks,
                              const arrow::RecordBatch& batch);

// TypeError naming both schemas unless `incoming` has the table's columns (names and
// types, in order).
arrow::Status CheckWriteSchema(const arrow::Schema& incoming, const arrow::Schema& table,
                               const std::string& root);

// Writes every batch of `data` (may be null: no rows) through `writer`, checking the
// invariants first; on failure the files written are deleted.
arrow::Result<std::vector<AddFile>> WriteAll(arrow::RecordBatchReader* data,
                                             DataWriter* writer,
                                             const std::vector<InvariantCheck>& checks);

}  // namespace sluice::delta
