#pragma once

#include <memory>

#include "catalog/table_source.h"

namespace sluice::catalog {

// A registered, in-memory Arrow table. Scans slice it without copying.
class MemoryTable : public TableSource {
 public:
  explicit MemoryTable(std::shared_ptr<arrow::Table> table, std::string description = "");

  std::shared_ptr<arrow::Schema> schema() const override;
  std::string Describe() const override;
  int MaxPartitions() const override;
  std::optional<int64_t> EstimatedRows() const override;
  std::optional<int64_t> ExactRows() const override { return EstimatedRows(); }
  arrow::Result<ScanStream> MakeScan(const ScanRequest& request) const override;

 private:
  std::shared_ptr<arrow::Table> table_;
  std::string description_;
};

}  // namespace sluice::catalog
