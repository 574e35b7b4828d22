#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace sluice {

namespace catalog {
class StreamingTable;
}

// The producer end of one partition of a push-mode streaming table (made by
// Session::RegisterStreamingTable). A query reads the table while producers write; the
// table can be scanned once. All methods are thread-safe and may be called from any
// thread, including threads Sluice did not create.
//
// Destroying a sink without Close or Fail ends the reading query with a "producer went
// away" error: a dropped producer never looks like a finished one.
class TableSink {
 public:
  ~TableSink();
  TableSink(const TableSink&) = delete;
  TableSink& operator=(const TableSink&) = delete;

  // Queues a batch for the query. Blocks while `capacity` batches are queued and not yet
  // read. Returns at once with an error, the batch dropped, when the batch's schema
  // differs from the table's (nothing is queued), after Close or Fail, or when the
  // reading query has stopped (Cancelled: it was cancelled or failed).
  arrow::Status Write(std::shared_ptr<arrow::RecordBatch> batch);

  // Like Write, but never blocks: false when the queue is full (the batch not taken).
  arrow::Result<bool> TryWrite(std::shared_ptr<arrow::RecordBatch> batch);

  // Clean end of this partition: the query finishes normally once every partition is
  // closed and read. Writes after Close are errors. Idempotent; an error after Fail.
  arrow::Status Close();

  // Ends the stream with `cause`: the reading query fails with this status, its message
  // kept. Writes after Fail are errors. Does nothing after Close.
  void Fail(arrow::Status cause);

  // Epochs, for an exactly-once streaming write of this table (DataFrame::WriteStream):
  // the batches written between BeginEpoch(e) and EndEpoch() are epoch e, committed to
  // the target table in one commit whose txn version is e. Ids start at 0 or later and
  // increase. A restarted producer asks the target table where to resume
  // (Session::LastCommittedEpoch) and may send epochs again: the writer drops those it
  // has already committed. Once epochs are used, writes outside one are errors; Close
  // inside one is an error (Fail abandons it). The table must have one partition.
  arrow::Status BeginEpoch(int64_t epoch);
  arrow::Status EndEpoch();
  const std::string& table_name() const;
  int partition() const { return partition_; }

 private:
  friend class Session;
  TableSink(std::shared_ptr<catalog::StreamingTable> table, int partition);

  std::shared_ptr<catalog::StreamingTable> table_;
  int partition_;
};

}  // namespace sluice
