#include "catalog/reader_table.h"

#include <arrow/io/interfaces.h>
#include <arrow/util/future.h>
#include <arrow/util/thread_pool.h>

namespace sluice::catalog {

namespace {

using Batch = std::optional<arrow::compute::ExecBatch>;

// One scan's reader, shared by the generator's calls. The source node asks for the next
// batch only after the previous one arrived, so reads never overlap.
struct ReaderScan {
  std::shared_ptr<arrow::RecordBatchReader> reader;
  std::vector<int> columns;
  std::shared_ptr<arrow::Schema> schema;
  ScanRequest request;
  std::string describe;

  arrow::Result<Batch> Next() {
    if (request.cancellation && request.cancellation->requested()) {
      return arrow::Status::Cancelled("the query reading ", describe, " has stopped");
    }
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader->ReadNext(&batch));
    if (!batch) {
      // Let the producer go as soon as its stream ends.
      ARROW_RETURN_NOT_OK(reader->Close());
      return Batch();
    }
    if (!batch->schema()->Equals(*reader->schema(), /*check_metadata=*/false)) {
      return arrow::Status::Invalid(
          "a batch of ", describe,
          " does not match the stream's schema: ", batch->schema()->ToString());
    }
    ARROW_ASSIGN_OR_RAISE(batch, batch->SelectColumns(columns));
    if (request.rows_scanned) *request.rows_scanned += batch->num_rows();
    return Batch(arrow::compute::ExecBatch(*batch));
  }
};

}  // namespace

ReaderTable::ReaderTable(std::string name, std::shared_ptr<arrow::Schema> schema,
                         Opener open, bool once)
    : name_(std::move(name)),
      schema_(std::move(schema)),
      open_(std::move(open)),
      once_(once) {}

std::string ReaderTable::Describe() const {
  return "stream " + name_ + (once_ ? " (read once)" : "");
}

arrow::Status ReaderTable::CheckScannable() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (once_ && scanned_) {
    return arrow::Status::Invalid("table \"", name_,
                                  "\" was registered from a stream that a query has "
                                  "already read; register it again to read it again");
  }
  return arrow::Status::OK();
}

arrow::Result<ScanStream> ReaderTable::MakeScan(const ScanRequest& request) const {
  if (request.partition != 0 || request.num_partitions != 1) {
    return arrow::Status::Invalid("stream ", name_, " has one partition");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (once_ && scanned_) return CheckScannable();
    scanned_ = true;
  }
  auto scan = std::make_shared<ReaderScan>();
  scan->request = request;
  scan->describe = Describe();
  arrow::FieldVector fields;
  for (const auto& column : request.columns) {
    const int index = schema_->GetFieldIndex(column);
    if (index < 0) return arrow::Status::KeyError("no column '", column, "' in ", name_);
    scan->columns.push_back(index);
    fields.push_back(schema_->field(index));
  }
  scan->schema = arrow::schema(std::move(fields));
  ARROW_ASSIGN_OR_RAISE(scan->reader, open_());
  if (!scan->reader->schema()->Equals(*schema_, /*check_metadata=*/false)) {
    return arrow::Status::Invalid("stream ", name_, " now has schema ",
                                  scan->reader->schema()->ToString(), ", registered as ",
                                  schema_->ToString());
  }
  auto* io = arrow::io::default_io_context().executor();
  BatchGenerator generator = [scan, io]() {
    return arrow::DeferNotOk(io->Submit([scan] { return scan->Next(); }));
  };
  return ScanStream{scan->schema, {std::move(generator)}};
}

}  // namespace sluice::catalog
