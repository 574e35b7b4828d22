#include "sluice/data_frame.h"

#include <thread>

#include <arrow/c/bridge.h>
#include <arrow/table.h>
#include <arrow/util/thread_pool.h>

#include "catalog/catalog.h"
#include "exec/plan_lowering.h"
#include "exec/query_stream.h"
#include "exec/requested_schema_reader.h"
#include "plan/optimizer.h"
#include "sluice/session.h"
#include "sql/binder.h"
#include "sql/parser.h"

namespace sluice {

namespace {

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

// A top-level LIMIT is not lowered: the stream applies it and stops the plan when done.
struct RunnablePlan {
  plan::NodePtr body;
  int64_t offset = 0;
  int64_t limit = -1;
};

arrow::Result<RunnablePlan> Prepare(const plan::NodePtr& root) {
  ARROW_ASSIGN_OR_RAISE(auto optimized, plan::Optimize(root));
  RunnablePlan runnable{optimized};
  if (optimized->kind() == plan::NodeKind::kLimit) {
    runnable.body = optimized->input();
    runnable.offset = optimized->offset();
    runnable.limit = optimized->count();
  }
  return runnable;
}

arrow::Result<std::shared_ptr<exec::QueryStream>> StartPartition(
    const RunnablePlan& runnable, const std::shared_ptr<arrow::Schema>& schema,
    const ExecOptions& options, int partition, int num_partitions) {
  exec::LoweringContext context;
  context.partition = partition;
  context.num_partitions = num_partitions;
  context.rows_scanned = std::make_shared<std::atomic<int64_t>>(0);
  context.cancellation = std::make_shared<CancellationSignal>();
  const int threads =
      options.threads > 0 ? options.threads : arrow::GetCpuThreadPoolCapacity();
  ARROW_ASSIGN_OR_RAISE(auto executor, arrow::internal::ThreadPool::Make(threads));
  context.executor = executor.get();
  ARROW_ASSIGN_OR_RAISE(auto declaration, exec::LowerToAcero(runnable.body, context));
  exec::StreamOptions stream_options;
  stream_options.max_buffered_batches = options.max_buffered_batches;
  stream_options.stop_token = options.stop_token;
  stream_options.offset = runnable.offset;
  stream_options.limit = runnable.limit;
  stream_options.rows_scanned = context.rows_scanned;
  stream_options.cancellation = context.cancellation;
  stream_options.executor = std::move(executor);
  return exec::QueryStream::Start(std::move(declaration), schema,
                                  std::move(stream_options));
}

}  // namespace

DataFrame::DataFrame(std::shared_ptr<Session> session,
                     std::shared_ptr<const plan::LogicalNode> plan, arrow::Status status)
    : session_(std::move(session)), plan_(std::move(plan)), status_(std::move(status)) {}

DataFrame DataFrame::WithError(arrow::Status status) const {
  return DataFrame(session_, nullptr, std::move(status));
}

DataFrame DataFrame::Derive(const std::string& sql,
                            std::vector<std::pair<std::string, DataFrame>> inputs) const {
  for (const auto& [name, input] : inputs) {
    if (!input.status_.ok()) return WithError(input.status_);
  }
  auto statements = sql::Parse(sql);
  if (!statements.ok()) return WithError(statements.status());
  if (statements->size() != 1 || (*statements)[0].kind != "SelectStmt") {
    return WithError(
        arrow::Status::Invalid("expression is not a single expression: ", sql));
  }
  const std::vector<Param> no_params;
  sql::Binder binder(sql, session_->catalog_.get(), &no_params);
  for (const auto& [name, input] : inputs) binder.AddRelation(name, input.plan_);
  auto plan = binder.BindSelect(sql::NodeBody((*statements)[0].node));
  if (!plan.ok()) return WithError(plan.status());
  return DataFrame(session_, std::move(*plan), arrow::Status::OK());
}

DataFrame DataFrame::Select(const std::vector<std::string>& exprs) const {
  return Derive("SELECT " + JoinList(exprs) + " FROM __input", {{"__input", *this}});
}

DataFrame DataFrame::Filter(const std::string& predicate) const {
  return Derive("SELECT * FROM __input WHERE " + predicate, {{"__input", *this}});
}

DataFrame DataFrame::Aggregate(const std::vector<std::string>& keys,
                               const std::vector<std::string>& aggregates) const {
  std::vector<std::string> outputs = keys;
  outputs.insert(outputs.end(), aggregates.begin(), aggregates.end());
  std::string sql = "SELECT " + JoinList(outputs) + " FROM __input";
  if (!keys.empty()) {
    std::vector<std::string> ordinals;
    for (size_t i = 1; i <= keys.size(); ++i) ordinals.push_back(std::to_string(i));
    sql += " GROUP BY " + JoinList(ordinals);
  }
  return Derive(sql, {{"__input", *this}});
}

DataFrame DataFrame::Sort(const std::vector<std::string>& keys) const {
  return Derive("SELECT * FROM __input ORDER BY " + JoinList(keys), {{"__input", *this}});
}

DataFrame DataFrame::Limit(int64_t count, int64_t offset) const {
  if (!status_.ok()) return *this;
  if (count < 0 || offset < 0) {
    return WithError(
        arrow::Status::Invalid("Limit: count and offset must not be negative"));
  }
  return DataFrame(session_, plan::LogicalNode::Limit(plan_, offset, count), status_);
}

DataFrame DataFrame::Join(const DataFrame& right, const std::string& on,
                          JoinType type) const {
  const char* join = type == JoinType::kInner ? " JOIN " : " LEFT JOIN ";
  return Derive("SELECT * FROM __left AS l" + std::string(join) + "__right AS r ON " + on,
                {{"__left", *this}, {"__right", right}});
}

std::shared_ptr<arrow::Schema> DataFrame::schema() const {
  return status_.ok() ? plan_->schema() : nullptr;
}

arrow::Result<std::string> DataFrame::Explain() const {
  ARROW_RETURN_NOT_OK(status_);
  ARROW_ASSIGN_OR_RAISE(auto optimized, plan::Optimize(plan_));
  return optimized->ToString();
}

arrow::Result<std::shared_ptr<arrow::Table>> DataFrame::Collect(
    ExecOptions options) const {
  ARROW_ASSIGN_OR_RAISE(auto reader, Stream(std::move(options)));
  return reader->ToTable();
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> DataFrame::Stream(
    ExecOptions options) const {
  ARROW_RETURN_NOT_OK(status_);
  ARROW_ASSIGN_OR_RAISE(auto runnable, Prepare(plan_));
  return StartPartition(runnable, plan_->schema(), options, 0, 1);
}

arrow::Result<std::vector<std::shared_ptr<arrow::RecordBatchReader>>>
DataFrame::StreamPartitions(ExecOptions options) const {
  ARROW_RETURN_NOT_OK(status_);
  ARROW_ASSIGN_OR_RAISE(auto runnable, Prepare(plan_));
  int requested = options.partitions;
  if (requested <= 0) requested = std::max(1u, std::thread::hardware_concurrency());
  // A limit spans partitions, so a limited plan runs as one.
  const bool limited = runnable.limit >= 0 || runnable.offset > 0;
  const int count = limited ? 1 : exec::PartitionCount(runnable.body, requested);
  std::vector<std::shared_ptr<arrow::RecordBatchReader>> readers;
  for (int i = 0; i < count; ++i) {
    ARROW_ASSIGN_OR_RAISE(auto reader,
                          StartPartition(runnable, plan_->schema(), options, i, count));
    readers.push_back(std::move(reader));
  }
  return readers;
}

arrow::Status DataFrame::ExportArrowStream(struct ArrowArrayStream* out,
                                           std::shared_ptr<arrow::Schema> requested,
                                           ExecOptions options) const {
  ARROW_RETURN_NOT_OK(status_);
  if (requested) {
    // Validate against the planned schema before starting anything.
    ARROW_ASSIGN_OR_RAISE(auto empty,
                          arrow::RecordBatchReader::Make({}, plan_->schema()));
    ARROW_RETURN_NOT_OK(exec::RequestedSchemaReader::Make(empty, requested).status());
  }
  ARROW_ASSIGN_OR_RAISE(auto reader, Stream(std::move(options)));
  if (requested) {
    ARROW_ASSIGN_OR_RAISE(reader, exec::RequestedSchemaReader::Make(reader, requested));
  }
  return arrow::ExportRecordBatchReader(reader, out);
}

}  // namespace sluice
