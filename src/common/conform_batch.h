#pragma once

#include <memory>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace sluice {

// A reader's batches must all have its schema, but producers differ on nullability and
// metadata (Spark servers give a column NOT NULL in one response and nullable in the
// next; an analyzed schema may not match the executed one). Returns `batch` relabelled
// with `schema`, without a copy, when the two differ only in field nullability or
// metadata and no column holds NULLs that `schema` says it has none; otherwise Invalid,
// naming both schemas and `where`.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformBatch(
    std::shared_ptr<arrow::RecordBatch> batch,
    const std::shared_ptr<arrow::Schema>& schema, const char* where);

}  // namespace sluice
