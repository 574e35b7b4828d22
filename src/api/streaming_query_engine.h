#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <arrow/status.h>

#include "sluice/streaming_write.h"

namespace sluice {

// "Append", "Complete" or "Update", as Spark names output modes.
const char* OutputModeName(OutputMode mode);

// What runs a StreamingQuery: the embedded engine's epoch loop (StreamingRun) or a Spark
// Structured Streaming query (SparkStreamingQuery). Every method is thread-safe; the
// destructor stops the query.
class StreamingQueryEngine {
 public:
  virtual ~StreamingQueryEngine() = default;

  virtual const std::string& id() const = 0;
  // Stops the query and returns once it has ended.
  virtual void Stop() = 0;
  virtual bool AwaitTermination(std::optional<std::chrono::milliseconds> timeout) = 0;
  virtual StreamingState state() const = 0;
  virtual arrow::Status status() const = 0;
  virtual int64_t last_committed_epoch() const = 0;
  virtual std::optional<EpochProgress> LastProgress() const = 0;
  virtual std::vector<EpochProgress> RecentProgress() const = 0;
};

}  // namespace sluice
