#include "exec/lazy_reader.h"

#include "common/conform_batch.h"

namespace sluice::exec {

LazyReader::LazyReader(std::shared_ptr<arrow::Schema> schema, Start start)
    : schema_(std::move(schema)), start_(std::move(start)) {}

arrow::Status LazyReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  *batch = nullptr;
  if (closed_) return arrow::Status::OK();
  if (!input_) {
    ARROW_ASSIGN_OR_RAISE(input_, start_());
    start_ = nullptr;
  }
  ARROW_RETURN_NOT_OK(input_->ReadNext(batch));
  // The schema was promised before the producer ran (a Spark server's analysis, say).
  if (!*batch) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(*batch, ConformBatch(std::move(*batch), schema_, "a query"));
  return arrow::Status::OK();
}

arrow::Status LazyReader::Close() {
  closed_ = true;
  start_ = nullptr;
  if (!input_) return arrow::Status::OK();
  auto input = std::move(input_);
  return input->Close();
}

}  // namespace sluice::exec
