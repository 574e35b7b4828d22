#include "sluice/streaming_write.h"

#include "api/streaming_run.h"

namespace sluice {

StreamingQuery::StreamingQuery(std::unique_ptr<StreamingRun> run) : run_(std::move(run)) {
  thread_ = std::thread([run = run_.get()] { run->Run(); });
}

StreamingQuery::~StreamingQuery() { Stop(); }

const std::string& StreamingQuery::id() const { return run_->id(); }

void StreamingQuery::Stop() {
  run_->RequestStop();
  std::lock_guard<std::mutex> lock(join_mutex_);
  if (thread_.joinable()) thread_.join();
}

bool StreamingQuery::AwaitTermination(std::optional<std::chrono::milliseconds> timeout) {
  return run_->AwaitTermination(timeout);
}

StreamingState StreamingQuery::state() const { return run_->state(); }
arrow::Status StreamingQuery::status() const { return run_->status(); }
int64_t StreamingQuery::last_committed_epoch() const {
  return run_->last_committed_epoch();
}
std::optional<EpochProgress> StreamingQuery::LastProgress() const {
  return run_->LastProgress();
}
std::vector<EpochProgress> StreamingQuery::RecentProgress() const {
  return run_->RecentProgress();
}

}  // namespace sluice
