#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "plan/logical_plan.h"
#include "sluice/param.h"
#include "sql/dialect.h"
#include "sql/expression_binder.h"
#include "sql/grouping_sets.h"
#include "sql/parser.h"
#include "sql/scope.h"

namespace sluice::sql {

// Turns one parsed query into a logical plan, resolving names against the catalog and
// checking types. The plan's root produces the columns the user sees, under their SQL
// names; every other node uses unique internal names.
class Binder {
 public:
  // `versions` (from RewriteDialect, may be null) gives the table references that read
  // a Delta table at a version or its history, by position.
  Binder(std::string_view sql, const catalog::Catalog* catalog,
         const std::vector<Param>* params,
         const std::map<int, TableVersionSpec>* versions = nullptr);

  // Makes `plan` readable in FROM as `name` (CTEs, DataFrame inputs); shadows the
  // catalog.
  void AddRelation(const std::string& name, plan::NodePtr plan);

  // Binds a SelectStmt body (also VALUES and WITH).
  arrow::Result<plan::NodePtr> BindSelect(const Json& select);

  // After binding: Invalid, with the position, if a VERSION AS OF, TIMESTAMP AS OF or
  // DESCRIBE HISTORY did not apply to a table in FROM.
  arrow::Status CheckVersionsUsed() const;

 private:
  struct Relation {
    plan::NodePtr plan;
    Scope scope;
  };
  struct Target {
    const Json* expr = nullptr;  // null for a column expanded from *
    BoundExpr star_column;       // the column, when expanded from *
    std::string name;
  };

  // What a subquery in an expression is bound for.
  enum class SubqueryMode {
    kNone,    // not a subquery
    kExists,  // EXISTS: whether it has rows
    kIn,      // IN: the values of its one column
    kScalar,  // (SELECT ...) as a value
  };
  // A subquery ready to be joined to the query it appears in. Its columns have unique
  // internal names.
  struct Subquery {
    plan::NodePtr plan;
    std::string value;  // the column IN compares with, or the scalar's value
    // Conditions over the subquery's and the outer query's columns (correlation).
    std::vector<arrow::compute::Expression> correlated;
    // A correlated count(): no group means 0, not NULL.
    bool zero_if_empty = false;
    // When set, the column with the number of rows the value came from: more than one
    // is an error.
    std::string row_count;
    // Join keys: an outer expression and a column of `plan` (IN in an expression).
    std::vector<std::pair<arrow::compute::Expression, std::string>> pairs;
  };
  // A correlated equality's two sides, bound apart.
  struct CorrelatedPair {
    BoundExpr inner, outer;
  };

  // FROM (from_binder.cc)
  arrow::Result<Relation> BindFrom(const Json& from_clause);
  arrow::Result<Relation> BindFromItem(const Json& item);
  arrow::Result<Relation> BindRangeVar(const Json& body);
  arrow::Result<Relation> BindTableVersion(const std::string& name, int location,
                                           const TableVersionSpec& spec,
                                           const Json& alias);
  arrow::Result<Relation> BindTableFunction(const Json& body);
  arrow::Result<Relation> BindReadStream(const std::vector<arrow::Datum>& args,
                                         const std::string& qualifier, const Json& alias,
                                         int location);
  arrow::Result<Relation> BindView(const std::string& name, const std::string& query,
                                   int location, const std::string& qualifier,
                                   const Json& alias);
  arrow::Result<Relation> BindJoin(const Json& body);
  arrow::Result<Relation> BindValues(const Json& lists, int location);
  arrow::Result<Relation> ScanSource(std::shared_ptr<catalog::TableSource> source,
                                     const std::string& qualifier, const Json& alias);
  // Re-exposes a bound query's output under fresh internal names.
  arrow::Result<Relation> Wrap(const plan::NodePtr& plan, const std::string& qualifier,
                               const Json& alias);

