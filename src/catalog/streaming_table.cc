#include "catalog/streaming_table.h"

#include "catalog/epoch_marker.h"

#include <arrow/compute/exec.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <arrow/util/thread_pool.h>

namespace sluice::catalog {

StreamingTable::StreamingTable(std::string name, std::shared_ptr<arrow::Schema> schema,
                               int capacity, int partitions, ReleasedCallback on_released)
    : name_(std::move(name)),
      schema_(std::move(schema)),
      capacity_(capacity),
      partitions_(static_cast<size_t>(partitions)),
      on_released_(std::move(on_released)) {
  for (auto& partition : partitions_) {
    partition.queue = std::make_shared<BatchQueue>(static_cast<size_t>(capacity));
  }
}

std::string StreamingTable::Describe() const {
  return "streaming table " + name_ + " (" + std::to_string(partitions_.size()) +
         " partition" + (partitions_.size() == 1 ? "" : "s") + ", capacity " +
         std::to_string(capacity_) + ")";
}

arrow::Status StreamingTable::CheckScannable() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!claimed_by_.empty()) {
    return arrow::Status::Invalid("streaming table \"", name_,
                                  "\" is being written by streaming query \"",
                                  claimed_by_, "\"");
  }
  for (const auto& partition : partitions_) {
    if (partition.claimed) {
      return arrow::Status::Invalid("streaming table \"", name_,
                                    "\" is already being read; a streaming table can be "
                                    "scanned by one query, once");
    }
  }
  return arrow::Status::OK();
}

arrow::Result<ScanStream> StreamingTable::MakeScan(const ScanRequest& request) const {
  ScanStream scan;
  arrow::FieldVector fields;
  for (const auto& column : request.columns) {
    auto field = schema_->GetFieldByName(column);
    if (!field) return arrow::Status::KeyError("no column '", column, "' in ", name_);
    fields.push_back(std::move(field));
  }
  scan.schema = arrow::schema(std::move(fields));
  const int n = static_cast<int>(partitions_.size());
  const int begin = n * request.partition / request.num_partitions;
  const int end = n * (request.partition + 1) / request.num_partitions;
  bool epochs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    epochs = !claimed_by_.empty();
  }
  if (epochs) {
    // A streaming write's epoch: partition 0 (the only one) up to the epoch's end.
    if (begin == end) return scan;
    ARROW_ASSIGN_OR_RAISE(auto generator, MakeEpochSource(request));
    scan.generators.push_back(std::move(generator));
    return scan;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int i = begin; i < end; ++i) {
      if (partitions_[i].claimed) {
        return arrow::Status::Invalid(
            "streaming table \"", name_,
            "\" is already being read; a streaming table can be "
            "scanned by one query, once");
      }
    }
    for (int i = begin; i < end; ++i) partitions_[i].claimed = true;
  }
  if (request.cancellation) {
    // A query that stops for any reason releases its producers at once, and the table.
    auto self = std::static_pointer_cast<const StreamingTable>(shared_from_this());
    request.cancellation->OnRequest([self, begin, end] {
      for (int i = begin; i < end; ++i) {
        self->partitions_[i].queue->Cancel(arrow::Status::Cancelled(
            "the query reading streaming table \"", self->name_, "\" has stopped"));
        self->ScanDone(i);
      }
    });
  }
  for (int i = begin; i < end; ++i) {
    ARROW_ASSIGN_OR_RAISE(auto generator, MakePartitionSource(i, request));
    scan.generators.push_back(std::move(generator));
  }
  return scan;
}

arrow::Result<BatchGenerator> StreamingTable::MakePartitionSource(
    int partition, const ScanRequest& request) const {
  std::vector<int> indices;
  for (const auto& column : request.columns)
    indices.push_back(schema_->GetFieldIndex(column));
  auto self = std::static_pointer_cast<const StreamingTable>(shared_from_this());
  auto queue = partitions_[partition].queue;
  arrow::internal::Executor* executor =
      request.executor ? request.executor : arrow::internal::GetCpuThreadPool();
  auto rows_scanned = request.rows_scanned;
  using Batch = std::optional<arrow::compute::ExecBatch>;
  // Waiting for a producer holds no thread: the next batch is a future that the
  // producer's write completes; the query's work continues on the query's executor.
  return [self, partition, queue, executor, indices, rows_scanned]() {
    return executor->Transfer(queue->PopAsync())
        .Then(
            [self, partition, indices,
             rows_scanned](const std::shared_ptr<arrow::RecordBatch>& batch)
                -> arrow::Result<Batch> {
              if (!batch) {
                self->ScanDone(partition);
                return Batch();
              }
              std::vector<arrow::Datum> values;
              for (int index : indices) values.emplace_back(batch->column(index));
              if (rows_scanned) *rows_scanned += batch->num_rows();
              return Batch(
                  arrow::compute::ExecBatch(std::move(values), batch->num_rows()));
            },
            [self, partition](const arrow::Status& status) -> arrow::Result<Batch> {
              self->ScanDone(partition);
              return status;
            });
  };
}

