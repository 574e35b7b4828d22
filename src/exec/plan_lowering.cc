#include "exec/plan_lowering.h"

#include <optional>

#include <arrow/acero/options.h>
#include <arrow/compute/api_aggregate.h>
#include <arrow/type.h>
#include <arrow/util/cancel.h>
#include <arrow/util/thread_pool.h>

#include "common/decimal_compare.h"
#include "common/decimal_sum.h"
#include "exec/common_table_reader.h"
#include "exec/filter_node.h"
#include "exec/hash_aggregate_node.h"
#include "exec/integer_join_node.h"
#include "exec/query_stream.h"
#include "exec/top_k_node.h"
#include "exec/window_reader.h"
#include "plan/common_table.h"

namespace sluice::exec {

namespace {

using arrow::acero::Declaration;
using plan::NodeKind;

std::vector<arrow::FieldRef> Refs(const std::vector<std::string>& names) {
  return {names.begin(), names.end()};
}

arrow::Result<Declaration> LowerCommonTable(const plan::CommonTable& table,
                                            const plan::NodePtr& node,
                                            const LoweringContext& ctx);

arrow::Result<Declaration> LowerScan(const plan::NodePtr& node,
                                     const LoweringContext& ctx) {
  if (auto* table = dynamic_cast<const plan::CommonTable*>(node->source().get())) {
    return LowerCommonTable(*table, node, ctx);
  }
  catalog::ScanRequest request;
  request.columns = node->source_columns();
  request.filter = node->filter_hint();
  request.partition = ctx.partition;
  request.num_partitions = ctx.num_partitions;
  request.rows_scanned = ctx.rows_scanned;
  request.bytes_scanned = ctx.bytes_scanned;
  request.cancellation = ctx.cancellation;
  request.executor = ctx.executor;
  if (ctx.dictionary_columns) {
    auto wanted = ctx.dictionary_columns->find(node.get());
    if (wanted != ctx.dictionary_columns->end())
      request.dictionary_columns = wanted->second;
  }
  ARROW_ASSIGN_OR_RAISE(auto stream, node->source()->MakeScan(request));
  // Each generator becomes a source node; independent producers are merged by a union.
  std::vector<Declaration::Input> sources;
  for (auto& generator : stream.generators) {
    sources.emplace_back(Declaration(
        "source", arrow::acero::SourceNodeOptions(stream.schema, std::move(generator),
                                                  arrow::compute::Ordering::Implicit())));
  }
  Declaration scan = sources.size() == 1 ? std::get<Declaration>(std::move(sources[0]))
                                         : Declaration("union", std::move(sources),
                                                       arrow::acero::ExecNodeOptions{});
  // Sources speak their own column names; the plan uses unique internal names.
  std::vector<arrow::compute::Expression> exprs;
  std::vector<std::string> names;
  for (size_t i = 0; i < request.columns.size(); ++i) {
    exprs.push_back(arrow::compute::field_ref(static_cast<int>(i)));
    names.push_back(node->schema()->field(i)->name());
  }
  return Declaration::Sequence(
      {std::move(scan), {"project", arrow::acero::ProjectNodeOptions(exprs, names)}});
}

// Sums and means of DECIMAL128 go to our exact kernels (common/decimal_sum.h).
bool UsesDecimalSum(const plan::LogicalNode& node, const plan::AggregateCall& agg) {
  if (agg.function != "sum" && agg.function != "mean") return false;
  auto field = node.input()->schema()->GetFieldByName(agg.input);
  return field && field->type()->id() == arrow::Type::DECIMAL128;
}

// The calls of a grouped aggregate our own node computes (exec/hash_aggregate_node.h);
// nullopt if it cannot.
std::optional<std::vector<GroupedAggregateCall>> OwnAggregateCalls(
    const plan::LogicalNode& node) {
  if (node.kind() != NodeKind::kAggregate) return std::nullopt;
  std::vector<GroupedAggregateCall> calls;
  for (const auto& agg : node.aggregates()) {
    if (agg.options) return std::nullopt;
    calls.push_back({agg.function, agg.input});
  }
  if (!GroupedAggregateSupports(*node.input()->schema(), node.group_keys(), calls)) {
    return std::nullopt;
  }
  return calls;
}

std::optional<Declaration> OwnHashAggregate(Declaration& input,
                                            const plan::NodePtr& node) {
  auto calls = OwnAggregateCalls(*node);
  if (!calls || !RegisterHashAggregateNode().ok()) return std::nullopt;
  return Declaration::Sequence(
      {std::move(input),
       {kHashAggregateNode,
        GroupedAggregateOptions(node->group_keys(), std::move(*calls), node->schema())}});
}

// Whether `expr` reads column `name`.
bool Reads(const plan::Expression& expr, const std::string& name) {
  for (const auto& ref : arrow::compute::FieldsInExpression(expr)) {
    if (ref.name() && *ref.name() == name) return true;
  }
  return false;
}

// The Scan node and source column a group key comes from unchanged: through projections
// that pass it on (and compute nothing else from it) and filters that do not read it.
std::optional<std::pair<const plan::LogicalNode*, std::string>> KeySource(
    const plan::LogicalNode* node, std::string name) {
  while (true) {
    if (node->kind() == NodeKind::kFilter) {
      if (Reads(node->predicate(), name)) return std::nullopt;
    } else if (node->kind() == NodeKind::kProject) {
      const int i = node->schema()->GetFieldIndex(name);
      const auto* ref = i < 0 ? nullptr : node->exprs()[i].field_ref();
      if (!ref || !ref->name()) return std::nullopt;
      for (size_t j = 0; j < node->exprs().size(); ++j) {
        if (static_cast<int>(j) != i && Reads(node->exprs()[j], *ref->name())) {
          return std::nullopt;
        }
      }
      name = *ref->name();
    } else if (node->kind() == NodeKind::kScan) {
      if (dynamic_cast<const plan::CommonTable*>(node->source().get()))
        return std::nullopt;
      const int i = node->schema()->GetFieldIndex(name);
      const auto id = i < 0 ? arrow::Type::NA : node->schema()->field(i)->type()->id();
      if (id != arrow::Type::STRING && id != arrow::Type::BINARY) return std::nullopt;
      return std::make_pair(node, node->source_columns()[i]);
    } else {
      return std::nullopt;
    }
    node = node->input().get();
  }
}

// The context to lower an aggregate's input in: its string group keys that come straight
// from a scan are read dictionary-encoded, for our aggregate node to group by their
// dictionaries' entries, not by every row's string.
LoweringContext WithDictionaryKeys(const LoweringContext& ctx,
                                   const plan::NodePtr& node) {
  if (!OwnAggregateCalls(*node)) return ctx;
  auto columns =
      std::make_shared<std::map<const plan::LogicalNode*, std::vector<std::string>>>();
  if (ctx.dictionary_columns) *columns = *ctx.dictionary_columns;
  for (const auto& key : node->group_keys()) {
    bool input = false;
    for (const auto& agg : node->aggregates()) input |= agg.input == key;
    auto source = input ? std::nullopt : KeySource(node->input().get(), key);
    if (source) (*columns)[source->first].push_back(source->second);
  }
  LoweringContext with_keys = ctx;
  with_keys.dictionary_columns = std::move(columns);
  return with_keys;
}

arrow::Result<Declaration> LowerAggregate(Declaration input, const plan::NodePtr& node) {
  const bool grouped = !node->group_keys().empty();
  if (grouped) {
    if (auto own = OwnHashAggregate(input, node)) return std::move(*own);
  }
  std::vector<arrow::compute::Aggregate> aggregates;
  for (const auto& agg : node->aggregates()) {
    std::shared_ptr<arrow::compute::FunctionOptions> options;
    std::string name = agg.function;
    if (agg.options) {
      options = agg.options;
    } else if (agg.function == "count" || agg.function == "count_distinct") {
      options = std::make_shared<arrow::compute::CountOptions>(
          arrow::compute::CountOptions::ONLY_VALID);
    } else if (agg.function == "stddev" || agg.function == "variance") {
      options = std::make_shared<arrow::compute::VarianceOptions>(/*ddof=*/1);
    } else if (agg.function == "stddev_pop" || agg.function == "variance_pop") {
      name = agg.function.substr(0, agg.function.size() - 4);
      options = std::make_shared<arrow::compute::VarianceOptions>(/*ddof=*/0);
    } else if (agg.function != "count_all") {
      // SQL semantics: skip NULLs; an empty or all-NULL group gives NULL.
      options = std::make_shared<arrow::compute::ScalarAggregateOptions>(
          /*skip_nulls=*/true, /*min_count=*/1);
    }
    if (UsesDecimalSum(*node, agg)) {
      ARROW_RETURN_NOT_OK(RegisterDecimalSum());
      name = agg.function == "sum" ? kDecimalSum : kDecimalMean;
      options = nullptr;
    }
    std::string function = grouped ? "hash_" + name : name;
    std::vector<arrow::FieldRef> target;
    if (!agg.input.empty()) target.emplace_back(agg.input);
    aggregates.emplace_back(std::move(function), std::move(options), std::move(target),
                            agg.output);
  }
  return Declaration::Sequence(
      {std::move(input),
       {"aggregate", arrow::acero::AggregateNodeOptions(std::move(aggregates),
                                                        Refs(node->group_keys()))}});
}

arrow::acero::JoinType AceroJoinType(plan::JoinKind kind) {
  using arrow::acero::JoinType;
  switch (kind) {
    case plan::JoinKind::kInner:
      return JoinType::INNER;
    case plan::JoinKind::kLeft:
      return JoinType::LEFT_OUTER;
    case plan::JoinKind::kRight:
      return JoinType::RIGHT_OUTER;
    case plan::JoinKind::kFull:
      return JoinType::FULL_OUTER;
    case plan::JoinKind::kSemi:
      return JoinType::LEFT_SEMI;
    case plan::JoinKind::kAnti:
      return JoinType::LEFT_ANTI;
    case plan::JoinKind::kRightSemi:
      return JoinType::RIGHT_SEMI;
    case plan::JoinKind::kRightAnti:
      return JoinType::RIGHT_ANTI;
  }
  return JoinType::INNER;
}

// The input with one more column, a constant: the key of a cross join.
Declaration WithConstantKey(Declaration input, const arrow::Schema& schema,
                            const std::string& key) {
  std::vector<arrow::compute::Expression> exprs;
  std::vector<std::string> names;
  for (const auto& field : schema.fields()) {
    exprs.push_back(arrow::compute::field_ref(field->name()));
    names.push_back(field->name());
  }
  exprs.push_back(arrow::compute::literal(true));
  names.push_back(key);
  return Declaration::Sequence(
      {std::move(input), {"project", arrow::acero::ProjectNodeOptions(exprs, names)}});
}

// Whether `node` is every row of a table: a scan, through projections.
bool IsWholeTable(plan::NodePtr node) {
  while (node->kind() == plan::NodeKind::kProject) node = node->input();
  return node->kind() == plan::NodeKind::kScan;
}

// The right input is the hash table's (build) side. A join without keys (a cross join)
// joins on a constant added to both sides and dropped after.
arrow::Result<Declaration> LowerJoin(Declaration left, Declaration right,
                                     const plan::NodePtr& node) {
  const auto type = AceroJoinType(node->join_kind());
  // A join with a whole table: most probe rows match, so Acero's Bloom filters would
  // drop few rows, and its row-format hash table is the cost. A RIGHT join keeps that
  // table's (the build side's) unmatched rows.
  const bool inner = node->join_kind() == plan::JoinKind::kInner;
  const bool right_outer = node->join_kind() == plan::JoinKind::kRight;
  if ((inner || right_outer) && node->left_keys().size() == 1 &&
      IsWholeTable(node->inputs()[1]) &&
      node->predicate().Equals(arrow::compute::literal(true)) &&
      IntegerJoinSupports(*node->inputs()[0]->schema(), node->left_keys()[0],
                          *node->inputs()[1]->schema(), node->right_keys()[0])) {
    ARROW_RETURN_NOT_OK(RegisterIntegerJoinNode());
    return Declaration(kIntegerJoinNode, {std::move(left), std::move(right)},
                       IntegerJoinOptions(node->left_keys()[0], node->right_keys()[0],
                                          /*keep_unmatched_build=*/right_outer));
  }
  if (!node->left_keys().empty()) {
    arrow::acero::HashJoinNodeOptions options(type, Refs(node->left_keys()),
                                              Refs(node->right_keys()), node->predicate(),
                                              "", "");
    return Declaration("hashjoin", {std::move(left), std::move(right)},
                       std::move(options));
  }
  const std::string key = "cross_join_key";
  left = WithConstantKey(std::move(left), *node->inputs()[0]->schema(), key + "_l");
  right = WithConstantKey(std::move(right), *node->inputs()[1]->schema(), key + "_r");
  std::vector<arrow::FieldRef> left_out, right_out;
  if (type != arrow::acero::JoinType::RIGHT_SEMI &&
      type != arrow::acero::JoinType::RIGHT_ANTI) {
    for (const auto& field : node->inputs()[0]->schema()->fields())
      left_out.emplace_back(field->name());
  }
  if (type != arrow::acero::JoinType::LEFT_SEMI &&
      type != arrow::acero::JoinType::LEFT_ANTI) {
    for (const auto& field : node->inputs()[1]->schema()->fields())
      right_out.emplace_back(field->name());
  }
  arrow::acero::HashJoinNodeOptions options(
      type, {arrow::FieldRef(key + "_l")}, {arrow::FieldRef(key + "_r")},
      std::move(left_out), std::move(right_out), node->predicate(), "", "");
  return Declaration("hashjoin", {std::move(left), std::move(right)}, std::move(options));
}

// A Window node runs its input as a plan of its own (started when first read, on threads
// of its own) whose sorted output a WindowReader turns into the node's output, read by
// this plan as a source.
// Runs `declaration` (of `schema`) when its reader is first read: in a plan of its own,
// on threads of its own (as many as the query's), stopped when the query stops.
std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>()> OpenSubplan(
    Declaration declaration, std::shared_ptr<arrow::Schema> schema,
    const LoweringContext& ctx, size_t max_buffered_batches) {
  StreamOptions options;
  options.max_buffered_batches = max_buffered_batches;
  options.cancellation = std::make_shared<CancellationSignal>();
  options.memory_pool = ctx.memory_pool;
  // When this query stops, so does the subplan, without finishing its work.
  auto stop = std::make_shared<arrow::StopSource>();
  options.stop_token = stop->token();
  if (ctx.cancellation) ctx.cancellation->OnRequest([stop] { stop->RequestStop(); });
  const int threads = ctx.executor ? ctx.executor->GetCapacity() : 0;
  return [declaration = std::move(declaration), schema = std::move(schema), options,
          threads]() mutable -> arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> {
    if (threads > 0) {
      ARROW_ASSIGN_OR_RAISE(options.executor, arrow::internal::ThreadPool::Make(threads));
    }
    return QueryStream::Start(declaration, schema, options);
  };
}

// A source node reading `reader` on a thread of its own: not one of the query's (with one
// thread the query would wait on itself), and not Arrow's shared I/O threads (the query's
// threads all end with it).
arrow::Result<Declaration> ReaderSource(std::shared_ptr<arrow::RecordBatchReader> reader,
                                        const LoweringContext& ctx) {
  arrow::internal::Executor* reader_thread = nullptr;
  if (ctx.reader_threads) {
    ARROW_ASSIGN_OR_RAISE(auto thread, arrow::internal::ThreadPool::Make(1));
    reader_thread = thread.get();
    ctx.reader_threads->push_back(std::move(thread));
  }
  return Declaration(
      "record_batch_reader_source",
      arrow::acero::RecordBatchReaderSourceNodeOptions(std::move(reader), reader_thread));
}

// A reference to a materialized CTE: the query's one result of its plan (optimized and
// lowered at the first reference), read in the columns the scan asks for.
arrow::Result<Declaration> LowerCommonTable(const plan::CommonTable& table,
                                            const plan::NodePtr& node,
                                            const LoweringContext& ctx) {
  auto& result = (*ctx.common_tables)[&table];
  if (!result) {
    ARROW_ASSIGN_OR_RAISE(auto optimized, table.OptimizedPlan());
    ARROW_ASSIGN_OR_RAISE(auto declaration, LowerToAcero(optimized, ctx));
    result = std::make_shared<CommonTableResult>(
        OpenSubplan(std::move(declaration), optimized->schema(), ctx, 8));
  }
  std::vector<int> columns;
  for (const auto& name : node->source_columns()) {
    columns.push_back(table.schema()->GetFieldIndex(name));
  }
  return ReaderSource(
      std::make_shared<CommonTableReader>(result, std::move(columns), node->schema(),
                                          catalog::kSourceBatchRows),
      ctx);
}

arrow::Result<Declaration> LowerWindow(Declaration input, const plan::NodePtr& node,
                                       const LoweringContext& ctx) {
  std::vector<std::string> order;
  for (const auto& key : node->sort_keys()) order.push_back(key.column);
  auto reader = std::make_shared<WindowReader>(
      OpenSubplan(std::move(input), node->input()->schema(), ctx, 4),
      node->partition_keys(),
      WindowEvaluator(std::move(order), node->window_calls(), node->schema()));
  return ReaderSource(std::move(reader), ctx);
}

}  // namespace

arrow::Result<Declaration> LowerToAcero(const plan::NodePtr& node,
                                        const LoweringContext& ctx) {
  if (!ctx.common_tables) {
    LoweringContext with_tables = ctx;
    with_tables.common_tables =
        std::make_shared<std::map<const void*, std::shared_ptr<CommonTableResult>>>();
    return LowerToAcero(node, with_tables);
  }
  if (node->kind() == NodeKind::kScan) return LowerScan(node, ctx);
  const LoweringContext input_ctx =
      node->kind() == NodeKind::kAggregate ? WithDictionaryKeys(ctx, node) : ctx;
  std::vector<Declaration> inputs;
  for (const auto& input : node->inputs()) {
    ARROW_ASSIGN_OR_RAISE(auto lowered, LowerToAcero(input, input_ctx));
    inputs.push_back(std::move(lowered));
  }
  switch (node->kind()) {
    case NodeKind::kProject: {
      std::vector<std::string> names;
      for (const auto& field : node->schema()->fields()) names.push_back(field->name());
      return Declaration::Sequence(
          {std::move(inputs[0]),
           {"project", arrow::acero::ProjectNodeOptions(node->exprs(), names)}});
    }
    case NodeKind::kFilter: {
      ARROW_RETURN_NOT_OK(RegisterFilterNode());
      ARROW_ASSIGN_OR_RAISE(
          auto predicate,
          WithFastDecimalComparisons(node->predicate(), *node->input()->schema()));
      return Declaration::Sequence(
          {std::move(inputs[0]),
           {kFilterNode, arrow::acero::FilterNodeOptions(std::move(predicate))}});
    }
    case NodeKind::kAggregate:
      return LowerAggregate(std::move(inputs[0]), node);
    case NodeKind::kSort: {
      std::vector<arrow::compute::SortKey> keys;
      for (const auto& key : node->sort_keys()) {
        keys.emplace_back(key.column,
                          key.ascending ? arrow::compute::SortOrder::Ascending
                                        : arrow::compute::SortOrder::Descending,
                          key.nulls_first ? arrow::compute::NullPlacement::AtStart
                                          : arrow::compute::NullPlacement::AtEnd);
      }
      arrow::compute::Ordering ordering(std::move(keys));
      if (node->sort_first() >= 0) {
        ARROW_RETURN_NOT_OK(RegisterTopKNode());
        return Declaration::Sequence(
            {std::move(inputs[0]),
             {kTopKNode, TopKOptions(std::move(ordering), node->sort_first())}});
      }
      return Declaration::Sequence(
          {std::move(inputs[0]),
           {"order_by", arrow::acero::OrderByNodeOptions(std::move(ordering))}});
    }
    case NodeKind::kLimit:
      return Declaration::Sequence(
          {std::move(inputs[0]),
           {"fetch",
            arrow::acero::FetchNodeOptions(
                node->offset(), node->count() < 0 ? std::numeric_limits<int64_t>::max()
                                                  : node->count())}});
    case NodeKind::kJoin:
      return LowerJoin(std::move(inputs[0]), std::move(inputs[1]), node);
    case NodeKind::kWindow:
      return LowerWindow(std::move(inputs[0]), node, ctx);
    case NodeKind::kUnion: {
      std::vector<Declaration::Input> sides(inputs.begin(), inputs.end());
      return Declaration("union", std::move(sides), arrow::acero::ExecNodeOptions{});
    }
    case NodeKind::kScan:
      break;
  }
  return arrow::Status::NotImplemented("cannot lower plan node");
}

int PartitionCount(const plan::NodePtr& node, int requested) {
  const plan::LogicalNode* current = node.get();
  while (current->kind() == NodeKind::kProject || current->kind() == NodeKind::kFilter) {
    current = current->input().get();
  }
  if (current->kind() != NodeKind::kScan) return 1;
  return std::max(1, std::min(requested, current->source()->MaxPartitions()));
}

}  // namespace sluice::exec
