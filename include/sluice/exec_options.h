#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include <arrow/util/cancel.h>

#include "sluice/query_progress.h"

namespace sluice {

// How a query runs. A setting left unset takes the session's value (`SET name = value`,
// Session::Set), else the default given here; pass {} for those.
struct ExecOptions {
  // Batches a stream may hold that the consumer has not pulled yet, per partition. When
  // the bound is reached the query's producers pause until the consumer pulls.
  // Default 8 (setting `max_buffered_batches`).
  std::optional<size_t> max_buffered_batches;

  // A stop request (StopSource::RequestStop, or Ctrl-C when the process installed
  // arrow::RegisterCancellingSignalHandler) cancels the query: the stream's next read
  // returns Cancelled and all of the query's work ends.
  arrow::StopToken stop_token = arrow::StopToken::Unstoppable();

  // For StreamPartitions: how many partitions to ask for; 0 means one per CPU core.
  // Default 0 (setting `partitions`).
  std::optional<int> partitions;

  // CPU threads of each running query (of each partition); 0 means one per core. A query
  // owns its threads: they end when its stream is closed. Default 0 (setting `threads`).
  std::optional<int> threads;

  // Bytes the query's operators may hold at once (hash tables, sorts, joins, batches they
  // buffer); 0 means no limit. Reaching it fails the query with OutOfMemory saying so.
  // Memory that Arrow's file readers use while decoding is not counted. Default 0
  // (setting `memory_limit`, which also takes '512MB', '4GB').
  std::optional<int64_t> memory_limit_bytes;

  // If set, the query reports what it has read here while it runs (embedded engine).
  std::shared_ptr<QueryProgress> progress;
};

}  // namespace sluice
