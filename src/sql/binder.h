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

  // FROM (from_binder.cc)
  arrow::Result<Relation> BindFrom(const Json& from_clause);
  arrow::Result<Relation> BindFromItem(const Json& item);
  arrow::Result<Relation> BindRangeVar(const Json& body);
  arrow::Result<Relation> BindTableVersion(const std::string& name, int location,
                                           const TableVersionSpec& spec,
                                           const Json& alias);
  arrow::Result<Relation> BindTableFunction(const Json& body);
  arrow::Result<Relation> BindJoin(const Json& body);
  arrow::Result<Relation> BindValues(const Json& lists, int location);
  arrow::Result<Relation> ScanSource(std::shared_ptr<catalog::TableSource> source,
                                     const std::string& qualifier, const Json& alias);
  // Re-exposes a bound query's output under fresh internal names.
  arrow::Result<Relation> Wrap(const plan::NodePtr& plan, const std::string& qualifier,
                               const Json& alias);

  // SELECT (binder.cc)
  arrow::Result<std::vector<Target>> ExpandTargets(const Json& target_list,
                                                   const Scope& scope);
  arrow::Result<plan::NodePtr> BindAggregateQuery(const Json& select, Relation from,
                                                  const std::vector<Target>& targets);
  arrow::Result<plan::NodePtr> Finish(const Json& select, plan::NodePtr plan,
                                      std::vector<BoundExpr> outputs,
                                      const std::vector<Target>& targets,
                                      ExpressionBinder* order_binder);
  arrow::Result<int64_t> BindLimitValue(const Json& node, const char* what);

  std::string NewName(std::string_view base);

  std::string_view sql_;
  const catalog::Catalog* catalog_;
  const std::vector<Param>* params_;
  const std::map<int, TableVersionSpec>* versions_;
  std::set<int> versions_used_;
  std::map<std::string, plan::NodePtr> relations_;
  int next_id_ = 0;
};

// Output column name PostgreSQL would give an unaliased select-list expression.
std::string DefaultColumnName(const Json& expr);

}  // namespace sluice::sql
