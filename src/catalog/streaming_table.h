#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/table_source.h"
#include "common/batch_queue.h"

namespace sluice::catalog {

// A push-mode table: producers write batches into one bounded queue per partition while a
// query reads them. It can be scanned once: the first scan claims it, and when that scan
// ends (finished, failed or cancelled) `on_released` runs so the name can be freed.
//
// Producer side (used by TableSink), all thread-safe: Write blocks while the partition's
// queue is full and fails at once when the scan has ended; Close ends the partition
// cleanly; Fail ends it with the producer's error; Abandon (a sink destroyed without
// Close) ends it with a "producer went away" error.
//
// Epochs (a one-partition table feeding a streaming write): the producer brackets the
// batches of each epoch with BeginEpoch(e) and EndEpoch(); ids increase. The streaming
// write claims the table (Claim); then every scan reads exactly one epoch, the one
// NextEpoch announced, up to its end, and the table stays registered until Release.
class StreamingTable : public TableSource,
                       public std::enable_shared_from_this<StreamingTable> {
 public:
  using ReleasedCallback = std::function<void(const TableSource* self)>;
  StreamingTable(std::string name, std::shared_ptr<arrow::Schema> schema, int capacity,
                 int partitions, ReleasedCallback on_released);

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  std::string Describe() const override;
  int MaxPartitions() const override { return static_cast<int>(partitions_.size()); }
  arrow::Status CheckScannable() const override;
  arrow::Result<ScanStream> MakeScan(const ScanRequest& request) const override;

  const std::string& name() const { return name_; }

  arrow::Status Write(int partition, std::shared_ptr<arrow::RecordBatch> batch);
  arrow::Result<bool> TryWrite(int partition, std::shared_ptr<arrow::RecordBatch> batch);
  arrow::Status Close(int partition);
  void Fail(int partition, arrow::Status cause);
  void Abandon(int partition);
  arrow::Status BeginEpoch(int partition, int64_t epoch);
  arrow::Status EndEpoch(int partition);

  // Consumer side of epochs (the streaming write's thread). Claim: Invalid if the table
  // has more than one partition or is being read.
  arrow::Status Claim(const std::string& query_id);
  // The streaming write has ended: producers get Cancelled, the name is freed.
  void Release();
  // Waits for the next epoch (the rest of the current one is dropped): its id, or
  // nullopt once the producer has closed the table; the producer's error; Cancelled
  // when `stop` is requested.
  arrow::Result<std::optional<int64_t>> NextEpoch(const arrow::StopToken& stop);

 private:
  enum class ProducerState { kOpen, kClosed, kFailed };
  struct Partition {
    std::shared_ptr<BatchQueue> queue;
    ProducerState producer = ProducerState::kOpen;
    bool claimed = false;
    bool scan_done = false;
    // Epochs: the producer's open epoch and last epoch begun; whether the consumer is
    // inside an epoch (has read its begin, not yet its end).
    bool producer_in_epoch = false;
    int64_t producer_epoch = -1;
    bool consumer_in_epoch = false;
  };

  arrow::Status CheckWritable(int partition, const arrow::RecordBatch& batch);
  arrow::Result<BatchGenerator> MakePartitionSource(int partition,
                                                    const ScanRequest& request) const;
  // A claimed table's scan: the current epoch's batches of partition 0.
  arrow::Result<BatchGenerator> MakeEpochSource(const ScanRequest& request) const;
  // Queues an epoch marker after the producer-side checks.
  arrow::Status PushMarker(int partition, std::shared_ptr<arrow::RecordBatch> marker);
  // Records that the scan has finished with `partition`; the last one releases the table.
  void ScanDone(int partition) const;

  const std::string name_;
  const std::shared_ptr<arrow::Schema> schema_;
  const int capacity_;
  mutable std::mutex mutex_;
  mutable std::vector<Partition> partitions_;
  mutable int scans_done_ = 0;
  std::string claimed_by_;  // the streaming write reading epochs; empty: none
  ReleasedCallback on_released_;
};

}  // namespace sluice::catalog
