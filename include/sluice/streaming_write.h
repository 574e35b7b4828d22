#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/status.h>

namespace sluice {

// When a streaming write starts a micro-batch (an epoch) and how much input it takes.
struct Trigger {
  enum class Kind {
    // Runs until stopped: an epoch starts at most every `interval` (0: as soon as the
    // previous one committed), when there is new input.
    kProcessingTime,
    // Takes what the source holds when the query starts, in as many epochs as the caps
    // need, then finishes.
    kAvailableNow,
  };
  Kind kind = Kind::kProcessingTime;
  std::chrono::milliseconds interval{0};
  // At most this many new files per epoch (directory sources); 0: no cap.
  int64_t max_files_per_epoch = 0;
  // Processing time, directory sources: an epoch waits until the new files hold at least
  // this many bytes (0: any new file starts one), or until the oldest of them has waited
  // `max_delay` (0: no limit). Stopping abandons what waits; available-now takes it all.
  int64_t min_bytes_per_epoch = 0;
  std::chrono::milliseconds max_delay{0};

  static Trigger ProcessingTime(std::chrono::milliseconds interval,
                                int64_t max_files_per_epoch = 0) {
    return Trigger{Kind::kProcessingTime, interval, max_files_per_epoch};
  }
  static Trigger AvailableNow(int64_t max_files_per_epoch = 0) {
    return Trigger{Kind::kAvailableNow, std::chrono::milliseconds(0),
                   max_files_per_epoch};
  }
  // An epoch once `min_bytes` of new files have arrived, or `max_delay` after the first.
  static Trigger AtBytes(int64_t min_bytes, std::chrono::milliseconds max_delay =
                                                std::chrono::milliseconds(0)) {
    Trigger trigger;
    trigger.min_bytes_per_epoch = min_bytes;
    trigger.max_delay = max_delay;
    return trigger;
  }
};

// What each epoch does to the target table.
enum class OutputMode {
  // The epoch's rows are appended.
  kAppend,
  // The query's whole result, over every input so far, replaces the table's rows (for
  // aggregates: the table always holds the current totals).
  kComplete,
  // The epoch's rows are upserted by StreamingWriteOptions::key_columns: a table row
  // with the same keys is replaced, other rows are added. Keys must be unique within an
  // epoch and not NULL.
  kUpdate,
};

// One committed epoch, as a streaming query reports it.
struct EpochProgress {
  int64_t epoch = -1;
  int64_t input_files = 0;  // new source files the epoch read
  int64_t rows = 0;         // rows written
  int64_t data_files = 0;   // data files written
  int64_t version = -1;     // the table version committed
  double plan_ms = 0;       // listing the source and writing the offset log
  double write_ms = 0;      // running the query and writing data files
  double commit_ms = 0;     // the Delta commit
  // The epoch's input, JSON: {"files": [...]} (a directory stream), {"epoch": e} (a
  // streaming table's producer epoch) or {"bounded": true} (a bounded query).
  std::string source_offset;
};

struct StreamingWriteOptions {
  // Required, stable across restarts: the Delta `txn` application id under which each
  // epoch is committed, and the key to resume from. Two queries writing one table need
  // two ids.
  std::string query_id;
  // Where the query keeps its offset log (the input of each epoch, written before the
  // epoch runs). Default: `_streaming/<query_id>` under the warehouse.
  std::string checkpoint_location;
  Trigger trigger;
  OutputMode output_mode = OutputMode::kAppend;
  // kUpdate: the columns that identify a row.
  std::vector<std::string> key_columns;
  // Columns of the query's result that the table lacks are added to it (nullable) in the
  // epoch's commit. Off: such a column fails the epoch.
  bool merge_schema = false;
  // After every this many committed epochs (0: never), small files are packed by an
  // OPTIMIZE. In append mode it runs in the background beside the next epochs (it only
  // rearranges rows, so it never conflicts with their appends); in complete and update
  // mode, which rewrite files themselves, it runs between epochs.
  int64_t compact_every_epochs = 0;
  // How many epochs' progress RecentProgress keeps.
  size_t progress_history = 100;
  // Called on the query's thread after each committed epoch. The query waits for it: a
  // slow listener slows the query, and through it the source's producers.
  std::function<void(const EpochProgress&)> on_progress;
};

enum class StreamingState { kRunning, kFinished, kStopped, kFailed };

class StreamingQueryEngine;

// A running streaming write (DataFrame::WriteStream): a thread turning the source's new
// input into one Delta commit per epoch, each carrying the epoch's data files, a `txn`
// action (appId = query id, version = epoch) and a commitInfo naming the query, epoch and
// input. Restarted with the same query id it resumes after the table's last committed
// epoch: an epoch that was committed is never written again, one that was not is run
// again with the same input. Thread-safe. Destroying it stops it.
class StreamingQuery {
 public:
  ~StreamingQuery();
  StreamingQuery(const StreamingQuery&) = delete;
  StreamingQuery& operator=(const StreamingQuery&) = delete;

  const std::string& id() const;

  // Stops the query: the epoch in progress is abandoned (nothing of it is committed; a
  // restart runs it again). Returns when the query's thread has ended.
  void Stop();
  // Waits until the query has ended (finished, stopped or failed), at most `timeout`;
  // true if it has.
  bool AwaitTermination(std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  StreamingState state() const;
  // Why the query failed (OK otherwise): the error names the epoch and the cause.
  arrow::Status status() const;
  // The last committed epoch (-1: none yet), also those committed before a restart.
  int64_t last_committed_epoch() const;
  std::optional<EpochProgress> LastProgress() const;
  std::vector<EpochProgress> RecentProgress() const;

 private:
  friend class DataFrame;
  explicit StreamingQuery(std::unique_ptr<StreamingQueryEngine> engine);

  std::unique_ptr<StreamingQueryEngine> engine_;
};

}  // namespace sluice
