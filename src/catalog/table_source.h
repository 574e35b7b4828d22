#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <optional>

#include <arrow/compute/exec.h>
#include <arrow/compute/expression.h>
#include <arrow/type_fwd.h>
#include <arrow/util/async_generator_fwd.h>
#include <arrow/util/type_fwd.h>

#include "common/cancellation.h"

namespace sluice::catalog {

// What the engine asks of a table when it lowers a scan.
struct ScanRequest {
  // Source column names to produce, in this order (after projection pushdown).
  std::vector<std::string> columns;
  // A predicate over source column names that the source may use to skip data (row
  // groups, files). It is a hint: the engine still filters every row.
  arrow::compute::Expression filter = arrow::compute::literal(true);
  // Which of `num_partitions` disjoint, contiguous parts of the table to read.
  int partition = 0;
  int num_partitions = 1;
  // Rows read so far, and bytes of the batches read from files, for progress
  // reporting; may be null.
  std::shared_ptr<std::atomic<int64_t>> rows_scanned;
  std::shared_ptr<std::atomic<int64_t>> bytes_scanned;
  // Signalled when the query stops: a source that could run or wait for long ends early.
  // May be null.
  std::shared_ptr<CancellationSignal> cancellation;
  // The query's CPU executor, for sources that produce batches with CPU work.
  arrow::internal::Executor* executor = nullptr;
  // String columns (among `columns`) the engine would rather have dictionary-encoded
  // (dictionary<int32, string>, a dictionary per batch), where it only groups by them. A
  // source may ignore it; ScanStream::schema says what it produces.
  std::vector<std::string> dictionary_columns;
};

// Batches of a scan, produced on demand; std::nullopt ends the stream.
using BatchGenerator = arrow::AsyncGenerator<std::optional<arrow::compute::ExecBatch>>;

// One part of a table, ready to read: batches of the requested columns. An engine wraps
// it in its own source operator; nothing here is specific to one engine.
struct ScanStream {
  // The requested columns, in the requested order.
  std::shared_ptr<arrow::Schema> schema;
  // One generator: the part in its natural order. Several: independent producers (the
  // partitions of a streaming table), read concurrently, no order between them.
  std::vector<BatchGenerator> generators;
};

// A table the engine can scan: a registered Arrow table, range(), a set of files. Sources
// are immutable and shared by every query that reads them; MakeScan may be called from
// any thread.
class TableSource {
 public:
  virtual ~TableSource() = default;

  virtual std::shared_ptr<arrow::Schema> schema() const = 0;

  // One line for EXPLAIN, e.g. "range(0, 100, 1)".
  virtual std::string Describe() const = 0;

  // How many disjoint parts this source can be split into, each read in order; reading
  // parts 0..n-1 in sequence reproduces the whole table in its natural order.
  virtual int MaxPartitions() const { return 1; }

  // About how many rows the table has, for planning (join order, build sides); nullopt
  // when the source cannot tell cheaply.
  virtual std::optional<int64_t> EstimatedRows() const { return std::nullopt; }
  // Exactly how many rows the table has, when metadata says so without reading data
  // (Delta `numRecords` of every file, Parquet footers); nullopt otherwise. Answers
  // `SELECT count(*) FROM t`.
  virtual std::optional<int64_t> ExactRows() const { return std::nullopt; }
  // About how many distinct values a column has (nullopt: unknown), for estimating the
  // size of joins: a key with few values multiplies rows.
  virtual std::optional<int64_t> EstimatedDistinct(const std::string& column) const {
    (void)column;
    return std::nullopt;
  }

  // Whether a new query may read this table now; a source that can be read only once
  // (a streaming table) says why not. Checked when a query names the table.
  virtual arrow::Status CheckScannable() const { return arrow::Status::OK(); }

  // The batches of `request.columns` of one part.
  virtual arrow::Result<ScanStream> MakeScan(const ScanRequest& request) const = 0;
};

// Rows per batch produced by Sluice's own sources.
constexpr int64_t kSourceBatchRows = 64 * 1024;

}  // namespace sluice::catalog
