#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <arrow/record_batch.h>

#include "exec/window_evaluator.h"

namespace sluice::exec {

// A Window node's output as a stream: reads its input (sorted by the partition keys, then
// the ORDER BY keys) and hands whole partitions to a WindowEvaluator, gathering small
// partitions into chunks of about kChunkRows rows so each evaluation covers many. Holds
// at most one chunk plus the partition being read: memory is bounded by the largest
// partition. The input is opened on the first ReadNext, so nothing runs before the
// consumer asks. Not thread-safe.
class WindowReader : public arrow::RecordBatchReader {
 public:
  using Opener =
      std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>()>;
  static constexpr int64_t kChunkRows = 65536;

  // `partition` are the input's PARTITION BY columns.
  WindowReader(Opener open, std::vector<std::string> partition,
               WindowEvaluator evaluator);
  ~WindowReader() override;

  std::shared_ptr<arrow::Schema> schema() const override { return evaluator_.schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override;

 private:
  // Appends a batch, noting where partitions start in it.
  arrow::Status Add(std::shared_ptr<arrow::RecordBatch> batch);
  // Whether row 0 of `batch` starts a partition after the last row held.
  bool StartsPartition(const arrow::RecordBatch& batch) const;
  // Evaluates the first `rows` held rows (whole partitions) and keeps the rest.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Emit(int64_t rows);

  Opener open_;
  std::vector<std::string> partition_;
  WindowEvaluator evaluator_;
  std::shared_ptr<arrow::RecordBatchReader> input_;
  bool finished_ = false;
  std::vector<std::shared_ptr<arrow::RecordBatch>> held_;
  int64_t held_rows_ = 0;
  std::vector<int64_t> starts_;  // partition starts among the held rows, ascending
  // Taken by every ReadNext and by the destructor, uncontended: Acero reads this reader
  // on an I/O thread and the query's owner destroys it on another, ordered by atomics in
  // the uninstrumented Arrow library that ThreadSanitizer cannot see; the lock shows it.
  std::mutex order_;
};

}  // namespace sluice::exec
