#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/type_fwd.h>

#include "catalog/table_source.h"
#include "plan/window_call.h"

namespace sluice::plan {

using arrow::compute::Expression;

enum class NodeKind {
  kScan,
  kProject,
  kFilter,
  kAggregate,
  kSort,
  kLimit,
  kJoin,
  kWindow,
  kUnion
};
// kSemi and kAnti keep the left rows that have (have no) match on the right and output
// only the left columns; kRightSemi and kRightAnti the same for the right rows (the
// optimizer uses them to put the smaller input in the hash table).
enum class JoinKind {
  kInner,
  kLeft,
  kRight,
  kFull,
  kSemi,
  kAnti,
  kRightSemi,
  kRightAnti
};

// "InnerJoin", "LeftJoin", ... for EXPLAIN.
const char* JoinKindName(JoinKind kind);

class LogicalNode;
using NodePtr = std::shared_ptr<const LogicalNode>;

struct SortKey {
  std::string column;  // a column of the input
  bool ascending = true;
  bool nulls_first = false;
};

struct AggregateCall {
  // Arrow's scalar aggregate name: count, count_all, count_distinct, sum, min, max, mean,
  // all, any, stddev and variance (sample), stddev_pop and variance_pop
  // (population), sluice_string_agg (common/string_agg.h). Lowering adds the "hash_"
  // prefix when grouping.
  std::string function;
  std::string input;  // a column of the input; empty for count_all
  std::string output;
  // The function's options where lowering does not choose them (sluice_string_agg).
  std::shared_ptr<arrow::compute::FunctionOptions> options = nullptr;
};

// One node of a logical plan. Nodes are immutable and shared; rewrites build new nodes.
// Every node's output columns have names that are unique within the plan ("name#N"),
// except at the root, whose final projection gives the names the user sees. Expressions
// refer to the input's columns by name.
class LogicalNode {
 public:
  static NodePtr Scan(std::shared_ptr<catalog::TableSource> source,
                      std::vector<std::string> source_columns,
                      std::vector<std::string> output_names, Expression filter_hint);
  // Fails if an expression does not bind against the input schema.
  static arrow::Result<NodePtr> Project(NodePtr input, std::vector<Expression> exprs,
                                        std::vector<std::string> names);
  static NodePtr Filter(NodePtr input, Expression predicate);
  static arrow::Result<NodePtr> Aggregate(NodePtr input, std::vector<std::string> keys,
                                          std::vector<AggregateCall> aggregates);
  // `first` >= 0: only the first `first` rows of the order are needed (a LIMIT above).
  static NodePtr Sort(NodePtr input, std::vector<SortKey> keys, int64_t first = -1);
  static NodePtr Limit(NodePtr input, int64_t offset, int64_t count);
  // No keys: a cross join (every pair), filtered by the residual.
  static NodePtr Join(NodePtr left, NodePtr right, JoinKind kind,
                      std::vector<std::string> left_keys,
                      std::vector<std::string> right_keys, Expression residual);
  // Every input's rows (UNION ALL), in no particular order. The inputs have the same
  // column names and types.
  static arrow::Result<NodePtr> Union(std::vector<NodePtr> inputs);
  // The input's columns and one more per call. The input must arrive sorted by the
  // partition keys (in any direction) and then by `order`: the binder puts a Sort below.
  static arrow::Result<NodePtr> Window(NodePtr input, std::vector<std::string> partition,
                                       std::vector<SortKey> order,
                                       std::vector<WindowCall> calls);

  NodeKind kind() const { return kind_; }
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  const std::vector<NodePtr>& inputs() const { return inputs_; }
  const NodePtr& input() const { return inputs_.front(); }

  // kScan
  const std::shared_ptr<catalog::TableSource>& source() const { return source_; }
  const std::vector<std::string>& source_columns() const { return source_columns_; }
  const Expression& filter_hint() const { return predicate_; }
  // kProject
  const std::vector<Expression>& exprs() const { return exprs_; }
  // kFilter (and the join residual)
  const Expression& predicate() const { return predicate_; }
  // kAggregate
  const std::vector<std::string>& group_keys() const { return keys_; }
  const std::vector<AggregateCall>& aggregates() const { return aggregates_; }
  // kSort; sort_first() < 0 means every row is needed in order
  const std::vector<SortKey>& sort_keys() const { return sort_keys_; }
  int64_t sort_first() const { return count_; }
  // kLimit; count < 0 means no limit
  int64_t offset() const { return offset_; }
  int64_t count() const { return count_; }
  // kJoin
  JoinKind join_kind() const { return join_kind_; }
  const std::vector<std::string>& left_keys() const { return keys_; }
  const std::vector<std::string>& right_keys() const { return right_keys_; }
  // kWindow (its ORDER BY is sort_keys())
  const std::vector<std::string>& partition_keys() const { return keys_; }
  const std::vector<WindowCall>& window_calls() const { return window_calls_; }

  // An indented tree, one node per line, for EXPLAIN. A materialized CTE's plan is
  // shown once, under its first reference.
  std::string ToString() const;

 private:
  LogicalNode() = default;
  // `shown`: the CTEs whose plans are already printed.
  void Print(int depth, std::set<const catalog::TableSource*>* shown,
             std::string* out) const;

  NodeKind kind_ = NodeKind::kScan;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<NodePtr> inputs_;
  std::shared_ptr<catalog::TableSource> source_;
  std::vector<std::string> source_columns_;
  std::vector<Expression> exprs_;
  Expression predicate_ = arrow::compute::literal(true);
  std::vector<std::string> keys_;
  std::vector<std::string> right_keys_;
  std::vector<AggregateCall> aggregates_;
  std::vector<SortKey> sort_keys_;
  std::vector<WindowCall> window_calls_;
  int64_t offset_ = 0;
  int64_t count_ = -1;
  JoinKind join_kind_ = JoinKind::kInner;
};

// `node` rebuilt over new inputs with the same columns (a scan is returned as it is).
arrow::Result<NodePtr> WithInputs(const NodePtr& node, std::vector<NodePtr> inputs);

// `node`'s columns and one more, `expr` named `name` (a projection above `node`).
arrow::Result<NodePtr> WithColumn(const NodePtr& node, Expression expr, std::string name);

// The Arrow type an aggregate function returns for an input type; fails for an input the
// function cannot take (sum of a string).
arrow::Result<std::shared_ptr<arrow::DataType>> AggregateResultType(
    const std::string& function, const std::shared_ptr<arrow::DataType>& input);

}  // namespace sluice::plan
