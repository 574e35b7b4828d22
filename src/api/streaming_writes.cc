#include "api/streaming_writes.h"

#include <charconv>

namespace sluice {

namespace {

const char* StateName(StreamingState state) {
  switch (state) {
    case StreamingState::kFinished:
      return "finished";
    case StreamingState::kStopped:
      return "stopped";
    case StreamingState::kFailed:
      return "failed";
    case StreamingState::kRunning:
      break;
  }
  return "running";
}

// A whole non-negative number, or Invalid naming the option.
arrow::Result<int64_t> Count(const std::string& option, const std::string& text) {
  int64_t value = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return arrow::Status::Invalid("streaming write option ", option,
                                  " must be a whole number >= 0, not '", text, "'");
  }
  return value;
}

// '<n> <unit>' with a unit among milliseconds, seconds, minutes (singular too).
arrow::Result<std::chrono::milliseconds> Interval(const std::string& option,
                                                  const std::string& text) {
  double amount = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(begin, end, amount);
  std::string unit(rest, end);
  unit.erase(0, unit.find_first_not_of(' '));
  const double scale = unit == "ms" || unit == "millisecond" || unit == "milliseconds" ? 1
                       : unit == "s" || unit == "second" || unit == "seconds" ? 1e3
                       : unit == "minute" || unit == "minutes"                ? 6e4
                                                                              : -1;
  if (error != std::errc() || rest == begin || scale < 0 || amount < 0) {
    return arrow::Status::Invalid(
        "streaming write option ", option, " must be ",
        option == "trigger" ? "'available now', 'once', 'continuous' or " : "",
        "an interval such as '10 seconds', not '", text, "'");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(amount * scale));
}

arrow::Status SetOption(const std::string& key, const std::string& value,
                        StreamingWriteOptions* options) {
  if (key == "trigger") {
    if (value == "available now" || value == "once") {
      options->trigger.kind = Trigger::Kind::kAvailableNow;
    } else if (value == "continuous") {
      options->trigger.kind = Trigger::Kind::kProcessingTime;
    } else {
      ARROW_ASSIGN_OR_RAISE(options->trigger.interval, Interval(key, value));
    }
  } else if (key == "output_mode") {
    if (value == "append") {
      options->output_mode = OutputMode::kAppend;
    } else if (value == "complete") {
      options->output_mode = OutputMode::kComplete;
    } else if (value == "update") {
      options->output_mode = OutputMode::kUpdate;
    } else {
      return arrow::Status::Invalid(
          "streaming write option output_mode must be append, complete or update, not '",
          value, "'");
    }
  } else if (key == "min_bytes_per_epoch") {
    ARROW_ASSIGN_OR_RAISE(options->trigger.min_bytes_per_epoch, Count(key, value));
  } else if (key == "max_delay") {
    ARROW_ASSIGN_OR_RAISE(options->trigger.max_delay, Interval(key, value));
  } else if (key == "max_files_per_epoch") {
    ARROW_ASSIGN_OR_RAISE(options->trigger.max_files_per_epoch, Count(key, value));
  } else if (key == "compact_every") {
    ARROW_ASSIGN_OR_RAISE(options->compact_every_epochs, Count(key, value));
  } else if (key == "merge_schema") {
    if (value != "true" && value != "false") {
      return arrow::Status::Invalid(
          "streaming write option merge_schema must be true or false, not '", value, "'");
    }
    options->merge_schema = value == "true";
  } else {
    return arrow::Status::Invalid(
        "unknown streaming write option ", key,
        " (options: trigger, output_mode, max_files_per_epoch, min_bytes_per_epoch, "
        "max_delay, merge_schema, compact_every)");
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<StreamingWriteOptions> StreamingWriteOptionsFromSql(
    const std::string& name, const std::vector<std::string>& keys,
    const std::map<std::string, std::string>& properties) {
  StreamingWriteOptions options;
  options.query_id = name;
  options.key_columns = keys;
  for (const auto& [key, value] : properties) {
    ARROW_RETURN_NOT_OK(SetOption(key, value, &options));
  }
  return options;
}

arrow::Status StreamingWrites::CheckFree(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = writes_.find(name);
  if (it != writes_.end() && it->second.query->state() == StreamingState::kRunning) {
    return arrow::Status::Invalid("streaming write ", name,
                                  " is running; STOP STREAMING WRITE ", name, " first");
  }
  return arrow::Status::OK();
}

void StreamingWrites::Add(const std::string& name, const std::string& table,
                          std::unique_ptr<StreamingQuery> query) {
  std::shared_ptr<StreamingQuery> replaced;
  std::lock_guard<std::mutex> lock(mutex_);
  auto& entry = writes_[name];
  replaced = std::move(entry.query);  // an ended write of the same name
  entry = Entry{table, std::move(query)};
}

arrow::Result<std::shared_ptr<StreamingQuery>> StreamingWrites::Find(
    const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = writes_.find(name);
  if (it == writes_.end()) {
    return arrow::Status::KeyError("no streaming write named ", name,
                                   " in this session (SHOW STREAMING WRITES lists them)");
  }
  return it->second.query;
}

arrow::Result<ExecResult> StreamingWrites::Stop(const std::string& name) {
  ARROW_ASSIGN_OR_RAISE(auto query, Find(name));
  query->Stop();
  return ExecResult{"STOP STREAMING WRITE: " + name + " " + StateName(query->state()) +
                        " after epoch " + std::to_string(query->last_committed_epoch()),
                    0, -1};
}

arrow::Result<ExecResult> StreamingWrites::Await(const std::string& name,
                                                 std::optional<double> timeout_seconds) {
  ARROW_ASSIGN_OR_RAISE(auto query, Find(name));
  std::optional<std::chrono::milliseconds> timeout;
  if (timeout_seconds) {
    timeout = std::chrono::milliseconds(static_cast<int64_t>(*timeout_seconds * 1000));
  }
  const bool ended = query->AwaitTermination(timeout);
  ARROW_RETURN_NOT_OK(query->status());
  return ExecResult{"AWAIT STREAMING WRITE: " + name + " " +
                        (ended ? StateName(query->state()) : "still running") +
                        ", last epoch " + std::to_string(query->last_committed_epoch()),
                    0, -1};
}

ExecResult StreamingWrites::Show() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string text = "STREAMING WRITES: " + std::to_string(writes_.size());
  for (const auto& [name, entry] : writes_) {
    text += "\n  " + name + " INTO " + entry.table + ": " +
            StateName(entry.query->state()) + ", last epoch " +
            std::to_string(entry.query->last_committed_epoch());
    const auto status = entry.query->status();
    if (!status.ok()) text += ": " + status.message();
  }
  return ExecResult{text, static_cast<int64_t>(writes_.size()), -1};
}

void StreamingWrites::StopAll() {
  std::map<std::string, Entry> writes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    writes = writes_;
  }
  for (auto& [name, entry] : writes) entry.query->Stop();
}

}  // namespace sluice
