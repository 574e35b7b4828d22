#include "sluice/data_frame.h"

#include <thread>

#include <arrow/c/bridge.h>
#include <arrow/table.h>
#include <arrow/util/thread_pool.h>

#include "api/derived_query.h"
#include "api/session_settings.h"
#include "api/spark_backend.h"
#include "catalog/catalog.h"
#include "common/capped_memory_pool.h"
#include "exec/lazy_reader.h"
#include "exec/plan_lowering.h"
#include "exec/query_stream.h"
#include "exec/requested_schema_reader.h"
#include "plan/frame_op.h"
#include "plan/optimizer.h"
#include "sluice/session.h"
#include "sql/binder.h"
#include "sql/fragment_parser.h"
#include "sql/parse_tree_guard.h"
#include "sql/parser.h"
#include "sql/tokens.h"
#include "sql/tree_check.h"

namespace sluice {

namespace {

// Names under which DataFrame inputs are bound; no SQL text can name them.
constexpr const char* kInput = "\x01input";
constexpr const char* kLeft = "\x01left";
constexpr const char* kRight = "\x01right";

sql::Json InputRelation(const char* name, const char* alias) {
  sql::Json range_var = {{"relname", name}, {"inh", true}, {"location", -1}};
  if (*alias) range_var["alias"] = {{"aliasname", alias}};
  return {{"RangeVar", std::move(range_var)}};
}

sql::Json StarTarget() {
  return {{"ResTarget",
           {{"val",
             {{"ColumnRef",
               {{"fields", {{{"A_Star", sql::Json::object()}}}}, {"location", -1}}}}},
            {"location", -1}}}};
}

sql::Json SelectFrom(sql::Json from_item) {
  return {{"fromClause", sql::Json::array({std::move(from_item)})},
          {"op", "SETOP_NONE"},
          {"limitOption", "LIMIT_OPTION_DEFAULT"}};
}

// The engine-neutral form of a sort key: the expression, then optional ASC/DESC and
// NULLS FIRST/LAST read off the end of its tokens. Text the scanner cannot read stays
// whole, for the engine to report.
plan::SortSpec ParseSortSpec(const std::string& key) {
  plan::SortSpec spec{key, true, std::nullopt};
  auto tokens = sql::Scan(key);
  if (!tokens.ok()) return spec;
  auto& t = *tokens;
  size_t n = t.size();
  if (n >= 3 && t[n - 2].IsWord("nulls") &&
      (t[n - 1].IsWord("first") || t[n - 1].IsWord("last"))) {
    spec.nulls_first = t[n - 1].IsWord("first");
    n -= 2;
  }
  if (n >= 2 && (t[n - 1].IsWord("asc") || t[n - 1].IsWord("desc"))) {
    spec.ascending = t[n - 1].IsWord("asc");
    n -= 1;
  }
  if (n < t.size() && n > 0) spec.expr = key.substr(0, t[n - 1].end);
  return spec;
}

// A top-level LIMIT is not lowered: the stream applies it and stops the plan when done.
struct RunnablePlan {
  plan::NodePtr body;
  int64_t offset = 0;
  int64_t limit = -1;
};

// The rows all scans of a plan will read, if every scanned source knows; -1 otherwise.
int64_t RowsToScan(const plan::NodePtr& node) {
  if (node->kind() == plan::NodeKind::kScan) {
    return node->source()->EstimatedRows().value_or(-1);
  }
  int64_t total = 0;
  for (const auto& input : node->inputs()) {
    const int64_t rows = RowsToScan(input);
    if (rows < 0) return -1;
    total += rows;
  }
  return total;
}

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
  if (options.progress) {
    // Views of the caller's counters, keeping the whole progress object alive.
    context.rows_scanned = std::shared_ptr<std::atomic<int64_t>>(
        options.progress, &options.progress->rows_scanned);
    context.bytes_scanned = std::shared_ptr<std::atomic<int64_t>>(
        options.progress, &options.progress->bytes_scanned);
  } else {
    context.rows_scanned = std::make_shared<std::atomic<int64_t>>(0);
  }
  context.cancellation = std::make_shared<CancellationSignal>();
  const int threads =
      *options.threads > 0 ? *options.threads : arrow::GetCpuThreadPoolCapacity();
  ARROW_ASSIGN_OR_RAISE(auto executor, arrow::internal::ThreadPool::Make(threads));
  context.executor = executor.get();
  if (*options.memory_limit_bytes > 0) {
    context.memory_pool = CappedMemoryPool::Acquire(arrow::default_memory_pool(),
                                                    *options.memory_limit_bytes);
  }
  std::vector<std::shared_ptr<arrow::internal::ThreadPool>> reader_threads;
  context.reader_threads = &reader_threads;
  ARROW_ASSIGN_OR_RAISE(auto declaration, exec::LowerToAcero(runnable.body, context));
  exec::StreamOptions stream_options;
  stream_options.max_buffered_batches = *options.max_buffered_batches;
  stream_options.stop_token = options.stop_token;
  stream_options.offset = runnable.offset;
  stream_options.limit = runnable.limit;
  stream_options.rows_scanned = context.rows_scanned;
  stream_options.cancellation = context.cancellation;
  stream_options.executor = std::move(executor);
  stream_options.reader_threads = std::move(reader_threads);
  stream_options.memory_pool = context.memory_pool;
  return exec::QueryStream::Start(std::move(declaration), schema,
                                  std::move(stream_options));
}

}  // namespace

