#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <arrow/acero/exec_plan.h>
#include <arrow/record_batch.h>
#include <arrow/util/cancel.h>
#include <arrow/util/thread_pool.h>

#include "common/batch_queue.h"
#include "common/cancellation.h"

namespace sluice::exec {

struct StreamOptions {
  size_t max_buffered_batches = 8;
  arrow::StopToken stop_token = arrow::StopToken::Unstoppable();
  // A top-level OFFSET/LIMIT, applied here so the plan stops as soon as it is satisfied.
  int64_t offset = 0;
  int64_t limit = -1;
  std::shared_ptr<std::atomic<int64_t>> rows_scanned;
  // Shared with the plan's sources; signalled first when the stream stops the plan.
  std::shared_ptr<CancellationSignal> cancellation;
  // The query's own CPU threads. The sink blocks a thread while the consumer's buffer is
  // full; with threads of its own, a slow consumer stalls only its own query, never
  // another query or another partition. Shut down (joined) when the stream stops.
  std::shared_ptr<arrow::internal::ThreadPool> executor;
  // Threads of the plan's readers (see LoweringContext::reader_threads), joined after
  // the executor's.
  std::vector<std::shared_ptr<arrow::internal::ThreadPool>> reader_threads;
  // Where the plan allocates; the default pool when null. Kept alive by the stream.
  std::shared_ptr<arrow::MemoryPool> memory_pool;
};

// The pull end of one running Acero plan: a RecordBatchReader whose producer pauses when
// `max_buffered_batches` batches wait unread. Closing or destroying it, or a stop
// request, stops the plan and waits until every task of the query has finished. ReadNext
// returns the plan's error if it failed, and end of stream (nullptr) only after success.
// ReadNext and Close must not be called concurrently with each other.
class QueryStream : public arrow::RecordBatchReader {
 public:
  // Starts the plan. `schema` gives the names the consumer sees; types come from the
  // plan.
  static arrow::Result<std::shared_ptr<QueryStream>> Start(
      arrow::acero::Declaration declaration, const std::shared_ptr<arrow::Schema>& schema,
      StreamOptions options);

  ~QueryStream() override;

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override;

  // Rows delivered so far and, where sources count them, rows read.
  int64_t rows_delivered() const { return rows_delivered_; }
  int64_t rows_scanned() const {
    return options_.rows_scanned ? options_.rows_scanned->load() : 0;
  }
  // The queue between the plan and this reader (for tests of the bound).
  const BatchQueue& queue() const { return *queue_; }

 private:
  QueryStream(std::shared_ptr<arrow::acero::ExecPlan> plan,
              std::shared_ptr<BatchQueue> queue, std::shared_ptr<arrow::Schema> schema,
              StreamOptions options);
  void StopPlan(arrow::Status reason);

  // Declared first so it is destroyed last, after the plan that runs on its executor.
  StreamOptions options_;
  std::shared_ptr<arrow::acero::ExecPlan> plan_;
  std::shared_ptr<BatchQueue> queue_;
  std::shared_ptr<arrow::Schema> schema_;
  int64_t to_skip_;
  int64_t remaining_;  // < 0: no limit
  std::atomic<int64_t> rows_delivered_{0};
  bool done_ = false;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace sluice::exec
