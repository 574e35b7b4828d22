#include "exec/query_stream.h"

#include <arrow/acero/options.h>
#include <arrow/compute/exec.h>
#include <arrow/type.h>
#include <arrow/util/future.h>

namespace sluice::exec {

namespace {

// Acero's sink: converts each batch to a RecordBatch and queues it; the queue pauses the
// plan's sources at its high water mark and resumes them when the reader catches up.
class QueueConsumer : public arrow::acero::SinkNodeConsumer {
 public:
  QueueConsumer(std::shared_ptr<BatchQueue> queue, std::shared_ptr<arrow::Schema> schema,
                arrow::StopToken stop)
      : queue_(std::move(queue)), schema_(std::move(schema)), stop_(std::move(stop)) {}

  arrow::Status Init(const std::shared_ptr<arrow::Schema>& schema,
                     arrow::acero::BackpressureControl* control,
                     arrow::acero::ExecPlan* plan) override {
    queue_->SetWatermarkCallback([control](bool paused) {
      if (paused) {
        control->Pause();
      } else {
        control->Resume();
      }
    });
    return arrow::Status::OK();
  }

  arrow::Status Consume(arrow::compute::ExecBatch batch) override {
    ARROW_RETURN_NOT_OK(stop_.Poll());
    ARROW_ASSIGN_OR_RAISE(auto record_batch, batch.ToRecordBatch(schema_));
    return queue_->Push(std::move(record_batch));
  }

  arrow::Future<> Finish() override { return arrow::Future<>::MakeFinished(); }

 private:
  std::shared_ptr<BatchQueue> queue_;
  std::shared_ptr<arrow::Schema> schema_;
  arrow::StopToken stop_;
};

}  // namespace

arrow::Result<std::shared_ptr<QueryStream>> QueryStream::Start(
    arrow::acero::Declaration declaration, const std::shared_ptr<arrow::Schema>& schema,
    StreamOptions options) {
  auto queue = std::make_shared<BatchQueue>(options.max_buffered_batches);
  if (!options.executor) {
    ARROW_ASSIGN_OR_RAISE(options.executor, arrow::internal::ThreadPool::Make(
                                                arrow::GetCpuThreadPoolCapacity()));
  }
  ARROW_ASSIGN_OR_RAISE(
      auto plan,
      arrow::acero::ExecPlan::Make(arrow::compute::ExecContext(
          options.memory_pool ? options.memory_pool.get() : arrow::default_memory_pool(),
          options.executor.get())));
  ARROW_ASSIGN_OR_RAISE(auto* last, declaration.AddToPlan(plan.get()));
  // The plan decides the types; the caller decides the names.
  const auto& produced = last->output_schema();
  if (produced->num_fields() != schema->num_fields()) {
    return arrow::Status::UnknownError("plan produces ", produced->num_fields(),
                                       " columns, expected ", schema->num_fields());
  }
  arrow::FieldVector fields;
  for (int i = 0; i < schema->num_fields(); ++i) {
    fields.push_back(produced->field(i)->WithName(schema->field(i)->name()));
  }
  auto out_schema = arrow::schema(std::move(fields));
  auto consumer = std::make_shared<QueueConsumer>(queue, out_schema, options.stop_token);
  ARROW_RETURN_NOT_OK(
      arrow::acero::MakeExecNode("consuming_sink", plan.get(), {last},
                                 arrow::acero::ConsumingSinkNodeOptions(consumer))
          .status());
  ARROW_RETURN_NOT_OK(plan->Validate());
  plan->StartProducing();
  plan->finished().AddCallback([queue](const arrow::Status& status) {
    if (status.ok()) {
      queue->Finish();
    } else {
      queue->Fail(status);
    }
  });
  return std::shared_ptr<QueryStream>(new QueryStream(
      std::move(plan), std::move(queue), std::move(out_schema), std::move(options)));
}

QueryStream::QueryStream(std::shared_ptr<arrow::acero::ExecPlan> plan,
                         std::shared_ptr<BatchQueue> queue,
                         std::shared_ptr<arrow::Schema> schema, StreamOptions options)
    : options_(std::move(options)),
      plan_(std::move(plan)),
      queue_(std::move(queue)),
      schema_(std::move(schema)),
      to_skip_(options_.offset),
      remaining_(options_.limit) {}

QueryStream::~QueryStream() { StopPlan(arrow::Status::Cancelled("query stream closed")); }

void QueryStream::StopPlan(arrow::Status reason) {
  std::lock_guard<std::mutex> lock(stop_mutex_);
  if (stopped_) return;
  stopped_ = true;
  // Unblock producers first, then stop the sources, then wait for every task to finish so
  // nothing of the query outlives this call.
  queue_->Cancel(std::move(reason));
  if (options_.cancellation) options_.cancellation->Request();
  plan_->StopProducing();
  plan_->finished().Wait();
  queue_->SetWatermarkCallback(nullptr);
  (void)options_.executor->Shutdown(/*wait=*/true);
  for (const auto& threads : options_.reader_threads)
    (void)threads->Shutdown(/*wait=*/true);
}

arrow::Status QueryStream::ReadNext(std::shared_ptr<arrow::RecordBatch>* out) {
  *out = nullptr;
  while (!done_) {
    if (remaining_ == 0) {
      done_ = true;
      StopPlan(arrow::Status::Cancelled("limit reached"));
      return arrow::Status::OK();
    }
    auto popped = queue_->Pop(options_.stop_token);
    if (!popped.ok()) {
      done_ = true;
      StopPlan(popped.status());
      return popped.status();
    }
    std::shared_ptr<arrow::RecordBatch> batch = std::move(*popped);
    if (!batch) {
      done_ = true;
      // Release the query's threads now rather than when the reader is destroyed.
      StopPlan(arrow::Status::Cancelled("query stream finished"));
      return arrow::Status::OK();
    }
    if (to_skip_ > 0) {
      if (batch->num_rows() <= to_skip_) {
        to_skip_ -= batch->num_rows();
        continue;
      }
      batch = batch->Slice(to_skip_);
      to_skip_ = 0;
    }
    if (remaining_ > 0 && batch->num_rows() > remaining_)
      batch = batch->Slice(0, remaining_);
    if (remaining_ > 0) remaining_ -= batch->num_rows();
    if (batch->num_rows() == 0) continue;
    rows_delivered_ += batch->num_rows();
    *out = std::move(batch);
    return arrow::Status::OK();
  }
  return arrow::Status::OK();
}

arrow::Status QueryStream::Close() {
  done_ = true;
  StopPlan(arrow::Status::Cancelled("query stream closed"));
  return arrow::Status::OK();
}

}  // namespace sluice::exec