DataFrame::DataFrame(std::shared_ptr<Session> session,
                     std::shared_ptr<const plan::FrameOp> op,
                     std::shared_ptr<const plan::LogicalNode> plan, arrow::Status status)
    : session_(std::move(session)),
      op_(std::move(op)),
      plan_(std::move(plan)),
      status_(std::move(status)) {}

DataFrame DataFrame::WithError(arrow::Status status) const {
  return DataFrame(session_, nullptr, nullptr, std::move(status));
}

bool DataFrame::on_spark() const { return session_ && session_->spark_ != nullptr; }

DataFrame DataFrame::OnSpark(std::shared_ptr<const plan::FrameOp> op,
                             const DataFrame* right) const {
  if (!status_.ok()) return *this;
  if (right && !right->status_.ok()) return *right;
  if (right && right->session_ != session_) {
    return WithError(arrow::Status::Invalid("Join: both sides must be of one session"));
  }
  return DataFrame(session_, std::move(op), nullptr, arrow::Status::OK());
}

DataFrame DataFrame::Derive(const DerivedQuery& query,
                            std::shared_ptr<const plan::FrameOp> op) const {
  for (const auto& [name, input] : query.inputs) {
    if (!input.status_.ok()) return WithError(input.status_);
  }
  auto supported = sql::CheckSupportedFields({{"SelectStmt", query.select}}, query.text);
  if (!supported.ok()) return WithError(supported);
  const std::vector<Param> no_params;
  sql::Binder binder(query.text, session_->catalog_.get(), &no_params);
  for (const auto& [name, input] : query.inputs) binder.AddRelation(name, input.plan_);
  auto plan = sql::GuardParseTree([&] { return binder.BindSelect(query.select); });
  if (!plan.ok()) return WithError(plan.status());
  return DataFrame(session_, std::move(op), std::move(*plan), arrow::Status::OK());
}

DataFrame DataFrame::Select(const std::vector<std::string>& exprs) const {
  if (exprs.empty()) return WithError(arrow::Status::Invalid("Select: no expressions"));
  auto op = plan::FrameOp::Select(op_, exprs);
  if (on_spark()) return OnSpark(std::move(op));
  sql::FragmentParser parser("Select");
  sql::Json targets = sql::Json::array();
  for (const auto& expr : exprs) {
    auto target = parser.SelectItem(expr, /*allow_star=*/true);
    if (!target.ok()) return WithError(target.status());
    targets.push_back(std::move(*target));
  }
  sql::Json select = SelectFrom(InputRelation(kInput, ""));
  select["targetList"] = std::move(targets);
  return Derive({std::move(select), parser.text(), {{kInput, *this}}}, std::move(op));
}

