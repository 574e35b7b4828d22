#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/type_fwd.h>

#include "catalog/table_source.h"

namespace arrow::dataset {
class Fragment;
struct ScanOptions;
}  // namespace arrow::dataset

namespace sluice::catalog {

// One data file of a scan.
struct FileToScan {
  std::shared_ptr<arrow::dataset::Fragment> fragment;
  std::string path;  // for error messages
  // Options for this file (projection, a filter to prune its row groups).
  std::shared_ptr<arrow::dataset::ScanOptions> options;
  // Columns the file does not store but whose value is known for all its rows
  // (partition values of Delta tables).
  std::map<std::string, std::shared_ptr<arrow::Scalar>> constants;
};

// A source reading `files` one after another, each through its format's async batch
// reader, or through `ScanParquetFile` for a Parquet file (both read ahead a
// bounded number of batches), producing the columns of `output` (by name; a column
// neither stored nor constant is NULL). Errors name the file.
ScanStream MakeFileSource(std::vector<FileToScan> files,
                          std::shared_ptr<arrow::Schema> output,
                          const ScanRequest& request);

// Scan options for reading `columns` (those of `file_schema` that are stored) with
// `filter` (bound here) pruning row groups by their statistics. With an `executor` (the
// query's), Parquet column chunks are decoded in parallel on it, a bounded few batches
// ahead; without, one column after another on the reading thread.
arrow::Result<std::shared_ptr<arrow::dataset::ScanOptions>> MakeFileScanOptions(
    const std::shared_ptr<arrow::Schema>& file_schema,
    const std::vector<std::string>& columns, const arrow::compute::Expression& filter,
    bool parquet, arrow::internal::Executor* executor,
    const std::vector<std::string>& dictionary_columns = {});

// The type a Parquet scan produces `field` as: dictionary<int32, string> for a string
// or binary column among `dictionary_columns`, else its own.
std::shared_ptr<arrow::DataType> ScanType(
    const std::shared_ptr<arrow::Field>& field,
    const std::vector<std::string>& dictionary_columns);

}  // namespace sluice::catalog
