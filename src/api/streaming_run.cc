#include "api/streaming_run.h"

#include <algorithm>

#include "api/table_write.h"
#include "catalog/directory_stream.h"
#include "delta/delta_table.h"

namespace sluice {

namespace {

using Clock = std::chrono::steady_clock;

// How often a query with nothing to do looks for new files.
constexpr std::chrono::milliseconds kIdlePoll(100);

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

StreamingRun::StreamingRun(DataFrame frame,
                           std::shared_ptr<catalog::DirectoryStream> source,
                           std::shared_ptr<delta::DeltaTable> table,
                           std::string table_name, StreamingWriteOptions options)
    : frame_(std::move(frame)),
      source_(std::move(source)),
      table_(std::move(table)),
      table_name_(std::move(table_name)),
      options_(std::move(options)),
      log_(options_.checkpoint_location) {}

arrow::Status StreamingRun::Recover() {
  ARROW_RETURN_NOT_OK(log_.Open());
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table_->Latest());
  const int64_t last = snapshot->TxnVersion(options_.query_id).value_or(-1);
  ARROW_ASSIGN_OR_RAISE(all_files_, log_.FilesUpTo(last));
  processed_.insert(all_files_.begin(), all_files_.end());
  std::lock_guard<std::mutex> lock(mutex_);
  last_committed_ = last;
  return arrow::Status::OK();
}

arrow::Result<std::vector<std::string>> StreamingRun::NextInput(int64_t epoch) {
  ARROW_ASSIGN_OR_RAISE(auto pending, log_.Read(epoch));
  if (pending) return std::move(*pending);  // planned before a crash: the same input
  const int64_t cap = options_.trigger.max_files_per_epoch;
  if (options_.trigger.kind != Trigger::Kind::kAvailableNow) {
    return source_->ListNew(processed_, cap);
  }
  // Available-now: the files listed at the start, in order, from a cursor that moves past
  // processed ones, so each epoch costs what it takes, not the size of the directory.
  while (next_available_ < available_.size() &&
         processed_.count(available_[next_available_]))
    ++next_available_;
  std::vector<std::string> fresh;
  for (size_t i = next_available_; i < available_.size(); ++i) {
    if (processed_.count(available_[i])) continue;
    fresh.push_back(available_[i]);
    if (cap > 0 && static_cast<int64_t>(fresh.size()) == cap) break;
  }
  return fresh;
}

void StreamingRun::Run() {
  const bool available_now = options_.trigger.kind == Trigger::Kind::kAvailableNow;
  // Available-now takes what is there at the start, nothing that arrives later.
  if (available_now) {
    auto present = source_->ListNew(processed_, 0);
    if (!present.ok()) return Finish(StreamingState::kFailed, present.status());
    available_ = std::move(*present);
  }
  int64_t epoch = last_committed_epoch() + 1;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_requested_) break;
    }
    const auto start = Clock::now();
    auto input = NextInput(epoch);
    if (!input.ok()) {
      return Finish(
          StreamingState::kFailed,
          input.status().WithMessage("streaming query ", options_.query_id, ", epoch ",
                                     epoch, ": ", input.status().message()));
    }
    if (input->empty()) {
      if (available_now) return Finish(StreamingState::kFinished, arrow::Status::OK());
      if (!WaitForTrigger(
              std::max(start + options_.trigger.interval, Clock::now() + kIdlePoll)))
        break;
      continue;
    }
    EpochProgress progress;
    progress.epoch = epoch;
    progress.input_files = static_cast<int64_t>(input->size());
    progress.source_offset = OffsetLog::ToJson(*input);
    progress.plan_ms = MillisSince(start);
    auto status = RunEpoch(epoch, *input, &progress);
    if (!status.ok()) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_requested_) break;  // abandoned: a restart runs the epoch again
      }
      // Nothing of the epoch was committed (unless the commit's outcome is unknown):
      // forget its input, so a restart after the cause is fixed plans afresh.
      auto snapshot = table_->Latest();
      if (snapshot.ok() &&
          (*snapshot)->TxnVersion(options_.query_id).value_or(-1) < epoch) {
        (void)log_.Remove(epoch);
      }
      return Finish(StreamingState::kFailed,
                    status.WithMessage("streaming query ", options_.query_id, ", epoch ",
                                       epoch, ": ", status.message()));
    }
    processed_.insert(input->begin(), input->end());
    all_files_.insert(all_files_.end(), input->begin(), input->end());
    // Compaction is an optimisation of restarts: a failure leaves the entries in place.
    (void)log_.Committed(epoch, all_files_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last_committed_ = epoch;
      progress_.push_back(std::move(progress));
      while (progress_.size() > std::max<size_t>(1, options_.progress_history))
        progress_.pop_front();
    }
    changed_.notify_all();
    ++epoch;
    if (!available_now && !WaitForTrigger(start + options_.trigger.interval)) break;
  }
  Finish(StreamingState::kStopped, arrow::Status::OK());
}

