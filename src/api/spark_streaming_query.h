#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/streaming_query_engine.h"
#include "spark/connect/commands.pb.h"

namespace sluice {

namespace spark {
class SparkClient;
}

// A Spark Structured Streaming query that a streaming write started on a Spark session
// (WriteStreamOperationStart); each method is a StreamingQueryCommand. Spark's progress
// reports map onto EpochProgress: epoch = batchId, rows = numInputRows, plan_ms =
// latestOffset + getBatch + queryPlanning + walCommit, write_ms = addBatch (writing and
// committing the Delta files), commit_ms = commitOffsets, source_offset = the first
// source's endOffset; the table version is not reported (-1). Exactly-once is Spark's:
// its Delta sink commits each batch with txn(query id, batch id).
class SparkStreamingQuery : public StreamingQueryEngine {
 public:
  SparkStreamingQuery(std::shared_ptr<spark::SparkClient> client, std::string name,
                      ::spark::connect::StreamingQueryInstanceId instance);
  ~SparkStreamingQuery() override;

  const std::string& id() const override { return name_; }
  void Stop() override;
  bool AwaitTermination(std::optional<std::chrono::milliseconds> timeout) override;
  StreamingState state() const override;
  arrow::Status status() const override;
  int64_t last_committed_epoch() const override;
  std::optional<EpochProgress> LastProgress() const override;
  std::vector<EpochProgress> RecentProgress() const override;

 private:
  using Fill = void (*)(::spark::connect::StreamingQueryCommand*, int64_t);
  arrow::Result<::spark::connect::StreamingQueryCommandResult> Send(
      Fill fill, int64_t argument = 0) const;

  std::shared_ptr<spark::SparkClient> client_;
  std::string name_;
  ::spark::connect::StreamingQueryInstanceId instance_;
  mutable std::mutex mutex_;
  bool stop_requested_ = false;
  mutable std::optional<StreamingState> ended_;  // once Spark said it ended
  mutable arrow::Status failure_;
};

}  // namespace sluice
