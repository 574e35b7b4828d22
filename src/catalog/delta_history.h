#pragma once

#include <memory>
#include <string>

#include "catalog/table_source.h"

namespace sluice::delta {
class DeltaTable;
}

namespace sluice::catalog {

// A Delta table's commit history as a table, newest first: version, timestamp,
// operation, operation_parameters (JSON), read_version, is_blind_append.
arrow::Result<std::shared_ptr<TableSource>> MakeHistorySource(delta::DeltaTable* table,
                                                              const std::string& name);

}  // namespace sluice::catalog