DataFrame DataFrame::Filter(const std::string& predicate) const {
  auto op = plan::FrameOp::Filter(op_, predicate);
  if (on_spark()) return OnSpark(std::move(op));
  sql::FragmentParser parser("Filter");
  auto condition = parser.Expression(predicate);
  if (!condition.ok()) return WithError(condition.status());
  sql::Json select = SelectFrom(InputRelation(kInput, ""));
  select["targetList"] = sql::Json::array({StarTarget()});
  select["whereClause"] = std::move(*condition);
  return Derive({std::move(select), parser.text(), {{kInput, *this}}}, std::move(op));
}

DataFrame DataFrame::Aggregate(const std::vector<std::string>& keys,
                               const std::vector<std::string>& aggregates) const {
  if (keys.empty() && aggregates.empty()) {
    return WithError(arrow::Status::Invalid("Aggregate: no keys and no aggregates"));
  }
  auto op = plan::FrameOp::Aggregate(op_, keys, aggregates);
  if (on_spark()) return OnSpark(std::move(op));
  sql::FragmentParser parser("Aggregate");
  sql::Json select = SelectFrom(InputRelation(kInput, ""));
  select["targetList"] = sql::Json::array();
  for (const auto* list : {&keys, &aggregates}) {
    for (const auto& item : *list) {
      auto target = parser.SelectItem(item, /*allow_star=*/false);
      if (!target.ok()) return WithError(target.status());
      select["targetList"].push_back(std::move(*target));
    }
  }
  // Grouped by position: a key may carry an alias.
  for (size_t i = 1; i <= keys.size(); ++i) {
    select["groupClause"].push_back(
        {{"A_Const", {{"ival", {{"ival", i}}}, {"location", -1}}}});
  }
  return Derive({std::move(select), parser.text(), {{kInput, *this}}}, std::move(op));
}

DataFrame DataFrame::Sort(const std::vector<std::string>& keys) const {
  if (keys.empty()) return WithError(arrow::Status::Invalid("Sort: no keys"));
  std::vector<plan::SortSpec> specs;
  for (const auto& key : keys) specs.push_back(ParseSortSpec(key));
  auto op = plan::FrameOp::Sort(op_, std::move(specs));
  if (on_spark()) return OnSpark(std::move(op));
  sql::FragmentParser parser("Sort");
  sql::Json select = SelectFrom(InputRelation(kInput, ""));
  select["targetList"] = sql::Json::array({StarTarget()});
  for (const auto& key : keys) {
    auto sort_by = parser.SortKey(key);
    if (!sort_by.ok()) return WithError(sort_by.status());
    select["sortClause"].push_back(std::move(*sort_by));
  }
  return Derive({std::move(select), parser.text(), {{kInput, *this}}}, std::move(op));
}

DataFrame DataFrame::Limit(int64_t count, int64_t offset) const {
  if (!status_.ok()) return *this;
  if (count < 0 || offset < 0) {
    return WithError(
        arrow::Status::Invalid("Limit: count and offset must not be negative"));
  }
  auto op = plan::FrameOp::Limit(op_, count, offset);
  if (on_spark()) return OnSpark(std::move(op));
  return DataFrame(session_, std::move(op),
                   plan::LogicalNode::Limit(plan_, offset, count), status_);
}

