#pragma once

#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace sluice::delta {

// Delta's schema (a JSON struct type, the metaData's schemaString) to Arrow and back.
// Delta `timestamp` (microseconds, UTC) is Arrow timestamp[us, UTC]; an Arrow timestamp
// without a time zone is written as `timestamp` too (Sluice writes protocol 1/2 tables,
// which have no timestamp_ntz). Unsupported types are NotImplemented, naming the column.
arrow::Result<std::shared_ptr<arrow::Schema>> SchemaFromDelta(
    const std::string& schema_string);
arrow::Result<std::string> SchemaToDelta(const arrow::Schema& schema);

// Schema evolution (merge-schema writes): `schema_string` with the columns of `wanted`
// that `current` lacks appended, nullable. `wanted` must hold every column of `current`
// with the same type; Invalid names the column that does not. The existing fields keep
// their JSON (invariants, comments) as they were.
arrow::Result<std::string> AddColumnsToDelta(const std::string& schema_string,
                                             const arrow::Schema& current,
                                             const arrow::Schema& wanted);

}  // namespace sluice::delta
