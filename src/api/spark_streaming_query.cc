#include "api/spark_streaming_query.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "spark/spark_client.h"

namespace sluice {

namespace sc = ::spark::connect;
using Json = nlohmann::json;

namespace {

double Millis(const Json& durations, const char* key) {
  const Json value = durations.value(key, Json());
  return value.is_number() ? value.get<double>() : 0;
}

// One of Spark's StreamingQueryProgress reports (JSON) as an EpochProgress.
std::optional<EpochProgress> ProgressOf(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.value("batchId", Json()).is_number_integer()) {
    return std::nullopt;
  }
  EpochProgress progress;
  progress.epoch = json["batchId"].get<int64_t>();
  // Rows read, summed over the sources (the top-level total is not always sent).
  const Json sources = json.value("sources", Json::array());
  for (const auto& source : sources.is_array() ? sources : Json::array()) {
    const Json rows = source.is_object() ? source.value("numInputRows", Json()) : Json();
    if (rows.is_number_integer()) progress.rows += rows.get<int64_t>();
  }
  const Json durations = json.value("durationMs", Json::object());
  progress.plan_ms = Millis(durations, "latestOffset") + Millis(durations, "getBatch") +
                     Millis(durations, "queryPlanning") + Millis(durations, "walCommit");
  progress.write_ms = Millis(durations, "addBatch");
  progress.commit_ms = Millis(durations, "commitOffsets");
  if (sources.is_array() && !sources.empty() && sources[0].is_object()) {
    const Json offset = sources[0].value("endOffset", Json());
    progress.source_offset =
        offset.is_string() ? offset.get<std::string>() : offset.dump();
  }
  return progress;
}

}  // namespace

SparkStreamingQuery::SparkStreamingQuery(std::shared_ptr<spark::SparkClient> client,
                                         std::string name,
                                         sc::StreamingQueryInstanceId instance)
    : client_(std::move(client)),
      name_(std::move(name)),
      instance_(std::move(instance)) {}

SparkStreamingQuery::~SparkStreamingQuery() { Stop(); }

arrow::Result<sc::StreamingQueryCommandResult> SparkStreamingQuery::Send(
    Fill fill, int64_t argument) const {
  sc::Command command;
  auto* query = command.mutable_streaming_query_command();
  *query->mutable_query_id() = instance_;
  fill(query, argument);
  ARROW_ASSIGN_OR_RAISE(auto result, client_->Run(command));
  if (!result.streaming_query) {
    return arrow::Status::IOError("Spark did not answer the command on streaming query ",
                                  name_);
  }
  return *result.streaming_query;
}

void SparkStreamingQuery::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ended_) return;
    stop_requested_ = true;
  }
  // Best effort: a query that already ended, or a server gone, has nothing to stop.
  (void)Send([](sc::StreamingQueryCommand* c, int64_t) { c->set_stop(true); });
  (void)state();
}

bool SparkStreamingQuery::AwaitTermination(
    std::optional<std::chrono::milliseconds> timeout) {
  if (timeout) {
    auto result =
        Send([](sc::StreamingQueryCommand* c,
                int64_t ms) { c->mutable_await_termination()->set_timeout_ms(ms); },
             timeout->count());
    // Spark answers a failed query's await with its error: the query has ended.
    if (result.ok() && !result->await_termination().terminated()) return false;
  } else {
    (void)Send(
        [](sc::StreamingQueryCommand* c, int64_t) { c->mutable_await_termination(); });
  }
  return state() != StreamingState::kRunning;
}

StreamingState SparkStreamingQuery::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (ended_) return *ended_;
  auto status = Send([](sc::StreamingQueryCommand* c, int64_t) { c->set_status(true); });
  if (status.ok() && status->status().is_active()) return StreamingState::kRunning;
  auto exception =
      Send([](sc::StreamingQueryCommand* c, int64_t) { c->set_exception(true); });
  if (!status.ok() || !exception.ok()) {
    failure_ = !status.ok() ? status.status() : exception.status();
    ended_ = StreamingState::kFailed;
  } else if (exception->exception().has_exception_message()) {
    failure_ = arrow::Status::ExecutionError("streaming query ", name_, ": ",
                                             exception->exception().exception_message());
    ended_ = StreamingState::kFailed;
  } else {
    ended_ = stop_requested_ ? StreamingState::kStopped : StreamingState::kFinished;
  }
  return *ended_;
}

arrow::Status SparkStreamingQuery::status() const {
  (void)state();
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

std::vector<EpochProgress> SparkStreamingQuery::RecentProgress() const {
  auto result =
      Send([](sc::StreamingQueryCommand* c, int64_t) { c->set_recent_progress(true); });
  std::vector<EpochProgress> out;
  if (!result.ok()) return out;
  for (const auto& text : result->recent_progress().recent_progress_json()) {
    if (auto progress = ProgressOf(text)) out.push_back(std::move(*progress));
  }
  return out;
}

std::optional<EpochProgress> SparkStreamingQuery::LastProgress() const {
  auto recent = RecentProgress();
  if (recent.empty()) return std::nullopt;
  return recent.back();
}

int64_t SparkStreamingQuery::last_committed_epoch() const {
  // Idle triggers report the next batch's id with no rows: only batches with rows count.
  int64_t last = -1;
  for (const auto& progress : RecentProgress()) {
    if (progress.rows > 0) last = std::max(last, progress.epoch);
  }
  return last;
}

}  // namespace sluice
