#include "api/streaming_run.h"

#include <algorithm>

#include <arrow/util/logging.h>
#include <nlohmann/json.hpp>

#include "api/table_write.h"
#include "catalog/directory_stream.h"
#include "catalog/streaming_table.h"
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

StreamingRun::StreamingRun(DataFrame frame, StreamingSource source,
                           std::shared_ptr<delta::DeltaTable> table,
                           StreamingWriteOptions options)
    : frame_(std::move(frame)),
      source_(std::move(source)),
      table_(std::move(table)),
      options_(std::move(options)),
      log_(options_.checkpoint_location) {}

StreamingRun::~StreamingRun() {
  Stop();
  if (compaction_.joinable()) compaction_.join();
}

void StreamingRun::Start() {
  thread_ = std::thread([this] { Run(); });
}

void StreamingRun::Stop() {
  RequestStop();
  std::lock_guard<std::mutex> lock(join_mutex_);
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // the thread's last act let go of its session, and so of this
    return;
  }
  thread_.join();
}

arrow::Status StreamingRun::Recover() {
  ARROW_ASSIGN_OR_RAISE(auto committed, table_->LatestTxnVersion(options_.query_id));
  const int64_t last = committed.value_or(-1);
  if (source_.directory) {
    ARROW_RETURN_NOT_OK(log_.Open());
    ARROW_ASSIGN_OR_RAISE(all_files_, log_.FilesUpTo(last));
    processed_.insert(all_files_.begin(), all_files_.end());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  last_committed_ = last;
  return arrow::Status::OK();
}

void StreamingRun::Run() {
  if (source_.directory) {
    RunDirectory();
  } else if (source_.push) {
    RunPush();
  } else {
    RunBounded();
  }
  // The frame holds its session, which may hold this query (a write started by SQL in a
  // session since let go of): letting go of the frame may destroy this object, so it is
  // the last thing the thread does.
  std::optional<DataFrame> frame;
  frame.swap(frame_);
}

void StreamingRun::RunBounded() {
  if (last_committed_epoch() < 0) {
    EpochProgress progress;
    progress.epoch = 0;
    progress.source_offset = R"({"bounded":true})";
    auto status = RunEpoch(0, &progress);
    if (!status.ok()) return EpochFailed(0, status);
    Committed(0, std::move(progress));
  }
  Finish(stop_requested() ? StreamingState::kStopped : StreamingState::kFinished,
         arrow::Status::OK());
}

void StreamingRun::RunPush() {
  while (!stop_requested()) {
    const auto start = Clock::now();
    auto next = source_.push->NextEpoch(run_stop_.token());
    if (!next.ok()) {
      if (stop_requested()) break;
      return Finish(StreamingState::kFailed,
                    next.status().WithMessage("streaming query ", options_.query_id, ": ",
                                              next.status().message()));
    }
    if (!*next) return Finish(StreamingState::kFinished, arrow::Status::OK());
    const int64_t epoch = **next;
    if (epoch <= last_committed_epoch()) continue;  // resent by a restarted producer
    EpochProgress progress;
    progress.epoch = epoch;
    progress.source_offset = nlohmann::json({{"epoch", epoch}}).dump();
    progress.plan_ms = MillisSince(start);
    auto status = RunEpoch(epoch, &progress);
    if (!status.ok()) return EpochFailed(epoch, status);
    Committed(epoch, std::move(progress));
  }
  Finish(StreamingState::kStopped, arrow::Status::OK());
}

arrow::Result<std::vector<std::string>> StreamingRun::NewInput() {
  const int64_t cap = options_.trigger.max_files_per_epoch;
  if (options_.trigger.kind != Trigger::Kind::kAvailableNow) {
    return source_.directory->ListNew(processed_, cap);
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

void StreamingRun::RunDirectory() {
  const bool available_now = options_.trigger.kind == Trigger::Kind::kAvailableNow;
  // Available-now takes what is there at the start, nothing that arrives later.
  if (available_now) {
    auto present = source_.directory->ListNew(processed_, 0);
    if (!present.ok()) return Finish(StreamingState::kFailed, present.status());
    available_ = std::move(*present);
  }
  int64_t epoch = last_committed_epoch() + 1;
  while (!stop_requested()) {
    const auto start = Clock::now();
    // An epoch planned before a crash runs again with the same input, at once.
    auto logged = log_.Read(epoch);
    if (!logged.ok()) return EpochFailed(epoch, logged.status());
    auto input = *logged ? arrow::Result<std::vector<std::string>>(std::move(**logged))
                         : NewInput();
    if (!input.ok()) return EpochFailed(epoch, input.status());
    auto ready = input->empty() ? arrow::Result<bool>(false)
                 : *logged      ? arrow::Result<bool>(true)
                                : ReadyToRun(*input);
    if (!ready.ok()) return EpochFailed(epoch, ready.status());
    if (!*ready) {
      if (available_now) return Finish(StreamingState::kFinished, arrow::Status::OK());
      if (!WaitForTrigger(
              std::max(start + options_.trigger.interval, Clock::now() + kIdlePoll)))
        break;
      continue;
    }
    pending_since_.reset();
    if (!DirectoryEpoch(epoch, std::move(*input), start)) return;
    ++epoch;
    if (!available_now && !WaitForTrigger(start + options_.trigger.interval)) break;
  }
  Finish(StreamingState::kStopped, arrow::Status::OK());
}

arrow::Result<bool> StreamingRun::ReadyToRun(const std::vector<std::string>& input) {
  const auto& trigger = options_.trigger;
  if (trigger.kind == Trigger::Kind::kAvailableNow || trigger.min_bytes_per_epoch <= 0) {
    return true;
  }
  if (!pending_since_) pending_since_ = Clock::now();
  if (trigger.max_delay.count() > 0 &&
      Clock::now() - *pending_since_ >= trigger.max_delay) {
    return true;
  }
  ARROW_ASSIGN_OR_RAISE(auto bytes, source_.directory->TotalBytes(input));
  return bytes >= trigger.min_bytes_per_epoch;
}

bool StreamingRun::DirectoryEpoch(int64_t epoch, std::vector<std::string> input,
                                  Clock::time_point start) {
  EpochProgress progress;
  progress.epoch = epoch;
  progress.input_files = static_cast<int64_t>(input.size());
  progress.source_offset = OffsetLog::ToJson(input);
  auto status = log_.Write(epoch, input);
  std::vector<std::string> scan = input;
  if (options_.output_mode == OutputMode::kComplete) {
    scan = all_files_;
    scan.insert(scan.end(), input.begin(), input.end());
  }
  source_.directory->SetEpochInput(std::move(scan));
  progress.plan_ms = MillisSince(start);
  if (status.ok()) status = RunEpoch(epoch, &progress);
  if (!status.ok()) {
    // Nothing of the epoch was committed (unless the commit's outcome is unknown):
    // forget its input, so a restart after the cause is fixed plans afresh.
    auto committed = table_->LatestTxnVersion(options_.query_id);
    if (!stop_requested() && committed.ok() && committed->value_or(-1) < epoch) {
      (void)log_.Remove(epoch);
    }
    EpochFailed(epoch, status);
    return false;
  }
  processed_.insert(input.begin(), input.end());
  all_files_.insert(all_files_.end(), input.begin(), input.end());
  // Compaction is an optimisation of restarts: a failure leaves the entries in place.
  (void)log_.Committed(epoch, all_files_);
  Committed(epoch, std::move(progress));
  return true;
}

arrow::Status StreamingRun::RunEpoch(int64_t epoch, EpochProgress* progress) {
  const auto start = Clock::now();
  auto stop = std::make_shared<arrow::StopSource>();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    epoch_stop_ = stop;
    if (stop_requested_) stop->RequestStop();
  }
  ExecOptions exec;
  exec.stop_token = stop->token();
  ARROW_ASSIGN_OR_RAISE(auto rows, frame_->Stream(exec));
  TableWrite how;
  switch (options_.output_mode) {
    case OutputMode::kComplete:
      how.mode = TableWrite::Mode::kOverwrite;
      break;
    case OutputMode::kUpdate:
      how.mode = TableWrite::Mode::kUpsert;
      break;
    case OutputMode::kAppend:
      break;
  }
  how.keys = options_.key_columns;
  how.merge_schema = options_.merge_schema;
  delta::WriteOptions write;
  write.txn = delta::Txn{options_.query_id, epoch, delta::NowMillis()};
  write.operation = "STREAMING UPDATE";
  write.operation_parameters = {{"outputMode", OutputModeName(options_.output_mode)},
                                {"queryId", options_.query_id},
                                {"epochId", std::to_string(epoch)},
                                {"sourceOffset", progress->source_offset}};
  progress->plan_ms += MillisSince(start);
  const auto write_start = Clock::now();
  ARROW_ASSIGN_OR_RAISE(
      auto written, WriteByName(table_.get(), std::move(rows), how, std::move(write)));
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

void StreamingRun::Committed(int64_t epoch, EpochProgress progress) {
  const EpochProgress reported = progress;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last_committed_ = epoch;
    progress_.push_back(std::move(progress));
    while (progress_.size() > std::max<size_t>(1, options_.progress_history))
      progress_.pop_front();
  }
  changed_.notify_all();
  if (options_.on_progress) options_.on_progress(reported);
  const int64_t every = options_.compact_every_epochs;
  if (every > 0 && (epoch + 1) % every == 0) Compact();
}

void StreamingRun::Compact() {
  auto optimize = [table = table_, id = options_.query_id] {
    auto result = table->Optimize();
    // A failed OPTIMIZE changes nothing; the next one tries again.
    if (!result.ok()) {
      ARROW_LOG(WARNING) << "streaming query " << id
                         << ": compaction failed: " << result.status().ToString();
    }
  };
  if (options_.output_mode != OutputMode::kAppend) return optimize();
  if (compacting_.exchange(true)) return;  // the previous one is still at work
  if (compaction_.joinable()) compaction_.join();
  compaction_ = std::thread([this, optimize] {
    optimize();
    compacting_ = false;
  });
}

void StreamingRun::EpochFailed(int64_t epoch, const arrow::Status& status) {
  if (stop_requested()) {  // abandoned: a restart runs the epoch again
    return Finish(StreamingState::kStopped, arrow::Status::OK());
  }
  Finish(StreamingState::kFailed,
         status.WithMessage("streaming query ", options_.query_id, ", epoch ", epoch,
                            ": ", status.message()));
}

bool StreamingRun::stop_requested() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_requested_;
}

bool StreamingRun::WaitForTrigger(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return stop_requested_; });
  return !stop_requested_;
}

void StreamingRun::Finish(StreamingState state, arrow::Status status) {
  if (compaction_.joinable()) compaction_.join();
  if (source_.directory) source_.directory->Release();
  if (source_.push) source_.push->Release();
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
  run_stop_.RequestStop();
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
