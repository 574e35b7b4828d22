#pragma once

#include <cstddef>
#include <cstdint>

#include <arrow/util/cancel.h>

namespace sluice {

// How a query runs. Plain values with defaults; pass {} for the defaults.
struct ExecOptions {
  // Batches a stream may hold that the consumer has not pulled yet, per partition. When
  // the bound is reached the query's producers pause until the consumer pulls.
  size_t max_buffered_batches = 8;

  // A stop request (StopSource::RequestStop, or Ctrl-C when the process installed
  // arrow::RegisterCancellingSignalHandler) cancels the query: the stream's next read
  // returns Cancelled and all of the query's work ends.
  arrow::StopToken stop_token = arrow::StopToken::Unstoppable();

  // For StreamPartitions: how many partitions to ask for; 0 means one per CPU core.
  int partitions = 0;

  // CPU threads of each running query (of each partition); 0 means one per core. A query
  // owns its threads: they end when its stream is closed.
  int threads = 0;

  // Bytes the query's operators may hold at once (hash tables, sorts, joins, batches they
  // buffer); 0 means no limit. Reaching it fails the query with OutOfMemory saying so.
  // Memory that Arrow's file readers use while decoding is not counted.
  int64_t memory_limit_bytes = 0;
};

}  // namespace sluice