  // Subqueries (subquery_binder.cc)
  // WHERE: EXISTS, NOT EXISTS, IN and NOT IN conditions become semi and anti joins,
  // scalar subqueries joins; the rest filters `from`.
  arrow::Status BindWhere(const Json& where, Relation* from);
  arrow::Result<Subquery> BindSubquery(const Json& sublink, const Scope* outer,
                                       SubqueryMode mode);
  arrow::Result<Subquery> FinishSubquery(const Binder& child, plan::NodePtr plan,
                                         const Json& select, int location);
  // Joins a subquery to `outer`: keyed on the equalities of `pairs` (outer expression,
  // subquery column) and of its correlated conditions; the other conditions filter the
  // join.
  arrow::Result<plan::NodePtr> JoinSubquery(
      plan::NodePtr outer, Subquery subquery, plan::JoinKind kind,
      std::vector<std::pair<arrow::compute::Expression, std::string>> pairs,
      std::vector<arrow::compute::Expression> residual, int location);
  // EXISTS / IN conditions of WHERE; false if `condition` is not one.
  arrow::Result<bool> BindRowsCondition(const Json& condition, Relation* from);
  // An expression hook turning scalar subqueries into columns: each is bound (correlated
  // to `outer`, which may be null) and added to `*found`, to be joined by
  // JoinScalarSubqueries to the relation the expression is evaluated over.
  ExpressionBinder::Hook ScalarSubqueryHook(const Scope* outer,
                                            std::vector<Subquery>* found);
  arrow::Result<plan::NodePtr> JoinScalarSubqueries(plan::NodePtr plan,
                                                    std::vector<Subquery> found);
  // EXISTS and uncorrelated IN as values anywhere in an expression (under OR or NOT, in
  // the select list): subqueries added to `*found`, joined like scalar subqueries.
  arrow::Result<BoundExpr> ExistsValue(const Json& link, const Scope* outer,
                                       std::vector<Subquery>* found, int location);
  arrow::Result<BoundExpr> InValue(const Json& link, const Scope* outer,
                                   std::vector<Subquery>* found, int location);
  // Within a subquery's WHERE: the conditions that name the outer query's columns.
  arrow::Result<bool> TakeCorrelated(const Json& condition, const Scope& scope);
  // A correlated EXISTS / IN subquery: its FROM and uncorrelated WHERE, every column
  // kept for the join, and the IN value.
  arrow::Result<plan::NodePtr> CorrelatedRows(const Json& select, Relation from);

  // FROM (from_binder.cc)
  arrow::Result<std::vector<Target>> ExpandTargets(const Json& target_list,
                                                   const Scope& scope);
  arrow::Result<plan::NodePtr> BindAggregateQuery(
      const Json& select, Relation from, const std::vector<Target>& given_targets);
  // GROUPING(args) (grouping_sets.cc): each argument must be one of the first
  // `grouped_keys` keys; the call is added to `*calls` (once) and its column returned.
  arrow::Result<std::string> BindGroupingCall(const Json& body,
                                              ExpressionBinder* input_binder,
                                              const std::vector<BoundExpr>& keys,
                                              size_t grouped_keys,
                                              std::vector<GroupingCall>* calls);
  // A correlated scalar subquery: its correlated equalities become grouping keys.
  arrow::Status UseCorrelationKeys(const Json& select);
  arrow::Result<plan::NodePtr> Finish(const Json& select, plan::NodePtr plan,
                                      std::vector<BoundExpr> outputs,
                                      const std::vector<Target>& targets,
                                      ExpressionBinder* order_binder);
  arrow::Result<int64_t> BindLimitValue(const Json& node, const char* what);
  struct LimitClause {
    int64_t count = -1;  // no LIMIT
    int64_t offset = 0;
  };
  arrow::Result<LimitClause> BindLimitClause(const Json& select);
  // UNION, INTERSECT and EXCEPT [ALL] (set_binder.cc); `names` are the internal column
  // names of `node`, `shown` the ones the user sees.
  arrow::Result<plan::NodePtr> BindSetOperation(const Json& select);
  // INTERSECT (or EXCEPT) [ALL] of two inputs with the columns `names`.
  arrow::Result<plan::NodePtr> MatchRows(std::vector<plan::NodePtr> sides,
                                         const std::vector<std::string>& names,
                                         bool intersect, bool all);
  arrow::Result<plan::NodePtr> FinishSetOperation(const Json& select, plan::NodePtr node,
                                                  const std::vector<std::string>& names,
                                                  const std::vector<std::string>& shown);
  // FETCH FIRST count ROWS WITH TIES over `sorted` (by `keys`), after `offset` rows.
  arrow::Result<plan::NodePtr> KeepTies(plan::NodePtr sorted,
                                        const std::vector<plan::SortKey>& keys,
                                        int64_t offset, int64_t count);

  std::string NewName(std::string_view base);

  std::string_view sql_;
  const catalog::Catalog* catalog_;
  const std::vector<Param>* params_;
  const std::map<int, TableVersionSpec>* versions_;
  std::set<int> versions_used_;
  std::map<std::string, plan::NodePtr> relations_;
  int next_id_ = 0;
  int view_depth_ = 0;  // views being bound around this binder
  // Set while binding a subquery: the query it appears in, and what is found out.
  const Scope* outer_scope_ = nullptr;
  SubqueryMode subquery_mode_ = SubqueryMode::kNone;
  std::vector<BoundExpr> correlated_;
  std::vector<std::optional<CorrelatedPair>> correlated_pairs_;  // one per condition
  std::string value_column_;                                     // set by CorrelatedRows
  // kScalar: the subquery's side of each correlated equality, grouped by.
  std::vector<BoundExpr> correlation_keys_;
  // kScalar over plain rows: the select list was made any_value(x), count(*), so the
  // value comes with the number of rows it came from (checked to be at most one).
  bool counts_rows_ = false;
};

// Output column name PostgreSQL would give an unaliased select-list expression.
std::string DefaultColumnName(const Json& expr);

}  // namespace sluice::sql
