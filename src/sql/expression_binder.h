#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/compute/expression.h>

#include "sluice/param.h"
#include "sql/parser.h"
#include "sql/scope.h"

namespace sluice::sql {

// A bound SQL expression: an Arrow expression over the scope's internal column names, and
// its result type.
struct BoundExpr {
  arrow::compute::Expression expr;
  std::shared_ptr<arrow::DataType> type;
  // An untyped string constant ('2024-01-01'): like PostgreSQL's "unknown" literals it
  // takes the type of what it is compared or combined with.
  bool untyped_string = false;
};

// Binds expression parse trees against a Scope. Type errors are found here, at bind time,
// and name the SQL position.
class ExpressionBinder {
 public:
  // Lets a caller replace a subtree before it is bound (aggregate contexts use it to turn
  // sum(x) or a grouped expression into a column of the aggregate's output). Returns
  // nullopt to bind the node normally.
  using Hook = std::function<arrow::Result<std::optional<BoundExpr>>(const Json& node)>;

  ExpressionBinder(std::string_view sql, const Scope* scope,
                   const std::vector<Param>* params, Hook hook = {});

  arrow::Result<BoundExpr> Bind(const Json& node);

  // Inside a subquery: names not found in the scope are looked up in the outer query's
  // scope (a correlated reference); used_outer() tells whether one was.
  void AllowOuter(const Scope* outer) { outer_ = outer; }
  bool used_outer() const { return used_outer_; }

  // A call to an Arrow function; its type comes from Arrow's own dispatch, so a type
  // error is reported as "<display> cannot take (<types>)" at `location`.
  arrow::Result<BoundExpr> Call(const std::string& function, std::vector<BoundExpr> args,
                                std::shared_ptr<arrow::compute::FunctionOptions> options,
                                std::string_view display, int location);
  // Explicit CAST; constant casts are checked here, others at run time.
  arrow::Result<BoundExpr> Cast(BoundExpr value,
                                const std::shared_ptr<arrow::DataType>& type,
                                int location);
  // Gives an untyped string literal the type of the other side (PostgreSQL coercion).
  arrow::Status Coerce(BoundExpr* a, BoundExpr* b, int location);

  std::string_view sql() const { return sql_; }

 private:
  // Types the call with Arrow's dispatch; arguments as they are.
  arrow::Result<BoundExpr> Dispatch(
      const std::string& function, std::vector<BoundExpr> args,
      std::shared_ptr<arrow::compute::FunctionOptions> options, std::string_view display,
      int location);
  // An integer or decimal value as `type`.
  arrow::Result<BoundExpr> ToDecimal(BoundExpr arg,
                                     const std::shared_ptr<arrow::DataType>& type,
                                     int location);
  // Numbers of which one is a DECIMAL in one type: a DECIMAL holding them all, or DOUBLE
  // when one is floating point. Leaves other mixes alone.
  arrow::Status UnifyDecimals(std::vector<BoundExpr>* values, int location);
  // A Call whose numeric arguments include a DECIMAL (decimal_rules.h).
  arrow::Result<BoundExpr> DecimalCall(
      const std::string& function, std::vector<BoundExpr> args,
      std::shared_ptr<arrow::compute::FunctionOptions> options, std::string_view display,
      int location);
  arrow::Result<BoundExpr> BindColumnRef(const Json& body);
  arrow::Result<BoundExpr> BindConst(const Json& body);
  arrow::Result<BoundExpr> BindAExpr(const Json& body);
  arrow::Result<BoundExpr> BindOperator(const std::string& op, const Json& body);
  arrow::Result<BoundExpr> BindIn(const Json& body, bool negated);
  arrow::Result<BoundExpr> BindLike(const Json& body, const std::string& op);
  // The value of a constant string expression; "not supported" naming `what` otherwise.
  arrow::Result<std::string> ConstantText(const Json& node, const char* what);
  // A LIKE pattern with ESCAPE `escape` ("" for none) in match_like's backslash form.
  arrow::Result<std::string> WithBackslashEscapes(const std::string& pattern,
                                                  const std::string& escape,
                                                  int location);
  arrow::Result<BoundExpr> BindBool(const Json& body);
  arrow::Result<BoundExpr> BindCase(const Json& body);
  arrow::Result<BoundExpr> BindCoalesce(const Json& body);
  arrow::Result<BoundExpr> BindFuncCall(const Json& body);
  arrow::Result<BoundExpr> BindParam(const Json& body);
  arrow::Result<BoundExpr> BindInterval(const Json& body);
  arrow::Result<BoundExpr> BindValueFunction(const Json& body);
  arrow::Result<std::vector<BoundExpr>> BindList(const Json& list);

  std::string_view sql_;
  const Scope* scope_;
  const std::vector<Param>* params_;
  Hook hook_;
  const Scope* outer_ = nullptr;
  bool used_outer_ = false;
};

// PostgreSQL type name (a TypeName node body) to an Arrow type.
arrow::Result<std::shared_ptr<arrow::DataType>> ArrowTypeFromSql(const Json& type_name,
                                                                 std::string_view sql);
// "BIGINT", "VARCHAR", ...: how Sluice names an Arrow type in messages.
std::string SqlTypeName(const arrow::DataType& type);

bool IsAggregateFunction(const std::string& name);
// True if the expression tree calls an aggregate or GROUPING() (not looking into
// subqueries).
bool ContainsAggregate(const Json& node);

// Non-aggregate functions by SQL name (functions.cc).
arrow::Result<BoundExpr> BindScalarFunction(ExpressionBinder* binder,
                                            const std::string& name,
                                            std::vector<BoundExpr> args, int location);

}  // namespace sluice::sql
