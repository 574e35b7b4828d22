#include "catalog/memory_table.h"

#include <algorithm>

#include <arrow/acero/options.h>
#include <arrow/table.h>

namespace sluice::catalog {

MemoryTable::MemoryTable(std::shared_ptr<arrow::Table> table, std::string description)
    : table_(std::move(table)), description_(std::move(description)) {
  if (description_.empty()) {
    description_ = "memory table (" + std::to_string(table_->num_rows()) + " rows)";
  }
}

std::shared_ptr<arrow::Schema> MemoryTable::schema() const { return table_->schema(); }

std::string MemoryTable::Describe() const { return description_; }

int MemoryTable::MaxPartitions() const {
  const int64_t parts = std::max<int64_t>(1, table_->num_rows() / kSourceBatchRows);
  return static_cast<int>(std::min<int64_t>(parts, 1024));
}

arrow::Result<arrow::acero::Declaration> MemoryTable::MakeScan(
    const ScanRequest& request) const {
  std::vector<int> indices;
  for (const auto& name : request.columns) {
    const int index = table_->schema()->GetFieldIndex(name);
    if (index < 0)
      return arrow::Status::KeyError("no column '", name, "' in ", description_);
    indices.push_back(index);
  }
  ARROW_ASSIGN_OR_RAISE(auto projected, table_->SelectColumns(indices));
  const int64_t rows = projected->num_rows();
  const int64_t begin = rows * request.partition / request.num_partitions;
  const int64_t end = rows * (request.partition + 1) / request.num_partitions;
  auto slice = projected->Slice(begin, end - begin);
  if (request.rows_scanned) *request.rows_scanned += slice->num_rows();
  return arrow::acero::Declaration(
      "table_source", arrow::acero::TableSourceNodeOptions(slice, kSourceBatchRows));
}

}  // namespace sluice::catalog
