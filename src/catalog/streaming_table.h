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

 private:
  enum class ProducerState { kOpen, kClosed, kFailed };
  struct Partition {
    std::shared_ptr<BatchQueue> queue;
    ProducerState producer = ProducerState::kOpen;
    bool claimed = false;
    bool scan_done = false;
  };

  arrow::Status CheckWritable(int partition, const arrow::RecordBatch& batch);
  arrow::Result<BatchGenerator> MakePartitionSource(int partition,
                                                    const ScanRequest& request) const;
  // Records that the scan has finished with `partition`; the last one releases the table.
  void ScanDone(int partition) const;

  const std::string name_;
  const std::shared_ptr<arrow::Schema> schema_;
  const int capacity_;
  mutable std::mutex mutex_;
  mutable std::vector<Partition> partitions_;
  mutable int scans_done_ = 0;
  ReleasedCallback on_released_;
};

}  // namespace sluice::catalog
