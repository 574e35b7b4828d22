#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <arrow/util/cancel.h>

#include "api/offset_log.h"
#include "api/streaming_query_engine.h"
#include "sluice/data_frame.h"
#include "sluice/streaming_write.h"

namespace sluice {

namespace catalog {
class DirectoryStream;
class StreamingTable;
}  // namespace catalog
namespace delta {
class DeltaTable;
}

// What a streaming write reads: a directory stream, a streaming table's producer epochs,
// or neither (a bounded query, written as epoch 0).
struct StreamingSource {
  std::shared_ptr<catalog::DirectoryStream> directory;
  std::shared_ptr<catalog::StreamingTable> push;
};

// The body of a StreamingQuery: the epoch loop and its state. Run() is the query's
// thread; every other method may be called from any thread.
//
// Each epoch of a directory stream: (1) take the source's new files (or, after a
// restart, the input of the epoch the offset log has but the table has not committed);
// (2) write them to the offset log; (3) run the query over them (complete mode: over
// every file so far) and write its rows as data files; (4) commit the files with
// txn(query id, epoch) and a commitInfo naming the query, epoch and input. A crash
// anywhere leaves either the commit (the epoch is done) or not (its data files are
// invisible; the restart runs the epoch again from the offset log).
//
// A streaming table's epochs are numbered by its producer, who resends what was not
// committed after a restart; epochs already committed are read and dropped. A bounded
// query is epoch 0, run once.
class StreamingRun : public StreamingQueryEngine {
 public:
  StreamingRun(DataFrame frame, StreamingSource source,
               std::shared_ptr<delta::DeltaTable> table, StreamingWriteOptions options);
  ~StreamingRun() override;

  // Reads the table's last committed epoch and the offset log; called before Start, so
  // a query that cannot resume fails at once.
  arrow::Status Recover();
  // Starts the query's thread.
  void Start();

  const std::string& id() const override { return options_.query_id; }
  void Stop() override;
  bool AwaitTermination(std::optional<std::chrono::milliseconds> timeout) override;
  StreamingState state() const override;
  arrow::Status status() const override;
  int64_t last_committed_epoch() const override;
  std::optional<EpochProgress> LastProgress() const override;
  std::vector<EpochProgress> RecentProgress() const override;

 private:
  void Run();
  void RequestStop();
  void RunDirectory();
  void RunPush();
  void RunBounded();
  // Runs the query over what the source holds for `epoch` and commits the result.
  arrow::Status RunEpoch(int64_t epoch, EpochProgress* progress);
  // After `epoch` committed: records it, reports it, maybe starts a compaction.
  void Committed(int64_t epoch, EpochProgress progress);
  // New files for the next epoch (available-now: only those present at the start), maybe
  // none.
  arrow::Result<std::vector<std::string>> NewInput();
  // Processing time with min_bytes_per_epoch: whether new `input` is enough to start an
  // epoch now.
  arrow::Result<bool> ReadyToRun(const std::vector<std::string>& input);
  // Runs one directory epoch; false if the query has ended.
  bool DirectoryEpoch(int64_t epoch, std::vector<std::string> input,
                      std::chrono::steady_clock::time_point start);
  // An epoch failed: the query fails naming it (unless it was stopped).
  void EpochFailed(int64_t epoch, const arrow::Status& status);
  void Compact();
  bool stop_requested() const;
  // Sleeps until `deadline` or a stop; false if stopped.
  bool WaitForTrigger(std::chrono::steady_clock::time_point deadline);
  void Finish(StreamingState state, arrow::Status status);

  // Let go of when the query ends (see Run): it holds its session, which may hold this.
  std::optional<DataFrame> frame_;
  StreamingSource source_;
  std::shared_ptr<delta::DeltaTable> table_;
  StreamingWriteOptions options_;
  OffsetLog log_;
  std::set<std::string> processed_;
  std::vector<std::string> all_files_;  // complete mode: the input so far, in order
  std::vector<std::string> available_;  // available-now: the files at the start, sorted
  size_t next_available_ = 0;           // available_[..next) are processed
  // When the files waiting for min_bytes_per_epoch were first seen.
  std::optional<std::chrono::steady_clock::time_point> pending_since_;
  std::thread thread_;      // runs Run()
  std::mutex join_mutex_;   // Stop may be called from several threads
  std::thread compaction_;  // append mode's background OPTIMIZE
  std::atomic<bool> compacting_{false};

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_requested_ = false;
  std::shared_ptr<arrow::StopSource> epoch_stop_;
  arrow::StopSource run_stop_;  // the whole query: waits for a producer's epoch
  StreamingState state_ = StreamingState::kRunning;
  arrow::Status status_;
  int64_t last_committed_ = -1;
  std::deque<EpochProgress> progress_;
};

}  // namespace sluice
