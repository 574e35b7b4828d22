#pragma once

#include <cstdint>

#include "catalog/table_source.h"

namespace sluice::catalog {

// range(start, stop, step): one BIGINT column `id`, generated lazily batch by batch, so
// an unbounded-looking range costs nothing until it is pulled.
class RangeTable : public TableSource {
 public:
  // Fails if step is zero.
  static arrow::Result<std::shared_ptr<RangeTable>> Make(int64_t start, int64_t stop,
                                                         int64_t step);

  std::shared_ptr<arrow::Schema> schema() const override;
  std::string Describe() const override;
  int MaxPartitions() const override;
  arrow::Result<ScanStream> MakeScan(const ScanRequest& request) const override;

  // Number of values in the range.
  int64_t length() const { return length_; }
  std::optional<int64_t> EstimatedRows() const override { return length_; }
  std::optional<int64_t> ExactRows() const override { return length_; }

 private:
  RangeTable(int64_t start, int64_t stop, int64_t step, int64_t length);

  int64_t start_, stop_, step_, length_;
};

}  // namespace sluice::catalog