arrow::Result<BatchGenerator> StreamingTable::MakeEpochSource(
    const ScanRequest& request) const {
  std::vector<int> indices;
  for (const auto& column : request.columns)
    indices.push_back(schema_->GetFieldIndex(column));
  auto self = std::static_pointer_cast<const StreamingTable>(shared_from_this());
  auto queue = partitions_[0].queue;
  arrow::internal::Executor* executor =
      request.executor ? request.executor : arrow::internal::GetCpuThreadPool();
  if (request.cancellation) {
    // Stopped inside an epoch (the streaming write stops or fails): the producer is
    // released. A scan that read its epoch to the end leaves the queue alone.
    request.cancellation->OnRequest([self, queue] {
      bool inside;
      {
        std::lock_guard<std::mutex> lock(self->mutex_);
        inside = self->partitions_[0].consumer_in_epoch;
      }
      if (inside) {
        queue->Cancel(
            arrow::Status::Cancelled("the streaming write reading streaming table \"",
                                     self->name_, "\" has stopped"));
      }
    });
  }
  auto rows_scanned = request.rows_scanned;
  using Batch = std::optional<arrow::compute::ExecBatch>;
  return [self, queue, executor, indices, rows_scanned]() {
    return executor->Transfer(queue->PopAsync())
        .Then([self, indices,
               rows_scanned](const std::shared_ptr<arrow::RecordBatch>& batch)
                  -> arrow::Result<Batch> {
          if (!batch) {
            return arrow::Status::Invalid("streaming table \"", self->name_,
                                          "\": the producer closed it inside an epoch");
          }
          if (auto marker = EpochMarker::Of(*batch)) {
            // Producers cannot begin an epoch inside another: this is its end.
            std::lock_guard<std::mutex> lock(self->mutex_);
            self->partitions_[0].consumer_in_epoch = false;
            return Batch();
          }
          std::vector<arrow::Datum> values;
          for (int index : indices) values.emplace_back(batch->column(index));
          if (rows_scanned) *rows_scanned += batch->num_rows();
          return Batch(arrow::compute::ExecBatch(std::move(values), batch->num_rows()));
        });
  };
}

arrow::Status StreamingTable::Claim(const std::string& query_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (partitions_.size() != 1) {
    return arrow::Status::NotImplemented(
        "not supported: a streaming write of streaming table \"", name_, "\" with ",
        partitions_.size(), " partitions (register it with one)");
  }
  if (partitions_[0].claimed || !claimed_by_.empty()) {
    return arrow::Status::Invalid("streaming table \"", name_,
                                  "\" is already being read; a streaming table can be "
                                  "read by one query, once");
  }
  claimed_by_ = query_id;
  return arrow::Status::OK();
}

void StreamingTable::Release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    partitions_[0].claimed = true;  // read once: never scanned again
  }
  partitions_[0].queue->Cancel(arrow::Status::Cancelled(
      "the streaming write reading streaming table \"", name_, "\" has ended"));
  ScanDone(0);
}

arrow::Result<std::optional<int64_t>> StreamingTable::NextEpoch(
    const arrow::StopToken& stop) {
  auto& partition = partitions_[0];
  while (true) {
    ARROW_ASSIGN_OR_RAISE(auto batch, partition.queue->Pop(stop));
    if (!batch) return std::nullopt;
    const auto marker = EpochMarker::Of(*batch);
    std::lock_guard<std::mutex> lock(mutex_);
    if (partition.consumer_in_epoch) {
      // The rest of an epoch its scan did not read (or one being skipped).
      if (marker) partition.consumer_in_epoch = false;
      continue;
    }
    if (!marker) {
      return arrow::Status::Invalid(
          "streaming table \"", name_,
          "\": a batch was written outside an epoch; a streaming write reads a streaming "
          "table's epochs (TableSink::BeginEpoch and EndEpoch)");
    }
    partition.consumer_in_epoch = true;  // the producer queues begins only outside epochs
    return marker->epoch;
  }
}

