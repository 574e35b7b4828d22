#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include <arrow/record_batch.h>
#include <arrow/status.h>
#include <arrow/util/cancel.h>
#include <arrow/util/future.h>

namespace sluice {

// A bounded, thread-safe queue of record batches between producers and one consumer.
//
// It ends in exactly one way: Finish() (clean end of stream), Fail(status) (the consumer
// sees that error after draining nothing further), or Cancel(status) (the consumer went
// away; producers get the error at once). Push blocks while `capacity` batches are
// queued; Pop blocks until a batch or an end arrives, polling a StopToken so that
// cancellation is prompt even while nothing is produced.
class BatchQueue {
 public:
  // Called (outside the lock) when the queue crosses the high or the low water mark, so a
  // producer that can be paused (an Acero plan) is paused instead of blocked.
  using WatermarkCallback = std::function<void(bool paused)>;

  explicit BatchQueue(size_t capacity);

  size_t capacity() const { return capacity_; }

  void SetWatermarkCallback(WatermarkCallback callback);

  // Blocks while the queue is full. Returns the cancel/fail status if the queue has ended
  // before or while waiting; the batch is then dropped.
  arrow::Status Push(std::shared_ptr<arrow::RecordBatch> batch);

  // Never blocks. Returns true if the batch was queued, false if the queue is full, and
  // an error if the queue has ended.
  arrow::Result<bool> TryPush(std::shared_ptr<arrow::RecordBatch> batch);

  // Blocks until a batch, end of stream (nullptr) or an error. Checks `stop` at least
  // every `poll_ms` milliseconds; a stop request cancels the queue and returns Cancelled.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Pop(
      const arrow::StopToken& stop = arrow::StopToken::Unstoppable(), int poll_ms = 10);

  // Pop without blocking: the future completes with the next batch, nullptr at a clean
  // end, or the error. At most one PopAsync may be outstanding. The future may complete
  // on a producer's thread; consumers that must not run there transfer it to an executor.
  arrow::Future<std::shared_ptr<arrow::RecordBatch>> PopAsync();

  // Clean end of stream: the consumer drains what is queued, then sees nullptr.
  void Finish();
  // Ends the stream with an error; queued batches are discarded. First end wins.
  void Fail(arrow::Status status);
  // The consumer is gone: producers blocked in Push return `status` at once.
  void Cancel(arrow::Status status);

  // The most batches ever queued at once (for tests of the bound).
  size_t high_water_mark() const;
  size_t size() const;
  bool ended() const;

 private:
  // Recomputes the wanted paused state under the lock; ApplyWatermark (lock released)
  // delivers the latest wanted state, serialized, so Pause and Resume never overlap or
  // arrive out of order.
  void UpdateWatermark();
  // With the lock held and room in the queue: hands `batch` to a waiting PopAsync, or
  // queues it. Unlocks.
  void EnqueueLocked(std::unique_lock<std::mutex>* lock,
                     std::shared_ptr<arrow::RecordBatch> batch);
  // With the lock held and a batch queued: takes the oldest one. Unlocks.
  std::shared_ptr<arrow::RecordBatch> DequeueLocked(std::unique_lock<std::mutex>* lock);
  // After the queue has ended (lock held): wakes everyone, completing a waiting PopAsync
  // with the end. Unlocks.
  void EndedLocked(std::unique_lock<std::mutex>* lock);
  void ApplyWatermark();

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<std::shared_ptr<arrow::RecordBatch>> batches_;
  bool finished_ = false;
  arrow::Status error_;  // non-OK once failed or cancelled
  size_t high_water_mark_ = 0;
  // An outstanding PopAsync waiting for data; only ever set while batches_ is empty.
  std::optional<arrow::Future<std::shared_ptr<arrow::RecordBatch>>> waiter_;
  bool paused_ = false;  // wanted state, guarded by mutex_
  WatermarkCallback watermark_callback_;
  std::mutex callback_mutex_;
  bool applied_paused_ = false;  // guarded by callback_mutex_
};

}  // namespace sluice