DataFrame DataFrame::Join(const DataFrame& right, const std::string& on,
                          JoinType type) const {
  auto op =
      plan::FrameOp::Join(op_, right.op_, on,
                          type == JoinType::kLeft ? plan::FrameOp::JoinKind::kLeft
                                                  : plan::FrameOp::JoinKind::kInner);
  if (on_spark()) return OnSpark(std::move(op), &right);
  sql::FragmentParser parser("Join");
  auto condition = parser.Expression(on);
  if (!condition.ok()) return WithError(condition.status());
  sql::Json join = {{"jointype", type == JoinType::kInner ? "JOIN_INNER" : "JOIN_LEFT"},
                    {"larg", InputRelation(kLeft, "l")},
                    {"rarg", InputRelation(kRight, "r")},
                    {"quals", std::move(*condition)}};
  sql::Json select = SelectFrom({{"JoinExpr", std::move(join)}});
  select["targetList"] = sql::Json::array({StarTarget()});
  return Derive({std::move(select), parser.text(), {{kLeft, *this}, {kRight, right}}},
                std::move(op));
}

std::shared_ptr<arrow::Schema> DataFrame::schema() const {
  auto schema = ResultSchema();
  return schema.ok() ? *schema : nullptr;
}

arrow::Result<std::shared_ptr<arrow::Schema>> DataFrame::ResultSchema() const {
  ARROW_RETURN_NOT_OK(status_);
  if (on_spark()) return session_->spark_->Schema(*op_);
  return plan_->schema();
}

arrow::Result<std::string> DataFrame::Explain() const {
  ARROW_RETURN_NOT_OK(status_);
  if (on_spark()) return session_->spark_->Explain(*op_);
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
  if (on_spark()) {
    return session_->spark_->Stream(*op_,
                                    session_->settings_->Resolve(std::move(options)));
  }
  ARROW_ASSIGN_OR_RAISE(auto runnable, Prepare(plan_));
  if (options.progress) options.progress->rows_total = RowsToScan(runnable.body);
  return StartPartition(runnable, plan_->schema(),
                        session_->settings_->Resolve(std::move(options)), 0, 1);
}

arrow::Result<std::vector<std::shared_ptr<arrow::RecordBatchReader>>>
DataFrame::StreamPartitions(ExecOptions options) const {
  ARROW_RETURN_NOT_OK(status_);
  if (on_spark()) {
    // Spark returns one ordered result stream per operation.
    ARROW_ASSIGN_OR_RAISE(auto reader, Stream(std::move(options)));
    return std::vector<std::shared_ptr<arrow::RecordBatchReader>>{std::move(reader)};
  }
  ARROW_ASSIGN_OR_RAISE(auto runnable, Prepare(plan_));
  if (options.progress) options.progress->rows_total = RowsToScan(runnable.body);
  options = session_->settings_->Resolve(std::move(options));
  int requested = *options.partitions;
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

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> DataFrame::LazyStream(
    std::shared_ptr<arrow::Schema> requested, ExecOptions options) const {
  ARROW_ASSIGN_OR_RAISE(auto planned, ResultSchema());
  auto schema = planned;
  if (requested) {
    // Checked against the planned schema before anything starts.
    ARROW_ASSIGN_OR_RAISE(auto empty, arrow::RecordBatchReader::Make({}, planned));
    ARROW_ASSIGN_OR_RAISE(auto adapted,
                          exec::RequestedSchemaReader::Make(empty, requested));
    schema = adapted->schema();
  }
  auto start = [frame = *this, requested, options = std::move(options)]()
      -> arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> {
    ARROW_ASSIGN_OR_RAISE(auto reader, frame.Stream(options));
    if (!requested) return reader;
    return exec::RequestedSchemaReader::Make(std::move(reader), requested);
  };
  return std::make_shared<exec::LazyReader>(std::move(schema), std::move(start));
}

arrow::Status DataFrame::ExportArrowStream(struct ArrowArrayStream* out,
                                           std::shared_ptr<arrow::Schema> requested,
                                           ExecOptions options) const {
  ARROW_ASSIGN_OR_RAISE(auto reader,
                        LazyStream(std::move(requested), std::move(options)));
  return arrow::ExportRecordBatchReader(reader, out);
}

}  // namespace sluice
