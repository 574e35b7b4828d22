#include "common/batch_queue.h"

#include <chrono>

namespace sluice {

using BatchFuture = arrow::Future<std::shared_ptr<arrow::RecordBatch>>;

BatchQueue::BatchQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

void BatchQueue::SetWatermarkCallback(WatermarkCallback callback) {
  std::lock_guard<std::mutex> lock(mutex_);
  watermark_callback_ = std::move(callback);
}

// Pauses at the high mark (full) and resumes at half capacity, so a pausable producer
// refills in bursts instead of toggling on every batch. Called with mutex_ held.
void BatchQueue::UpdateWatermark() {
  if (!paused_ && batches_.size() >= capacity_ && error_.ok() && !finished_) {
    paused_ = true;
  } else if (paused_ && (batches_.size() <= capacity_ / 2 || !error_.ok())) {
    paused_ = false;
  }
}

void BatchQueue::ApplyWatermark() {
  std::lock_guard<std::mutex> callback_lock(callback_mutex_);
  bool wanted;
  WatermarkCallback callback;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wanted = paused_;
    callback = watermark_callback_;
  }
  if (!callback || wanted == applied_paused_) return;
  applied_paused_ = wanted;
  callback(wanted);
}

void BatchQueue::EnqueueLocked(std::unique_lock<std::mutex>* lock,
                               std::shared_ptr<arrow::RecordBatch> batch) {
  if (waiter_) {
    // A waiting consumer exists only while nothing is queued: hand the batch over.
    BatchFuture waiter = std::move(*waiter_);
    waiter_.reset();
    lock->unlock();
    waiter.MarkFinished(std::move(batch));
    return;
  }
  batches_.push_back(std::move(batch));
  if (batches_.size() > high_water_mark_) high_water_mark_ = batches_.size();
  not_empty_.notify_one();
  UpdateWatermark();
  lock->unlock();
  ApplyWatermark();
}

std::shared_ptr<arrow::RecordBatch> BatchQueue::DequeueLocked(
    std::unique_lock<std::mutex>* lock) {
  auto batch = std::move(batches_.front());
  batches_.pop_front();
  not_full_.notify_one();
  UpdateWatermark();
  lock->unlock();
  ApplyWatermark();
  return batch;
}

void BatchQueue::EndedLocked(std::unique_lock<std::mutex>* lock) {
  not_empty_.notify_all();
  not_full_.notify_all();
  UpdateWatermark();
  std::optional<BatchFuture> waiter = std::move(waiter_);
  waiter_.reset();
  const arrow::Status error = error_;
  lock->unlock();
  if (waiter) {
    if (error.ok()) {
      waiter->MarkFinished(std::shared_ptr<arrow::RecordBatch>());
    } else {
      waiter->MarkFinished(error);
    }
  }
  ApplyWatermark();
}

arrow::Status BatchQueue::Push(std::shared_ptr<arrow::RecordBatch> batch) {
  std::unique_lock<std::mutex> lock(mutex_);
  not_full_.wait(
      lock, [&] { return batches_.size() < capacity_ || !error_.ok() || finished_; });
  if (!error_.ok()) return error_;
  if (finished_) return arrow::Status::Invalid("push to a finished batch queue");
  EnqueueLocked(&lock, std::move(batch));
  return arrow::Status::OK();
}

arrow::Result<bool> BatchQueue::TryPush(std::shared_ptr<arrow::RecordBatch> batch) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!error_.ok()) return error_;
  if (finished_) return arrow::Status::Invalid("push to a finished batch queue");
  if (batches_.size() >= capacity_) return false;
  EnqueueLocked(&lock, std::move(batch));
  return true;
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> BatchQueue::Pop(
    const arrow::StopToken& stop, int poll_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (!error_.ok()) return error_;
    if (!batches_.empty()) return DequeueLocked(&lock);
    if (finished_) return std::shared_ptr<arrow::RecordBatch>();
    not_empty_.wait_for(lock, std::chrono::milliseconds(poll_ms));
    if (stop.IsStopRequested()) {
      lock.unlock();
      arrow::Status cause = stop.Poll();
      Cancel(cause.ok() ? arrow::Status::Cancelled("query cancelled") : cause);
      lock.lock();
    }
  }
}

BatchFuture BatchQueue::PopAsync() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!error_.ok()) return BatchFuture::MakeFinished(error_);
  if (!batches_.empty()) return BatchFuture::MakeFinished(DequeueLocked(&lock));
  if (finished_) return BatchFuture::MakeFinished(std::shared_ptr<arrow::RecordBatch>());
  if (waiter_)
    return BatchFuture::MakeFinished(arrow::Status::Invalid("PopAsync already waiting"));
  waiter_ = BatchFuture::Make();
  return *waiter_;
}

void BatchQueue::Finish() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!error_.ok() || finished_) return;
  finished_ = true;
  EndedLocked(&lock);
}

void BatchQueue::Fail(arrow::Status status) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!error_.ok() || finished_) return;
  error_ = std::move(status);
  batches_.clear();
  EndedLocked(&lock);
}

void BatchQueue::Cancel(arrow::Status status) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!error_.ok()) return;
  error_ = std::move(status);
  batches_.clear();
  EndedLocked(&lock);
}

size_t BatchQueue::high_water_mark() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return high_water_mark_;
}

size_t BatchQueue::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return batches_.size();
}

bool BatchQueue::ended() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return finished_ || !error_.ok();
}

}  // namespace sluice
