#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan/logical_plan.h"
#include "sql/expression_binder.h"

namespace sluice::sql {

// The window function calls of one SELECT. Each call (`f(...) OVER (...)`, met in the
// select list or ORDER BY) is bound with the binder of the query's rows (after GROUP BY
// and HAVING, where there are any) and becomes a column; AddWindows then computes those
// columns with one Window node per distinct PARTITION BY / ORDER BY, each above a Sort.
class WindowBinder {
 public:
  using Namer = std::function<std::string(std::string_view)>;

  // `rows` binds the calls' arguments and window clauses; `namer` gives unique internal
  // column names.
  WindowBinder(std::string_view sql, ExpressionBinder* rows, Namer namer);

  // For an ExpressionBinder hook: a call with OVER becomes a column reference (the same
  // one each time that call is bound); any other node nullopt.
  arrow::Result<std::optional<BoundExpr>> Bind(const Json& node);

  // The query's WINDOW clause (`WINDOW w AS (...)`), which OVER w and OVER (w ...) name.
  // Invalid for a name defined twice or a reference PostgreSQL refuses.
  arrow::Status SetNamedWindows(const Json& window_clause);

  bool empty() const { return windows_.empty(); }

  // `input` with every window's columns added.
  arrow::Result<plan::NodePtr> AddWindows(plan::NodePtr input) const;

 private:
  struct OrderItem {
    BoundExpr value;
    bool ascending = true;
    bool nulls_first = false;
  };
  // One PARTITION BY / ORDER BY and the calls over it. Argument expressions are computed
  // as columns (`inputs`) below the sort.
  struct Window {
    std::vector<BoundExpr> partition;
    std::vector<OrderItem> order;
    std::vector<std::pair<std::string, BoundExpr>> inputs;
    std::vector<plan::WindowCall> calls;
  };

  // The window definition an OVER clause stands for: a named window's (OVER w), one
  // based on it (OVER (w ORDER BY ...)), or itself.
  arrow::Result<Json> ResolveOver(const Json& over) const;
  // The named window `name`, or Invalid at `location`.
  arrow::Result<Json> NamedWindow(const std::string& name, int location) const;
  // `def` on top of the named window `base` (which `def` names as its refname), as
  // PostgreSQL allows: ORDER BY and the frame may be added, nothing overridden.
  arrow::Result<Json> Extend(const Json& base, const Json& def) const;
  arrow::Result<Window*> FindWindow(const Json& over);
  arrow::Result<plan::WindowFrame> BindFrame(const Json& over, const Window& window);
  // A RANGE frame's offset in the units of its ORDER BY key of type `key`: an integer
  // constant for an integer key, a constant INTERVAL for a DATE (whole days) or a
  // TIMESTAMP.
  arrow::Result<int64_t> RangeOffset(const Json& node, const arrow::DataType& key);
  // A constant integer argument of at least `minimum`, named `what` in errors.
  arrow::Result<int64_t> ConstantArgument(const Json& node, int64_t minimum,
                                          const char* what);
  // Fills the call's function, input and options from the function's name and arguments.
  arrow::Status BindCall(const std::string& name, const Json& body, int location,
                         Window* window, plan::WindowCall* call);
  // A column of `window` computing `value` below its sort.
  std::string AddInput(Window* window, const BoundExpr& value);

  std::string_view sql_;
  ExpressionBinder* rows_;
  Namer namer_;
  std::vector<Window> windows_;
  std::map<int, BoundExpr> bound_;     // by the call's position in the SQL
  std::map<std::string, Json> named_;  // the WINDOW clause's definitions, resolved
};

// Whether a parse tree holds a window function call (a call with OVER).
bool ContainsWindowCall(const Json& node);

}  // namespace sluice::sql
