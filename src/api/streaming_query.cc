#include "sluice/streaming_write.h"

#include "api/streaming_query_engine.h"

namespace sluice {

const char* OutputModeName(OutputMode mode) {
  switch (mode) {
    case OutputMode::kComplete:
      return "Complete";
    case OutputMode::kUpdate:
      return "Update";
    case OutputMode::kAppend:
      break;
  }
  return "Append";
}

StreamingQuery::StreamingQuery(std::unique_ptr<StreamingQueryEngine> engine)
    : engine_(std::move(engine)) {}

StreamingQuery::~StreamingQuery() = default;

const std::string& StreamingQuery::id() const { return engine_->id(); }
void StreamingQuery::Stop() { engine_->Stop(); }
bool StreamingQuery::AwaitTermination(std::optional<std::chrono::milliseconds> timeout) {
  return engine_->AwaitTermination(timeout);
}
StreamingState StreamingQuery::state() const { return engine_->state(); }
arrow::Status StreamingQuery::status() const { return engine_->status(); }
int64_t StreamingQuery::last_committed_epoch() const {
  return engine_->last_committed_epoch();
}
std::optional<EpochProgress> StreamingQuery::LastProgress() const {
  return engine_->LastProgress();
}
std::vector<EpochProgress> StreamingQuery::RecentProgress() const {
  return engine_->RecentProgress();
}

}  // namespace sluice
