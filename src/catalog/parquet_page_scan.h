#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <arrow/type_fwd.h>
#include <arrow/util/async_generator_fwd.h>

namespace arrow::dataset {
struct ScanOptions;
}  // namespace arrow::dataset

namespace sluice::catalog {

// Reads the row groups and pages of the Parquet file at `path` that may hold rows passing
// `options.filter` (bound to `options.dataset_schema`), as batches of the projected
// columns the file stores.
//
// Row groups are judged by their column chunk statistics. Within a kept row group, pages
// are judged by the file's page index (the column index of each filtered column, the
// offset index of every column read) and skipped without being decompressed or decoded.
// A page may be skipped only together with the same rows of every other column read, so
// the unit skipped is a run of rows between page starts common to all those columns;
// files written with pages of a fixed row count (Sluice's) have one page per unit.
// Rows of kept pages are not filtered here. Files without page indexes, and nested
// columns, are read by row group only.
//
// A string or binary column whose pages are all dictionary encoded is read as its
// dictionary indices and decoded by `DecodeDictionary`, which costs a fraction of the
// Parquet reader's value-by-value decoding; before that, rows the filter rejects on such
// columns alone are dropped (`DictionaryPrefilter`), so they are not decoded.
//
// `rows_read` (may be null) counts the rows read from the file, dropped ones included.
arrow::Result<arrow::AsyncGenerator<std::shared_ptr<arrow::RecordBatch>>> ScanParquetFile(
    const std::string& path, const arrow::dataset::ScanOptions& options,
    std::shared_ptr<std::atomic<int64_t>> rows_read);

}  // namespace sluice::catalog
