#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/c/abi.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "sluice/exec_options.h"

namespace sluice {

class Session;
class StreamingQuery;
struct StreamingWriteOptions;
struct DerivedQuery;
namespace plan {
class LogicalNode;
class FrameOp;
}  // namespace plan

enum class JoinType { kInner, kLeft };

// A lazy query: a logical plan plus the session it runs in. Immutable and cheap to copy;
// nothing runs until Collect, Stream, StreamPartitions or ExportArrowStream.
//
// Transformations take SQL expression text and never fail on the spot: an error (unknown
// column, type mismatch, syntax) is kept in the returned DataFrame, status() reports it,
// and every terminal method returns it. So calls chain:
//   session->Table("trades")->Filter("price > 10").Select({"sym", "price * qty AS v"})
//
// On a Spark session ("sc://"), the expressions are Spark SQL, sent as written; errors
// in them are reported by Spark when the frame is analysed (schema, Explain) or run.
//
// Thread-safety: a DataFrame may be used from several threads at once; every Stream call
// starts an independent run of the query.
class DataFrame {
 public:
  // SQL expressions, each optionally "AS name": Select({"a", "b + 1 AS c", "*"}).
  DataFrame Select(const std::vector<std::string>& exprs) const;
  // Keeps rows for which the boolean SQL expression is true (NULL counts as false).
  DataFrame Filter(const std::string& predicate) const;
  // GROUP BY `keys`, computing `aggregates` ("sum(x) AS total", "count(*)"); the result
  // has the keys, then the aggregates. With no keys, one row over the whole input.
  DataFrame Aggregate(const std::vector<std::string>& keys,
                      const std::vector<std::string>& aggregates) const;
  // Sort keys as in ORDER BY: {"a DESC", "b NULLS FIRST"}.
  DataFrame Sort(const std::vector<std::string>& keys) const;
  // At most `count` rows after skipping `offset`.
  DataFrame Limit(int64_t count, int64_t offset = 0) const;
  // An equi-join. `on` is an SQL condition with at least one equality between the sides;
  // the left side is named `l` and the right `r`, so "l.id = r.customer_id" works even
  // when both sides have a column of the same name. Output: left columns, then right.
  DataFrame Join(const DataFrame& right, const std::string& on,
                 JoinType type = JoinType::kInner) const;

  // OK, or the first error met while building this DataFrame.
  const arrow::Status& status() const { return status_; }
  // The result schema; null if status() is not OK (or, on Spark, if Spark's analysis
  // fails: ResultSchema says why).
  std::shared_ptr<arrow::Schema> schema() const;
  // The result schema, or the error that prevents the query from running.
  arrow::Result<std::shared_ptr<arrow::Schema>> ResultSchema() const;
  // The optimized logical plan as text (what EXPLAIN prints).
  arrow::Result<std::string> Explain() const;

  // Runs the query and materialises the whole result in memory. The only API that does;
  // use Stream for results of unknown size. Blocks until done.
  arrow::Result<std::shared_ptr<arrow::Table>> Collect(ExecOptions options = {}) const;

  // Starts the query and returns a reader pulling its result batch by batch. At most
  // options.max_buffered_batches batches wait unread; then the query pauses. ReadNext
  // blocks until a batch is ready; it returns the query's error if it fails (end of
  // stream only ever means success). Closing or destroying the reader, or a stop request
  // on options.stop_token, cancels the query; Close returns once all its work has
  // stopped.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Stream(
      ExecOptions options = {}) const;

  // One reader per partition, each with its own bound, for concurrent consumers. Reading
  // them one after another, in order, yields the same rows in the same order as Stream.
  // Plans that cannot be split (joins, aggregates, sorts, limits) give one partition.
  arrow::Result<std::vector<std::shared_ptr<arrow::RecordBatchReader>>> StreamPartitions(
      ExecOptions options = {}) const;

  // A stream whose query starts when the consumer first asks for a batch (Stream starts
  // it at once); its schema is known now. `requested`, if given, may select, reorder and
  // safely cast columns by name; any other request is rejected here, before anything
  // runs.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> LazyStream(
      std::shared_ptr<arrow::Schema> requested = nullptr, ExecOptions options = {}) const;

  // Starts a streaming write of this query's rows into the warehouse Delta table
  // `table`, in micro-batches, one commit each (see StreamingQuery). The query must read
  // a directory stream (Session::RegisterDirectoryStream); each epoch runs it over that
  // epoch's new files (in complete mode, over every file so far). Refused at once if
  // the options, the table or the query are not fit.
  arrow::Result<std::unique_ptr<StreamingQuery>> WriteStream(
      const std::string& table, const StreamingWriteOptions& options) const;

  // LazyStream exported through the Arrow C stream interface into `out` (which the
  // caller owns and must release): the query starts at the first get_next. Batches are
  // exported without copying.
  arrow::Status ExportArrowStream(struct ArrowArrayStream* out,
                                  std::shared_ptr<arrow::Schema> requested = nullptr,
                                  ExecOptions options = {}) const;

 private:
  friend class Session;
  // `op` says what the frame is for any engine; `plan` is its binding on the embedded
  // engine (null on Spark, where the server analyses it).
  DataFrame(std::shared_ptr<Session> session, std::shared_ptr<const plan::FrameOp> op,
            std::shared_ptr<const plan::LogicalNode> plan, arrow::Status status);
  DataFrame WithError(arrow::Status status) const;
  // A new frame from a query over this one (and others) built from parsed fragments.
  DataFrame Derive(const DerivedQuery& query,
                   std::shared_ptr<const plan::FrameOp> op) const;
  // The frame `op` on a Spark session, or an error if any input has one.
  DataFrame OnSpark(std::shared_ptr<const plan::FrameOp> op,
                    const DataFrame* right = nullptr) const;
  bool on_spark() const;

  std::shared_ptr<Session> session_;
  std::shared_ptr<const plan::FrameOp> op_;
  std::shared_ptr<const plan::LogicalNode> plan_;
  arrow::Status status_;
};

}  // namespace sluice