arrow::Status StreamingTable::BeginEpoch(int partition, int64_t epoch) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& state = partitions_[partition];
    if (partitions_.size() != 1) {
      return arrow::Status::NotImplemented("not supported: epochs in streaming table \"",
                                           name_, "\", which has ", partitions_.size(),
                                           " partitions");
    }
    if (state.producer != ProducerState::kOpen) {
      return arrow::Status::Invalid("streaming table \"", name_,
                                    "\": BeginEpoch after Close or Fail");
    }
    if (state.producer_in_epoch) {
      return arrow::Status::Invalid("streaming table \"", name_, "\": BeginEpoch(", epoch,
                                    ") inside epoch ", state.producer_epoch,
                                    "; call EndEpoch first");
    }
    if (epoch < 0 || epoch <= state.producer_epoch) {
      return arrow::Status::Invalid("streaming table \"", name_, "\": epoch ", epoch,
                                    " after epoch ", state.producer_epoch,
                                    "; epoch ids must increase from 0");
    }
    state.producer_in_epoch = true;
    state.producer_epoch = epoch;
  }
  return partitions_[partition].queue->Push(
      EpochMarker{EpochMarker::Kind::kBegin, epoch}.ToBatch());
}

arrow::Status StreamingTable::EndEpoch(int partition) {
  int64_t epoch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& state = partitions_[partition];
    if (!state.producer_in_epoch) {
      return arrow::Status::Invalid("streaming table \"", name_,
                                    "\": EndEpoch outside an epoch");
    }
    state.producer_in_epoch = false;
    epoch = state.producer_epoch;
  }
  return partitions_[partition].queue->Push(
      EpochMarker{EpochMarker::Kind::kEnd, epoch}.ToBatch());
}

void StreamingTable::ScanDone(int partition) const {
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (partitions_[partition].scan_done) return;
    partitions_[partition].scan_done = true;
    last = ++scans_done_ == static_cast<int>(partitions_.size());
  }
  if (last && on_released_) on_released_(this);
}

arrow::Status StreamingTable::CheckWritable(int partition,
                                            const arrow::RecordBatch& batch) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    switch (partitions_[partition].producer) {
      case ProducerState::kClosed:
        return arrow::Status::Invalid("streaming table \"", name_,
                                      "\": write after Close");
      case ProducerState::kFailed:
        return arrow::Status::Invalid("streaming table \"", name_,
                                      "\": write after Fail");
      case ProducerState::kOpen:
        break;
    }
    const auto& state = partitions_[partition];
    if (state.producer_epoch >= 0 && !state.producer_in_epoch) {
      return arrow::Status::Invalid("streaming table \"", name_,
                                    "\": write outside an epoch (after EndEpoch(), call "
                                    "BeginEpoch before writing)");
    }
  }
  if (!batch.schema()->Equals(*schema_, /*check_metadata=*/false)) {
    return arrow::Status::TypeError(
        "streaming table \"", name_,
        "\": batch schema does not match the table's; expected {", schema_->ToString(),
        "}, got {", batch.schema()->ToString(), "}");
  }
  return arrow::Status::OK();
}

arrow::Status StreamingTable::Write(int partition,
                                    std::shared_ptr<arrow::RecordBatch> batch) {
  if (!batch)
    return arrow::Status::Invalid("streaming table \"", name_, "\": null batch");
  ARROW_RETURN_NOT_OK(CheckWritable(partition, *batch));
  return partitions_[partition].queue->Push(std::move(batch));
}

arrow::Result<bool> StreamingTable::TryWrite(int partition,
                                             std::shared_ptr<arrow::RecordBatch> batch) {
  if (!batch)
    return arrow::Status::Invalid("streaming table \"", name_, "\": null batch");
  ARROW_RETURN_NOT_OK(CheckWritable(partition, *batch));
  return partitions_[partition].queue->TryPush(std::move(batch));
}

arrow::Status StreamingTable::Close(int partition) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& state = partitions_[partition].producer;
    if (state == ProducerState::kFailed) {
      return arrow::Status::Invalid("streaming table \"", name_, "\": Close after Fail");
    }
    if (partitions_[partition].producer_in_epoch) {
      return arrow::Status::Invalid(
          "streaming table \"", name_, "\": Close inside epoch ",
          partitions_[partition].producer_epoch,
          "; call EndEpoch first, or Fail to abandon the epoch");
    }
    state = ProducerState::kClosed;
  }
  partitions_[partition].queue->Finish();
  return arrow::Status::OK();
}

void StreamingTable::Fail(int partition, arrow::Status cause) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& state = partitions_[partition].producer;
    if (state != ProducerState::kOpen) return;
    state = ProducerState::kFailed;
  }
  if (cause.ok()) cause = arrow::Status::UnknownError("producer failed");
  partitions_[partition].queue->Fail(std::move(cause));
}

void StreamingTable::Abandon(int partition) {
  Fail(partition,
       arrow::Status::Cancelled("streaming table \"", name_,
                                "\": producer went away (the sink of partition ",
                                partition, " was destroyed without Close)"));
}

}  // namespace sluice::catalog
