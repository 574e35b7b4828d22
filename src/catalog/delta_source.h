#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "catalog/dictionary_sizes.h"
#include "catalog/table_source.h"

namespace sluice::delta {
class Snapshot;
}

namespace sluice::catalog {

// One version of a Delta table as a scan source. Partition columns come from the log,
// not the files. A scan skips whole files whose partition values or min/max statistics
// prove that no row can pass the query's filter. Each data file is one unit of
// partitioning.
class DeltaSource : public TableSource {
 public:
  explicit DeltaSource(std::shared_ptr<const delta::Snapshot> snapshot);

  std::shared_ptr<arrow::Schema> schema() const override;
  std::string Describe() const override;
  int MaxPartitions() const override;
  // numRecords from the files' statistics (their sizes where a file has none).
  std::optional<int64_t> EstimatedRows() const override;
  std::optional<int64_t> ExactRows() const override;
  // Integer columns: at most max - min + 1, from the files' statistics. Others: the
  // entries of the first data file's dictionary for the column, where it has one.
  std::optional<int64_t> EstimatedDistinct(const std::string& column) const override;
  arrow::Result<ScanStream> MakeScan(const ScanRequest& request) const override;

  const std::shared_ptr<const delta::Snapshot>& snapshot() const { return snapshot_; }

 private:
  std::shared_ptr<const delta::Snapshot> snapshot_;
  std::shared_ptr<arrow::Schema> file_schema_;  // the columns stored in data files
  void Estimate() const;
  mutable std::once_flag estimate_once_;
  mutable int64_t estimated_rows_ = 0;
  mutable std::optional<int64_t> exact_rows_;  // every file has numRecords
  // Integer columns whose every file has statistics: the smallest and largest value.
  mutable std::map<std::string, std::pair<int64_t, int64_t>> integer_ranges_;
  DictionarySizes dictionary_sizes_;  // of the first data file
};

}  // namespace sluice::catalog
