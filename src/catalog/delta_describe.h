#pragma once

#include <memory>
#include <string>

#include "catalog/table_source.h"

namespace sluice::delta {
class DeltaTable;
}

namespace sluice::catalog {

// DESCRIBE HISTORY: a Delta table's commit history as a table, newest first: version,
// timestamp, operation, operation_parameters (JSON), read_version, is_blind_append.
arrow::Result<std::shared_ptr<TableSource>> MakeHistorySource(delta::DeltaTable* table,
                                                              const std::string& name);

// DESCRIBE DETAIL: one row about the table's newest version, as Delta engines show it:
// format, id, name, location, created_at, last_modified, version, partition_columns,
// num_files, size_in_bytes, properties (JSON), min_reader_version, min_writer_version,
// and warnings (unreadable checkpoints skipped, failed background checkpoints).
arrow::Result<std::shared_ptr<TableSource>> MakeDetailSource(delta::DeltaTable* table,
                                                             const std::string& name);

}  // namespace sluice::catalog
