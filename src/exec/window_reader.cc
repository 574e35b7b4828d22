#include "exec/window_reader.h"

#include <arrow/api.h>

namespace sluice::exec {

WindowReader::WindowReader(Opener open, std::vector<std::string> partition,
                           WindowEvaluator evaluator)
    : open_(std::move(open)),
      partition_(std::move(partition)),
      evaluator_(std::move(evaluator)) {}

WindowReader::~WindowReader() {
  std::lock_guard<std::mutex> lock(order_);
  (void)Close();
}

arrow::Status WindowReader::Close() {
  finished_ = true;
  held_.clear();
  if (!input_) return arrow::Status::OK();
  auto input = std::move(input_);
  return input->Close();
}

arrow::Status WindowReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* out) {
  std::lock_guard<std::mutex> lock(order_);
  *out = nullptr;
  if (!input_ && !finished_) {
    ARROW_ASSIGN_OR_RAISE(input_, open_());
  }
  while (true) {
    // Rows before the last partition start are whole partitions.
    const int64_t whole = finished_ ? held_rows_ : (starts_.empty() ? 0 : starts_.back());
    if (whole >= kChunkRows || (finished_ && whole > 0)) {
      ARROW_ASSIGN_OR_RAISE(*out, Emit(whole));
      return arrow::Status::OK();
    }
    if (finished_) return arrow::Status::OK();
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(input_->ReadNext(&batch));
    if (!batch) {
      finished_ = true;
      continue;
    }
    if (batch->num_rows() > 0) ARROW_RETURN_NOT_OK(Add(std::move(batch)));
  }
}

bool WindowReader::StartsPartition(const arrow::RecordBatch& batch) const {
  if (held_.empty()) return true;
  const auto& last = *held_.back();
  for (const auto& name : partition_) {
    auto before = last.GetColumnByName(name)->GetScalar(last.num_rows() - 1);
    auto now = batch.GetColumnByName(name)->GetScalar(0);
    if (!before.ok() || !now.ok() || !(*before)->Equals(**now)) return true;
  }
  return false;
}

arrow::Status WindowReader::Add(std::shared_ptr<arrow::RecordBatch> batch) {
  std::vector<uint8_t> begins(static_cast<size_t>(batch->num_rows()), 0);
  begins[0] = StartsPartition(*batch) ? 1 : 0;
  for (const auto& name : partition_) {
    ARROW_RETURN_NOT_OK(MarkChanges(*batch->GetColumnByName(name), &begins));
  }
  for (size_t i = 0; i < begins.size(); ++i) {
    if (begins[i]) starts_.push_back(held_rows_ + static_cast<int64_t>(i));
  }
  held_rows_ += batch->num_rows();
  held_.push_back(std::move(batch));
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> WindowReader::Emit(int64_t rows) {
  arrow::RecordBatchVector chunk_parts, rest;
  int64_t taken = 0;
  for (auto& batch : held_) {
    const int64_t want = std::min(batch->num_rows(), rows - taken);
    if (want == batch->num_rows()) {
      chunk_parts.push_back(std::move(batch));
    } else {
      if (want > 0) chunk_parts.push_back(batch->Slice(0, want));
      rest.push_back(want > 0 ? batch->Slice(want) : std::move(batch));
    }
    taken += want;
  }
  held_ = std::move(rest);
  held_rows_ -= rows;
  std::vector<int64_t> chunk_starts, kept;
  for (int64_t start : starts_) {
    if (start < rows) {
      chunk_starts.push_back(start);
    } else {
      kept.push_back(start - rows);
    }
  }
  starts_ = std::move(kept);
  ARROW_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(chunk_parts));
  ARROW_ASSIGN_OR_RAISE(auto chunk, table->CombineChunksToBatch());
  return evaluator_.Evaluate(chunk, chunk_starts);
}

}  // namespace sluice::exec
