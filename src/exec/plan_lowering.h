#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include <arrow/acero/exec_plan.h>
#include <arrow/util/thread_pool.h>

#include "common/cancellation.h"
#include "plan/logical_plan.h"

namespace sluice::exec {

class CommonTableResult;

struct LoweringContext {
  // Which part of every scan to read; see catalog::TableSource::MaxPartitions.
  int partition = 0;
  int num_partitions = 1;
  std::shared_ptr<std::atomic<int64_t>> rows_scanned;
  std::shared_ptr<std::atomic<int64_t>> bytes_scanned;  // may be null
  std::shared_ptr<CancellationSignal> cancellation;
  arrow::internal::Executor* executor = nullptr;
  // Where the query allocates; the default pool when null.
  std::shared_ptr<arrow::MemoryPool> memory_pool;
  // Receives the threads lowering starts for the query (a window's reader blocks on one
  // while its input plan works); the caller shuts them down when the query ends.
  std::vector<std::shared_ptr<arrow::internal::ThreadPool>>* reader_threads = nullptr;
  // The materialized CTEs of the query, by source, so that every reference reads one
  // result; made by LowerToAcero when null.
  std::shared_ptr<std::map<const void*, std::shared_ptr<CommonTableResult>>>
      common_tables;
  // Source columns to ask scans for dictionary-encoded, by Scan node: string columns that
  // only become group keys of a "sluice_aggregate" above (set while lowering its input).
  std::shared_ptr<const std::map<const plan::LogicalNode*, std::vector<std::string>>>
      dictionary_columns;
};

// Translates an optimized logical plan into an Acero declaration (without a sink).
arrow::Result<arrow::acero::Declaration> LowerToAcero(const plan::NodePtr& node,
                                                      const LoweringContext& context);

// How many independent, ordered partitions the plan can run as: 1 unless the plan is only
// scans, filters and projections over one source, then min(requested, what the source
// can split into).
int PartitionCount(const plan::NodePtr& node, int requested);

}  // namespace sluice::exec
