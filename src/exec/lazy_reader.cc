#include "exec/lazy_reader.h"

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
  return input_->ReadNext(batch);
}

arrow::Status LazyReader::Close() {
  closed_ = true;
  start_ = nullptr;
  if (!input_) return arrow::Status::OK();
  auto input = std::move(input_);
  return input->Close();
}

}  // namespace sluice::exec
