#pragma once

#include <memory>

#include <arrow/record_batch.h>

namespace sluice::python {

// Sluice's engine computes on Arrow's classic layouts, while Polars and DataFusion export
// strings and binaries as views (string_view, binary_view). Imports go through these:
// top-level view columns become string / binary (a copy of those columns only); any
// other data passes through untouched.
std::shared_ptr<arrow::Schema> WithoutViews(const std::shared_ptr<arrow::Schema>& schema);
std::shared_ptr<arrow::RecordBatch> CastViews(std::shared_ptr<arrow::RecordBatch> batch);
std::shared_ptr<arrow::RecordBatchReader> CastViews(
    std::shared_ptr<arrow::RecordBatchReader> reader);

}  // namespace sluice::python
