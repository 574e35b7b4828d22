#include "sluice/table_sink.h"

#include "catalog/streaming_table.h"

namespace sluice {

TableSink::TableSink(std::shared_ptr<catalog::StreamingTable> table, int partition)
    : table_(std::move(table)), partition_(partition) {}

TableSink::~TableSink() { table_->Abandon(partition_); }

arrow::Status TableSink::Write(std::shared_ptr<arrow::RecordBatch> batch) {
  return table_->Write(partition_, std::move(batch));
}

arrow::Result<bool> TableSink::TryWrite(std::shared_ptr<arrow::RecordBatch> batch) {
  return table_->TryWrite(partition_, std::move(batch));
}

arrow::Status TableSink::Close() { return table_->Close(partition_); }

void TableSink::Fail(arrow::Status cause) { table_->Fail(partition_, std::move(cause)); }

arrow::Status TableSink::BeginEpoch(int64_t epoch) {
  return table_->BeginEpoch(partition_, epoch);
}

arrow::Status TableSink::EndEpoch() { return table_->EndEpoch(partition_); }

const std::string& TableSink::table_name() const { return table_->name(); }

}  // namespace sluice
