#pragma once

#include <memory>
#include <string>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/actions.h"

namespace sluice::delta {

// The local path of an add or remove action's file: relative paths are under `root`,
// absolute `file:` URIs and paths are taken as they are.
std::string DataFilePath(const std::string& root, const std::string& path);

// What holds for every row of `add`: its partition values, and for columns without
// NULLs the min/max range of its statistics. literal(true) when nothing is known.
arrow::compute::Expression FileGuarantee(const AddFile& add, const arrow::Schema& schema);

// Whether some row of `add` may satisfy `predicate` (bound or unbound, over `schema`'s
// column names), judged from its partition values and statistics alone.
arrow::Result<bool> FileMayMatch(const AddFile& add, const arrow::Schema& schema,
                                 const arrow::compute::Expression& predicate);

// The rows of one data file with every column of `schema` in order: partition columns
// from the action's partition values, stored columns by name (cast to the table's type
// where the file's differs), columns missing from the file as NULLs. Streams row group by
// row group.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> ReadDataFile(
    const std::string& root, const AddFile& add,
    const std::shared_ptr<arrow::Schema>& schema);

// The number of rows of `add`: numRecords from its statistics, else the Parquet footer.
arrow::Result<int64_t> DataFileRows(const std::string& root, const AddFile& add);

}  // namespace sluice::delta
