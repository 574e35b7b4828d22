#include "catalog/memory_table.h"

#include <atomic>

#include <arrow/table.h>
#include <arrow/util/future.h>

#include <algorithm>

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

std::optional<int64_t> MemoryTable::EstimatedRows() const { return table_->num_rows(); }

int MemoryTable::MaxPartitions() const {
  const int64_t parts = std::max<int64_t>(1, table_->num_rows() / kSourceBatchRows);
  return static_cast<int>(std::min<int64_t>(parts, 1024));
}

arrow::Result<ScanStream> MemoryTable::MakeScan(const ScanRequest& request) const {
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
  arrow::TableBatchReader reader(*slice);
  reader.set_chunksize(kSourceBatchRows);
  auto batches = std::make_shared<std::vector<arrow::compute::ExecBatch>>();
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader.ReadNext(&batch));
    if (!batch) break;
    batches->emplace_back(*batch);
  }
  auto next = std::make_shared<std::atomic<size_t>>(0);
  BatchGenerator generator = [batches, next]() {
    const size_t i = (*next)++;
    using Batch = std::optional<arrow::compute::ExecBatch>;
    return arrow::Future<Batch>::MakeFinished(i < batches->size() ? Batch((*batches)[i])
                                                                  : Batch());
  };
  return ScanStream{slice->schema(), {std::move(generator)}};
}

}  // namespace sluice::catalog