arrow::Status StreamingRun::RunEpoch(int64_t epoch, const std::vector<std::string>& files,
                                     EpochProgress* progress) {
  const auto start = Clock::now();
  ARROW_RETURN_NOT_OK(log_.Write(epoch, files));
  const bool complete = options_.output_mode == OutputMode::kComplete;
  std::vector<std::string> input = files;
  if (complete) {
    input = all_files_;
    input.insert(input.end(), files.begin(), files.end());
  }
  source_->SetEpochInput(std::move(input));
  auto stop = std::make_shared<arrow::StopSource>();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    epoch_stop_ = stop;
    if (stop_requested_) stop->RequestStop();
  }
  ExecOptions exec;
  exec.stop_token = stop->token();
  ARROW_ASSIGN_OR_RAISE(auto rows, frame_.Stream(exec));
  delta::WriteOptions write;
  write.txn = delta::Txn{options_.query_id, epoch, delta::NowMillis()};
  write.operation = "STREAMING UPDATE";
  write.operation_parameters = {{"outputMode", complete ? "Complete" : "Append"},
                                {"queryId", options_.query_id},
                                {"epochId", std::to_string(epoch)},
                                {"sourceOffset", progress->source_offset}};
  progress->plan_ms += MillisSince(start);
  const auto write_start = Clock::now();
  ARROW_ASSIGN_OR_RAISE(auto written, WriteByName(table_.get(), std::move(rows), complete,
                                                  std::move(write)));
  if (written.version < 0) {
    return arrow::Status::Invalid(
        "the epoch was committed meanwhile by another writer with this query id; a query "
        "id must run once at a time");
  }
  progress->commit_ms = written.commit_ms;
  progress->write_ms = MillisSince(write_start) - written.commit_ms;
  progress->rows = written.rows;
  progress->data_files = written.files;
  progress->version = written.version;
  return arrow::Status::OK();
}

bool StreamingRun::WaitForTrigger(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return stop_requested_; });
  return !stop_requested_;
}

void StreamingRun::Finish(StreamingState state, arrow::Status status) {
  source_->Release();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = state;
    status_ = std::move(status);
    epoch_stop_.reset();
  }
  changed_.notify_all();
}

void StreamingRun::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = true;
    if (epoch_stop_) epoch_stop_->RequestStop();
  }
  changed_.notify_all();
}

bool StreamingRun::AwaitTermination(std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto ended = [&] { return state_ != StreamingState::kRunning; };
  if (!timeout) {
    changed_.wait(lock, ended);
    return true;
  }
  return changed_.wait_for(lock, *timeout, ended);
}

StreamingState StreamingRun::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

arrow::Status StreamingRun::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

int64_t StreamingRun::last_committed_epoch() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_committed_;
}

std::optional<EpochProgress> StreamingRun::LastProgress() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (progress_.empty()) return std::nullopt;
  return progress_.back();
}

std::vector<EpochProgress> StreamingRun::RecentProgress() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {progress_.begin(), progress_.end()};
}

}  // namespace sluice
