#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/type_fwd.h>

#include "sluice/param.h"

namespace sluice::plan {

class FrameOp;
using FrameOpPtr = std::shared_ptr<const FrameOp>;

// One key of a Sort: an expression and its direction, as ORDER BY writes them.
struct SortSpec {
  std::string expr;
  bool ascending = true;
  // Unset: the engine's default (nulls last ascending, first descending, in both).
  std::optional<bool> nulls_first;
};

// What a DataFrame is, independent of any engine: where its rows come from (a query's
// text, a table's name) and the transformations applied on top, with every expression
// kept as the text the user wrote. Each engine lowers this tree its own way: the
// embedded engine binds it to a LogicalNode (sql/), Spark turns it into Spark Connect
// relations (spark/). Immutable and shared.
class FrameOp {
 public:
  enum class Kind {
    kSql,
    kTable,
    kValues,
    kSelect,
    kFilter,
    kAggregate,
    kSort,
    kLimit,
    kJoin
  };
  enum class JoinKind { kInner, kLeft };

  static FrameOpPtr Sql(std::string text, std::vector<Param> params);
  static FrameOpPtr Table(std::string name);
  // Rows already in memory (a command's result, say).
  static FrameOpPtr Values(std::shared_ptr<arrow::Table> rows);
  static FrameOpPtr Select(FrameOpPtr input, std::vector<std::string> exprs);
  static FrameOpPtr Filter(FrameOpPtr input, std::string predicate);
  static FrameOpPtr Aggregate(FrameOpPtr input, std::vector<std::string> keys,
                              std::vector<std::string> aggregates);
  static FrameOpPtr Sort(FrameOpPtr input, std::vector<SortSpec> keys);
  static FrameOpPtr Limit(FrameOpPtr input, int64_t count, int64_t offset);
  static FrameOpPtr Join(FrameOpPtr left, FrameOpPtr right, std::string condition,
                         JoinKind kind);

  Kind kind() const { return kind_; }
  const FrameOpPtr& input() const { return inputs_.front(); }
  // kJoin: the left input is input(), the right one right().
  const FrameOpPtr& right() const { return inputs_.back(); }
  // kSql: the statement; kTable: the name; kFilter: the predicate; kJoin: the condition.
  const std::string& text() const { return text_; }
  const std::vector<Param>& params() const { return params_; }
  const std::shared_ptr<arrow::Table>& rows() const { return rows_; }
  // kSelect: the expressions; kAggregate: the aggregates.
  const std::vector<std::string>& exprs() const { return exprs_; }
  // kAggregate: the grouping keys.
  const std::vector<std::string>& keys() const { return keys_; }
  const std::vector<SortSpec>& sort_keys() const { return sort_keys_; }
  int64_t count() const { return count_; }
  int64_t offset() const { return offset_; }
  JoinKind join_kind() const { return join_kind_; }

 private:
  explicit FrameOp(Kind kind) : kind_(kind) {}

  Kind kind_;
  std::vector<FrameOpPtr> inputs_;
  std::string text_;
  std::vector<Param> params_;
  std::shared_ptr<arrow::Table> rows_;
  std::vector<std::string> exprs_;
  std::vector<std::string> keys_;
  std::vector<SortSpec> sort_keys_;
  int64_t count_ = -1;
  int64_t offset_ = 0;
  JoinKind join_kind_ = JoinKind::kInner;
};

}  // namespace sluice::plan
