#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <arrow/util/cancel.h>

#include "api/offset_log.h"
#include "sluice/data_frame.h"
#include "sluice/streaming_write.h"

namespace sluice {

namespace catalog {
class DirectoryStream;
}
namespace delta {
class DeltaTable;
}

// The body of a StreamingQuery: the epoch loop and its state. Run() is the query's
// thread; every other method may be called from any thread.
//
// Each epoch: (1) take the source's new files (or, after a restart, the input of the
// epoch the offset log has but the table has not committed); (2) write them to the
// offset log; (3) run the query over them (complete mode: over every file so far) and
// write its rows as data files; (4) commit the files with txn(query id, epoch) and a
// commitInfo naming the query, epoch and input. A crash anywhere leaves either the commit
// (the epoch is done) or not (its data files are invisible; the restart runs the epoch
// again from the offset log).
class StreamingRun {
 public:
  StreamingRun(DataFrame frame, std::shared_ptr<catalog::DirectoryStream> source,
               std::shared_ptr<delta::DeltaTable> table, std::string table_name,
               StreamingWriteOptions options);

  // Reads the table's last committed epoch and the offset log; called before the
  // thread starts, so a query that cannot resume fails at once.
  arrow::Status Recover();
  void Run();

  void RequestStop();
  bool AwaitTermination(std::optional<std::chrono::milliseconds> timeout);

  const std::string& id() const { return options_.query_id; }
  StreamingState state() const;
  arrow::Status status() const;
  int64_t last_committed_epoch() const;
  std::optional<EpochProgress> LastProgress() const;
  std::vector<EpochProgress> RecentProgress() const;

 private:
  // Logs the epoch's input, runs the query over it and commits the result.
  arrow::Status RunEpoch(int64_t epoch, const std::vector<std::string>& files,
                         EpochProgress* progress);
  // The input of `epoch`: the one the log has (planned before a crash), else new files
  // (available-now: only those present at the start), maybe none.
  arrow::Result<std::vector<std::string>> NextInput(int64_t epoch);
  // Sleeps until `deadline` or a stop; false if stopped.
  bool WaitForTrigger(std::chrono::steady_clock::time_point deadline);
  void Finish(StreamingState state, arrow::Status status);

  DataFrame frame_;
  std::shared_ptr<catalog::DirectoryStream> source_;
  std::shared_ptr<delta::DeltaTable> table_;
  std::string table_name_;
  StreamingWriteOptions options_;
  OffsetLog log_;
  std::set<std::string> processed_;
  std::vector<std::string> all_files_;  // complete mode: the input so far, in order
  std::vector<std::string> available_;  // available-now: the files at the start, sorted
  size_t next_available_ = 0;           // available_[..next) are processed

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_requested_ = false;
  std::shared_ptr<arrow::StopSource> epoch_stop_;
  StreamingState state_ = StreamingState::kRunning;
  arrow::Status status_;
  int64_t last_committed_ = -1;
  std::deque<EpochProgress> progress_;
};

}  // namespace sluice
