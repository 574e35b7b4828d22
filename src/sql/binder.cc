// SELECT: targets, WHERE, GROUP BY / HAVING with aggregates, DISTINCT, ORDER BY, LIMIT.
#include "sql/binder.h"

#include <algorithm>

#include <arrow/compute/api.h>
#include <arrow/type.h>

#include "common/ascii.h"
#include "common/checked_bigint.h"
#include "common/sql_error.h"
#include "common/string_agg.h"
#include "plan/common_table.h"
#include "sql/grouping_sets.h"
#include "sql/window_binder.h"

namespace sluice::sql {

namespace cp = arrow::compute;

namespace {

bool IsStar(const Json& expr) {
  if (NodeKind(expr) != "ColumnRef") return false;
  const auto& fields = NodeBody(expr).at("fields");
  return !fields.empty() && fields.back().contains("A_Star");
}

// 64-bit integers would wrap around in Arrow's sum and mean: sum() adds them up exactly
// as DECIMAL(38, 0) and its result is checked back into BIGINT (see
// NarrowAggregateResult), avg() and the deviations are computed in DOUBLE, as they are
// for DECIMAL (DuckDB's choice; Arrow's mean of a DECIMAL keeps the input's scale),
// except that avg() of a DECIMAL sums exactly before dividing (plan: mean of a DECIMAL is
// DOUBLE).
arrow::Result<BoundExpr> WidenAggregateInput(const std::string& name, BoundExpr arg,
                                             ExpressionBinder* binder, int location,
                                             bool* widened) {
  const auto id = arg.type->id();
  const bool wide_integer = id == arrow::Type::INT64 || id == arrow::Type::UINT64;
  if (!wide_integer && !arrow::is_decimal(id)) return arg;
  if (name == "sum") {
    if (!wide_integer) return arg;
    *widened = true;
    return binder->Cast(std::move(arg), arrow::decimal128(38, 0), location);
  }
  const bool mean = name == "avg" || name == "mean";
  // A DECIMAL128's mean: its exact sum, divided as DOUBLE (lowering's own kernel).
  if (mean && id == arrow::Type::DECIMAL128) return arg;
  if (mean || name.rfind("stddev", 0) == 0 || name.rfind("var", 0) == 0) {
    // Beyond 2^53 a DOUBLE rounds; that is the precision avg() promises.
    return BoundExpr{cp::call("cast", {std::move(arg.expr)},
                              cp::CastOptions::Unsafe(arrow::float64())),
                     arrow::float64()};
  }
  return arg;
}

// A widened integer sum back in BIGINT: a total that does not fit is an error, as in
// PostgreSQL's integer arithmetic, never a wrapped value.
arrow::Result<BoundExpr> NarrowAggregateResult(BoundExpr result, bool widened,
                                               ExpressionBinder* binder, int location) {
  if (!widened) return result;
  ARROW_RETURN_NOT_OK(RegisterCheckedBigint());
  return binder->Call(kCheckedBigint, {std::move(result)}, nullptr, "sum", location);
}

// How many times a FROM item of `node` (at any depth) names `name` without a schema.
int References(const Json& node, const std::string& name) {
  int count = 0;
  if (node.is_object()) {
    auto range = node.find("RangeVar");
    if (range != node.end() && !range->contains("schemaname") &&
        AsciiLower(range->value("relname", "")) == AsciiLower(name)) {
      ++count;
    }
    for (const auto& [key, child] : node.items()) count += References(child, name);
  } else if (node.is_array()) {
    for (const auto& child : node) count += References(child, name);
  }
  return count;
}

// Binds the ORDER BY items that call window functions, so that the windows are known
// before they are planned (Finish binds ORDER BY again, to the same columns).
arrow::Status BindWindowsInOrderBy(const Json& select, ExpressionBinder* binder) {
  for (const auto& sort : select.value("sortClause", Json::array())) {
    const Json& node = sort.at("SortBy").at("node");
    if (ContainsWindowCall(node)) ARROW_RETURN_NOT_OK(binder->Bind(node).status());
  }
  return arrow::Status::OK();
}

// `hook` with window function calls bound by `windows` first.
ExpressionBinder::Hook WithWindows(WindowBinder* windows, ExpressionBinder::Hook hook) {
  return [windows, hook = std::move(hook)](
             const Json& node) -> arrow::Result<std::optional<BoundExpr>> {
    ARROW_ASSIGN_OR_RAISE(auto window, windows->Bind(node));
    if (window || !hook) return window;
    return hook(node);
  };
}

}  // namespace

namespace {

// The plan's aggregate function for a SQL aggregate name.
std::string AggregateFunctionName(const std::string& name) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"avg", "mean"},          {"stddev_samp", "stddev"},
      {"var_samp", "variance"}, {"var_pop", "variance_pop"},
      {"any_value", "min"},     {"bool_and", "all"},
      {"every", "all"},         {"bool_or", "any"}};
  for (const auto& [sql_name, function] : kNames) {
    if (name == sql_name) return function;
  }
  return name;
}

struct StringAggCall {
  BoundExpr value;
  std::shared_ptr<StringAggOptions> options;
};

// string_agg(x, separator [ORDER BY x [ASC | DESC]]): x as text (other types are cast,
// as DuckDB does, but then cannot be ordered: their text would sort differently), the
// separator a constant (NULL joins with nothing, as in PostgreSQL).
arrow::Result<StringAggCall> BindStringAgg(std::string_view sql, const Json& body,
                                           ExpressionBinder* binder) {
  const int location = body.value("location", -1);
  const Json args = body.value("args", Json::array());
  if (args.size() != 2 || body.value("agg_star", false)) {
    return SqlInvalid(sql, location, "string_agg() takes a value and a separator");
  }
  if (body.value("agg_distinct", false)) {
    return SqlNotSupported(sql, location, "DISTINCT in string_agg()");
  }
  ARROW_ASSIGN_OR_RAISE(auto value, binder->Bind(args[0]));
  ARROW_ASSIGN_OR_RAISE(auto separator, binder->Bind(args[1]));
  const arrow::Datum* constant = separator.expr.literal();
  const auto type = separator.type->id();
  if (!constant || (type != arrow::Type::STRING && type != arrow::Type::LARGE_STRING &&
                    type != arrow::Type::NA)) {
    return SqlNotSupported(sql, NodeLocation(args[1]),
                           "a string_agg() separator that is not a constant string");
  }
  std::string text;
  if (constant->scalar()->is_valid) {
    text = std::string(
        static_cast<const arrow::BaseBinaryScalar&>(*constant->scalar()).view());
  }
  auto order = StringAggOptions::Order::kNone;
  if (body.contains("agg_order")) {
    const Json& items = body["agg_order"];
    const Json& sort = items.at(0).at("SortBy");
    auto key = binder->Bind(sort.at("node"));
    const bool text = value.type->id() == arrow::Type::STRING ||
                      value.type->id() == arrow::Type::LARGE_STRING;
    if (items.size() != 1 || !key.ok() || !(key->expr == value.expr) || !text) {
      return SqlNotSupported(sql, NodeLocation(sort.at("node")),
                             "ORDER BY inside string_agg() other than by its text value");
    }
    order = ReadSortOrder(sort).ascending ? StringAggOptions::Order::kAscending
                                          : StringAggOptions::Order::kDescending;
  }
  if (value.type->id() != arrow::Type::STRING &&
      value.type->id() != arrow::Type::LARGE_STRING) {
    ARROW_ASSIGN_OR_RAISE(value, binder->Cast(std::move(value), arrow::utf8(), location));
  }
  ARROW_RETURN_NOT_OK(RegisterStringAgg());
  return StringAggCall{std::move(value),
                       std::make_shared<StringAggOptions>(std::move(text), order)};
}

}  // namespace

std::string DefaultColumnName(const Json& expr) {
  const std::string& kind = NodeKind(expr);
  const Json& body = NodeBody(expr);
  if (kind == "ColumnRef") {
    const auto& fields = body.at("fields");
    if (!fields.empty() && fields.back().contains("String")) {
      return fields.back()["String"].value("sval", "?column?");
    }
  }
  if (kind == "FuncCall") {
    auto names = StringList(body.value("funcname", Json::array()));
    if (!names.empty()) return names.back();
  }
  if (kind == "TypeCast") {
    std::string inner = DefaultColumnName(body.at("arg"));
    if (inner != "?column?") return inner;
    auto names = StringList(body.at("typeName").value("names", Json::array()));
    if (!names.empty()) return names.back();
  }
  if (kind == "CaseExpr") return "case";
  if (kind == "GroupingFunc") return "grouping";
  if (kind == "CoalesceExpr") return "coalesce";
  return "?column?";
}

Binder::Binder(std::string_view sql, const catalog::Catalog* catalog,
               const std::vector<Param>* params,
               const std::map<int, TableVersionSpec>* versions)
    : sql_(sql), catalog_(catalog), params_(params), versions_(versions) {}

arrow::Status Binder::CheckVersionsUsed() const {
  if (versions_ == nullptr) return arrow::Status::OK();
  for (const auto& [location, spec] : *versions_) {
    if (versions_used_.count(location) == 0) {
      return SqlInvalid(sql_, location,
                        spec.kind == TableVersionSpec::Kind::kHistory ||
                                spec.kind == TableVersionSpec::Kind::kDetail
                            ? "DESCRIBE HISTORY and DETAIL need a table name"
                            : "VERSION AS OF and TIMESTAMP AS OF must follow a table "
                              "name in FROM");
    }
  }
  return arrow::Status::OK();
}

void Binder::AddRelation(const std::string& name, plan::NodePtr plan) {
  relations_[AsciiLower(name)] = std::move(plan);
}

std::string Binder::NewName(std::string_view base) {
  return std::string(base) + "#" + std::to_string(next_id_++);
}

arrow::Result<std::vector<Binder::Target>> Binder::ExpandTargets(const Json& target_list,
                                                                 const Scope& scope) {
  std::vector<Target> targets;
  for (const auto& item : target_list) {
    const Json& target = item.at("ResTarget");
    const Json& expr = target.at("val");
    if (IsStar(expr)) {
      const auto& fields = NodeBody(expr).at("fields");
      const std::string qualifier =
          fields.size() == 2 ? fields[0]["String"].value("sval", "") : "";
      bool any = false;
      for (const auto& column : scope.columns()) {
        if (!qualifier.empty() && AsciiLower(column.qualifier) != AsciiLower(qualifier))
          continue;
        targets.push_back(
            {nullptr, {cp::field_ref(column.internal), column.type}, column.name});
        any = true;
      }
      if (!any && !qualifier.empty()) {
        return SqlError(arrow::StatusCode::KeyError, sql_, NodeLocation(expr),
                        "missing FROM-clause entry for table \"" + qualifier + "\"");
      }
      continue;
    }
    targets.push_back({&expr, {}, target.value("name", DefaultColumnName(expr))});
  }
  return targets;
}

arrow::Result<int64_t> Binder::BindLimitValue(const Json& node, const char* what) {
  ExpressionBinder binder(sql_, nullptr, params_);
  ARROW_ASSIGN_OR_RAISE(auto bound, binder.Bind(node));
  const arrow::Datum* literal = bound.expr.literal();
  if (!literal || !arrow::is_integer(bound.type->id())) {
    if (literal && bound.type->id() == arrow::Type::NA) return -1;  // LIMIT ALL / NULL
    return SqlInvalid(sql_, NodeLocation(node),
                      std::string(what) + " must be an integer constant");
  }
  ARROW_ASSIGN_OR_RAISE(auto value, literal->scalar()->CastTo(arrow::int64()));
  const int64_t n = static_cast<const arrow::Int64Scalar&>(*value).value;
  if (n < 0)
    return SqlInvalid(sql_, NodeLocation(node),
                      std::string(what) + " must not be negative");
  return n;
}

arrow::Result<plan::NodePtr> Binder::BindSelect(const Json& select) {
  const int location = -1;
  if (select.contains("withClause")) {
    const Json& with = select["withClause"];
    if (with.value("recursive", false))
      return SqlNotSupported(sql_, location, "WITH RECURSIVE");
    for (const auto& cte : with.at("ctes")) {
      const Json& body = cte.at("CommonTableExpr");
      const std::string name = body.value("ctename", "");
      const size_t correlated = correlated_.size();
      ARROW_ASSIGN_OR_RAISE(auto plan, BindSelect(NodeBody(body.at("ctequery"))));
      // As in PostgreSQL: computed once where it is read more than once (or the query
      // says MATERIALIZED), unless NOT MATERIALIZED; one that refers to an outer query
      // is always inlined.
      const std::string mode = body.value("ctematerialized", "CTEMaterializeDefault");
      const bool once = mode == "CTEMaterializeAlways" ||
                        (mode == "CTEMaterializeDefault" && References(select, name) > 1);
      if (once && correlated_.size() == correlated) {
        plan = plan::CommonTable::Reference(
            std::make_shared<plan::CommonTable>(name, std::move(plan)));
      }
      AddRelation(name, plan);
    }
  }
  for (const char* clause : {"intoClause", "lockingClause"}) {
    if (select.contains(clause)) return SqlNotSupported(sql_, location, clause);
  }
  if (select.value("op", "SETOP_NONE") != "SETOP_NONE") return BindSetOperation(select);
  if (select.contains("valuesLists")) {
    ARROW_ASSIGN_OR_RAISE(auto values, BindValues(select["valuesLists"], location));
    std::vector<cp::Expression> exprs;
    std::vector<std::string> names;
    for (const auto& column : values.scope.columns()) {
      exprs.push_back(cp::field_ref(column.internal));
      names.push_back(column.name);
    }
    ARROW_ASSIGN_OR_RAISE(auto root,
                          plan::LogicalNode::Project(values.plan, exprs, names));
    return root;
  }

  ARROW_ASSIGN_OR_RAISE(auto from, BindFrom(select.value("fromClause", Json::array())));
  if (select.contains("whereClause")) {
    ARROW_RETURN_NOT_OK(BindWhere(select["whereClause"], &from));
  }
  if (!correlated_.empty()) {
    if (subquery_mode_ != SubqueryMode::kScalar) return CorrelatedRows(select, from);
    ARROW_RETURN_NOT_OK(UseCorrelationKeys(select));
  }

  if (!select.contains("targetList")) {
    return SqlNotSupported(sql_, location, "a SELECT list without columns");
  }
  ARROW_ASSIGN_OR_RAISE(auto targets, ExpandTargets(select["targetList"], from.scope));
  bool aggregated = select.contains("groupClause") || select.contains("havingClause");
  for (const auto& target : targets) {
    if (target.expr && ContainsAggregate(*target.expr)) aggregated = true;
  }
  if (aggregated) return BindAggregateQuery(select, std::move(from), targets);

  std::vector<Subquery> scalars;
  ExpressionBinder row_binder(sql_, &from.scope, params_);
  WindowBinder windows(sql_, &row_binder,
                       [this](std::string_view base) { return NewName(base); });
  ARROW_RETURN_NOT_OK(
      windows.SetNamedWindows(select.value("windowClause", Json::array())));
  ExpressionBinder binder(
      sql_, &from.scope, params_,
      WithWindows(&windows, ScalarSubqueryHook(&from.scope, &scalars)));
  std::vector<BoundExpr> outputs;
  for (const auto& target : targets) {
    if (!target.expr) {
      outputs.push_back(target.star_column);
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(auto bound, binder.Bind(*target.expr));
    outputs.push_back(std::move(bound));
  }
  ARROW_RETURN_NOT_OK(BindWindowsInOrderBy(select, &binder));
  ARROW_ASSIGN_OR_RAISE(from.plan, JoinScalarSubqueries(from.plan, std::move(scalars)));
  ARROW_ASSIGN_OR_RAISE(from.plan, windows.AddWindows(std::move(from.plan)));
  return Finish(select, from.plan, std::move(outputs), targets, &binder);
}

arrow::Status Binder::UseCorrelationKeys(const Json& select) {
  bool aggregated = false;
  for (const auto& target : select.value("targetList", Json::array()))
    aggregated |= ContainsAggregate(target);
  if (!aggregated || select.contains("groupClause") || select.contains("havingClause") ||
      select.contains("limitCount") || select.contains("limitOffset")) {
    return SqlNotSupported(sql_, -1,
                           "a correlated scalar subquery other than an aggregate without "
                           "GROUP BY, HAVING or LIMIT");
  }
  for (const auto& pair : correlated_pairs_) {
    if (!pair) {
      return SqlNotSupported(sql_, -1,
                             "a correlated scalar subquery whose conditions on the outer "
                             "query are not equalities");
    }
    correlation_keys_.push_back(pair->inner);
  }
  return arrow::Status::OK();
}

arrow::Result<plan::NodePtr> Binder::BindAggregateQuery(
    const Json& select, Relation from, const std::vector<Target>& given_targets) {
  // A correlated scalar subquery is grouped by its correlation keys, which it outputs
  // after its value.
  std::vector<Target> targets = given_targets;
  ExpressionBinder input_binder(sql_, &from.scope, params_);
  // GROUP BY items: expressions over the input, an output ordinal, or an output alias.
  std::vector<BoundExpr> keys;
  std::vector<std::string> key_names;
  // A key written twice (also in two grouping sets) is one column.
  auto add_key = [&](BoundExpr key, std::string_view name) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].expr == key.expr) return i;
    }
    keys.push_back(std::move(key));
    key_names.push_back(NewName(name));
    return keys.size() - 1;
  };
  ARROW_ASSIGN_OR_RAISE(auto group_by, ExpandGroupBy(select, sql_));
  std::vector<size_t> item_keys;  // the key of each of group_by.items
  for (const Json* item_node : group_by.items) {
    const Json& item = *item_node;
    const Json* expr = &item;
    if (auto ordinal = IntegerConstant(item, sql_)) {
      if (*ordinal < 1 || static_cast<size_t>(*ordinal) > targets.size()) {
        return SqlInvalid(
            sql_, NodeLocation(item),
            "GROUP BY position " + std::to_string(*ordinal) + " is not in select list");
      }
      const auto& target = targets[*ordinal - 1];
      if (!target.expr) {
        item_keys.push_back(add_key(target.star_column, target.name));
        continue;
      }
      expr = target.expr;
    } else if (std::string name = BareName(item);
               !name.empty() && from.scope.Find("", name) == -1) {
      for (const auto& target : targets) {
        if (target.expr && AsciiLower(target.name) == AsciiLower(name))
          expr = target.expr;
      }
    }
    if (ContainsAggregate(*expr)) {
      return SqlInvalid(sql_, NodeLocation(item),
                        "aggregate functions are not allowed in GROUP BY");
    }
    ARROW_ASSIGN_OR_RAISE(auto key, input_binder.Bind(*expr));
    item_keys.push_back(add_key(std::move(key), DefaultColumnName(*expr)));
  }
  const size_t grouped_keys = keys.size();
  for (const auto& key : correlation_keys_) {
    keys.push_back(key);
    key_names.push_back(NewName("correlation"));
  }

  struct AggInfo {
    std::string function;
    std::optional<BoundExpr> arg;
    std::string input_name, output_name;
    std::shared_ptr<arrow::DataType> type;
    bool widened = false;  // a BIGINT sum computed as DECIMAL(38, 0)
    std::shared_ptr<cp::FunctionOptions> options;  // string_agg's
  };
  std::vector<AggInfo> aggs;
  std::vector<GroupingCall> groupings;
  // Inside HAVING, the select list and ORDER BY, aggregate calls and grouped expressions
  // become columns of the aggregate's output; any other column reference is an error.
  std::vector<Subquery> scalars;
  ExpressionBinder::Hook scalar_hook = ScalarSubqueryHook(nullptr, &scalars);
  ExpressionBinder::Hook hook =
      [&](const Json& node) -> arrow::Result<std::optional<BoundExpr>> {
    const std::string& kind = NodeKind(node);
    if (kind == "SubLink") return scalar_hook(node);
    const Json& body = NodeBody(node);
    const int location = NodeLocation(node);
    if (kind == "GroupingFunc") {
      ARROW_ASSIGN_OR_RAISE(auto call, BindGroupingCall(body, &input_binder, keys,
                                                        grouped_keys, &groupings));
      return BoundExpr{cp::field_ref(call), arrow::int32()};
    }
    if (kind == "FuncCall") {
      auto names = StringList(body.value("funcname", Json::array()));
      const std::string name = names.empty() ? "" : names.back();
      if (IsAggregateFunction(name)) {
        if (body.contains("over"))
          return SqlNotSupported(sql_, location, "window functions");
        if (body.contains("agg_order") && name != "string_agg")
          return SqlNotSupported(sql_, location, "ORDER BY inside an aggregate");
        const Json args = body.value("args", Json::array());
        if (ContainsAggregate(args)) {
          return SqlInvalid(sql_, location, "aggregate function calls cannot be nested");
        }
        AggInfo info;
        const bool distinct = body.value("agg_distinct", false);
        if (name == "string_agg") {
          ARROW_ASSIGN_OR_RAISE(auto call, BindStringAgg(sql_, body, &input_binder));
          info.function = kStringAgg;
          info.arg = std::move(call.value);
          info.options = std::move(call.options);
        } else if (body.value("agg_star", false)) {
          info.function = "count_all";
        } else {
          if (args.size() != 1) {
            return SqlInvalid(sql_, location, name + "() takes exactly one argument");
          }
          ARROW_ASSIGN_OR_RAISE(auto arg, input_binder.Bind(args[0]));
          ARROW_ASSIGN_OR_RAISE(
              arg, WidenAggregateInput(name, std::move(arg), &input_binder, location,
                                       &info.widened));
          info.arg = std::move(arg);
          info.function = AggregateFunctionName(name);
          if (distinct) {
            if (name != "count")
              return SqlNotSupported(sql_, location, "DISTINCT in " + name + "()");
            info.function = "count_distinct";
          } else if ((name == "min" || name == "max") &&
                     info.arg->type->id() == arrow::Type::NA) {
            info.arg->type = arrow::int64();
          }
        }
        if (body.contains("agg_filter")) {
          // agg(x) FILTER (WHERE c) aggregates x where c is true: the others become NULL,
          // which every aggregate skips (count(*) counts the rows where c is true).
          ARROW_ASSIGN_OR_RAISE(auto condition, input_binder.Bind(body["agg_filter"]));
          if (condition.type->id() != arrow::Type::BOOL) {
            return SqlError(arrow::StatusCode::TypeError, sql_, location,
                            "type error: FILTER must be BOOLEAN, not " +
                                SqlTypeName(*condition.type));
          }
          if (!info.arg) {
            info.function = "count";
            info.arg = BoundExpr{cp::literal(true), arrow::boolean()};
          }
          ARROW_ASSIGN_OR_RAISE(
              info.arg, input_binder.Call(
                            "if_else",
                            {condition, *info.arg,
                             BoundExpr{cp::literal(arrow::MakeNullScalar(info.arg->type)),
                                       info.arg->type}},
                            nullptr, "FILTER", location));
        }
        std::shared_ptr<arrow::DataType> input_type =
            info.arg ? info.arg->type : arrow::int64();
        auto type = plan::AggregateResultType(info.function, input_type);
        if (!type.ok()) {
          return SqlError(
              arrow::StatusCode::TypeError, sql_, location,
              "type error: " + name + "() cannot take " + SqlTypeName(*input_type));
        }
        info.type = *type;
        for (const auto& existing : aggs) {
          if (existing.function == info.function &&
              existing.arg.has_value() == info.arg.has_value() &&
              (!info.arg || existing.arg->expr == info.arg->expr) &&
              (existing.options == info.options ||
               (existing.options && info.options &&
                existing.options->Equals(*info.options)))) {
            return NarrowAggregateResult(
                BoundExpr{cp::field_ref(existing.output_name), existing.type},
                existing.widened, &input_binder, location);
          }
        }
        info.input_name = info.arg ? NewName("agg_input") : "";
        info.output_name = NewName(name);
        aggs.push_back(info);
        return NarrowAggregateResult(
            BoundExpr{cp::field_ref(info.output_name), info.type}, info.widened,
            &input_binder, location);
      }
    }
    if (ContainsAggregate(node) || kind == "A_Const" || kind == "ParamRef")
      return std::nullopt;
    auto plain = input_binder.Bind(node);
    if (plain.ok()) {
      for (size_t i = 0; i < keys.size(); ++i) {
        if (plain->expr == keys[i].expr)
          return BoundExpr{cp::field_ref(key_names[i]), keys[i].type};
      }
    }
    if (kind == "ColumnRef") {
      if (!plain.ok()) return plain.status();
      return SqlInvalid(sql_, location,
                        "column \"" + DefaultColumnName(node) +
                            "\" must appear in the GROUP BY clause or be used in an "
                            "aggregate function");
    }
    return std::nullopt;
  };
  ExpressionBinder agg_binder(sql_, nullptr, params_, hook);
  // Window functions run over the grouped rows: their arguments are bound like the
  // select list's other expressions.
  WindowBinder windows(sql_, &agg_binder,
                       [this](std::string_view base) { return NewName(base); });
  ARROW_RETURN_NOT_OK(
      windows.SetNamedWindows(select.value("windowClause", Json::array())));
  ExpressionBinder target_binder(sql_, nullptr, params_, WithWindows(&windows, hook));

  std::vector<BoundExpr> outputs;
  for (const auto& target : targets) {
    if (!target.expr) {
      return SqlInvalid(sql_, -1, "SELECT * cannot be used with GROUP BY or aggregates");
    }
    ARROW_ASSIGN_OR_RAISE(auto bound, target_binder.Bind(*target.expr));
    outputs.push_back(std::move(bound));
  }
  for (size_t i = keys.size() - correlation_keys_.size(); i < keys.size(); ++i) {
    outputs.push_back(BoundExpr{cp::field_ref(key_names[i]), keys[i].type});
    targets.push_back({nullptr, outputs.back(), key_names[i]});
  }
  std::optional<BoundExpr> having;
  if (select.contains("havingClause")) {
    ARROW_ASSIGN_OR_RAISE(having, agg_binder.Bind(select["havingClause"]));
    if (having->type->id() != arrow::Type::BOOL) {
      return SqlError(
          arrow::StatusCode::TypeError, sql_, NodeLocation(select["havingClause"]),
          "type error: HAVING must be BOOLEAN, not " + SqlTypeName(*having->type));
    }
  }
  // Pre-projection computes keys and aggregate inputs; then aggregate; then HAVING.
  std::vector<cp::Expression> pre_exprs;
  std::vector<std::string> pre_names;
  for (size_t i = 0; i < keys.size(); ++i) {
    pre_exprs.push_back(keys[i].expr);
    pre_names.push_back(key_names[i]);
  }
  // ORDER BY may name aggregates the select list does not (ORDER BY sum(x)); bind it once
  // now so they are registered before the aggregate node is built. Finish binds it again
  // and gets the same columns back.
  for (const auto& sort : select.value("sortClause", Json::array())) {
    const Json& node = sort.at("SortBy").at("node");
    if (IntegerConstant(node, sql_)) continue;
    std::string name = BareName(node);
    bool is_output = false;
    for (const auto& target : targets)
      is_output |= !name.empty() && AsciiLower(target.name) == AsciiLower(name);
    if (is_output) continue;
    ARROW_RETURN_NOT_OK(target_binder.Bind(node).status());
  }
  std::vector<plan::AggregateCall> calls;
  for (const auto& agg : aggs) {
    if (agg.arg) {
      pre_exprs.push_back(agg.arg->expr);
      pre_names.push_back(agg.input_name);
    }
    calls.push_back({agg.function, agg.input_name, agg.output_name, agg.options});
  }
  if (pre_exprs.empty()) {
    // count(*) alone reads no column, but rows must still reach the aggregate.
    pre_exprs.push_back(cp::literal(true));
    pre_names.push_back(NewName("row"));
  }
  ARROW_ASSIGN_OR_RAISE(auto pre,
                        plan::LogicalNode::Project(from.plan, pre_exprs, pre_names));
  GroupedBy grouped_by{key_names, {}, grouped_keys, {}};
  for (const auto& key : keys) grouped_by.key_types.push_back(key.type);
  // Without GROUPING SETS, GROUPING() still needs the one set, every key, to count from.
  if (group_by.has_grouping_sets || !groupings.empty()) {
    for (const auto& set : group_by.sets) {
      std::vector<size_t> keys_of_set;
      for (size_t item : set) keys_of_set.push_back(item_keys[item]);
      grouped_by.sets.push_back(std::move(keys_of_set));
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto aggregated,
                        AggregateGroupingSets(pre, grouped_by, calls, groupings));
  ARROW_ASSIGN_OR_RAISE(plan::NodePtr node,
                        JoinScalarSubqueries(aggregated, std::move(scalars)));
  if (having) node = plan::LogicalNode::Filter(node, having->expr);
  ARROW_ASSIGN_OR_RAISE(node, windows.AddWindows(std::move(node)));
  return Finish(select, node, std::move(outputs), targets, &target_binder);
}

arrow::Result<plan::NodePtr> Binder::Finish(const Json& select, plan::NodePtr plan,
                                            std::vector<BoundExpr> outputs,
                                            const std::vector<Target>& targets,
                                            ExpressionBinder* order_binder) {
  std::vector<cp::Expression> exprs;
  std::vector<std::string> internal;
  for (size_t i = 0; i < outputs.size(); ++i) {
    exprs.push_back(outputs[i].expr);
    internal.push_back(NewName(targets[i].name));
  }
  const size_t visible = exprs.size();
  const bool distinct = select.contains("distinctClause");
  if (distinct && !select["distinctClause"].empty() &&
      !select["distinctClause"][0].empty()) {
    return SqlNotSupported(sql_, -1, "DISTINCT ON");
  }

  std::vector<plan::SortKey> sort_keys;
  for (const auto& item : select.value("sortClause", Json::array())) {
    const Json& sort = item.at("SortBy");
    const Json& node = sort.at("node");
    int index = -1;
    if (auto ordinal = IntegerConstant(node, sql_)) {
      if (*ordinal < 1 || static_cast<size_t>(*ordinal) > visible) {
        return SqlInvalid(
            sql_, NodeLocation(node),
            "ORDER BY position " + std::to_string(*ordinal) + " is not in select list");
      }
      index = static_cast<int>(*ordinal - 1);
    } else if (std::string name = BareName(node); !name.empty()) {
      for (size_t i = 0; i < visible; ++i) {
        if (AsciiLower(targets[i].name) == AsciiLower(name)) {
          if (index >= 0) {
            return SqlInvalid(sql_, NodeLocation(node),
                              "ORDER BY \"" + name + "\" is ambiguous");
          }
          index = static_cast<int>(i);
        }
      }
    }
    if (index < 0) {
      ARROW_ASSIGN_OR_RAISE(auto bound, order_binder->Bind(node));
      for (size_t i = 0; i < exprs.size(); ++i) {
        if (exprs[i] == bound.expr) index = static_cast<int>(i);
      }
      if (index < 0) {
        if (distinct) {
          return SqlInvalid(
              sql_, NodeLocation(node),
              "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
        }
        exprs.push_back(bound.expr);
        internal.push_back(NewName("sort"));
        index = static_cast<int>(exprs.size() - 1);
      }
    }
    const SortOrder order = ReadSortOrder(sort);
    sort_keys.push_back({internal[index], order.ascending, order.nulls_first});
  }

  ARROW_ASSIGN_OR_RAISE(plan, plan::LogicalNode::Project(plan, exprs, internal));
  if (distinct) {
    ARROW_ASSIGN_OR_RAISE(plan, plan::LogicalNode::Aggregate(plan, internal, {}));
  }
  ARROW_ASSIGN_OR_RAISE(auto limit, BindLimitClause(select));
  const int64_t count = limit.count, offset = limit.offset;
  // (The parser refuses WITH TIES without ORDER BY.)
  const bool with_ties = select.value("limitOption", "") == "LIMIT_OPTION_WITH_TIES" &&
                         count >= 0 && !sort_keys.empty();
  if (!sort_keys.empty()) plan = plan::LogicalNode::Sort(plan, sort_keys);
  if (with_ties) {
    ARROW_ASSIGN_OR_RAISE(plan, KeepTies(std::move(plan), sort_keys, offset, count));
  }
  std::vector<cp::Expression> final_exprs;
  std::vector<std::string> names;
  for (size_t i = 0; i < visible; ++i) {
    final_exprs.push_back(cp::field_ref(internal[i]));
    names.push_back(targets[i].name);
  }
  ARROW_ASSIGN_OR_RAISE(plan, plan::LogicalNode::Project(plan, final_exprs, names));
  if (!with_ties && (count >= 0 || offset > 0)) {
    plan = plan::LogicalNode::Limit(plan, offset, count);
  }
  return plan;
}

arrow::Result<Binder::LimitClause> Binder::BindLimitClause(const Json& select) {
  LimitClause limit;
  if (select.contains("limitCount")) {
    ARROW_ASSIGN_OR_RAISE(limit.count, BindLimitValue(select["limitCount"], "LIMIT"));
  }
  if (select.contains("limitOffset")) {
    ARROW_ASSIGN_OR_RAISE(limit.offset, BindLimitValue(select["limitOffset"], "OFFSET"));
    limit.offset = std::max<int64_t>(limit.offset, 0);
  }
  return limit;
}

arrow::Result<plan::NodePtr> Binder::KeepTies(plan::NodePtr sorted,
                                              const std::vector<plan::SortKey>& keys,
                                              int64_t offset, int64_t count) {
  // After `offset` rows, `count` rows and every row tied with the last of them: the rows
  // past the offset whose rank (1 + the rows strictly before) is at most offset + count.
  const std::string position = NewName("position"), rank = NewName("rank");
  ARROW_ASSIGN_OR_RAISE(
      auto ranked, plan::LogicalNode::Window(std::move(sorted), {}, keys,
                                             {{"row_number", "", 1, "", {}, position},
                                              {"rank", "", 1, "", {}, rank}}));
  auto keep = cp::and_(cp::greater(cp::field_ref(position), cp::literal(offset)),
                       cp::less_equal(cp::field_ref(rank), cp::literal(offset + count)));
  return plan::LogicalNode::Sort(plan::LogicalNode::Filter(std::move(ranked), keep),
                                 keys);
}

}  // namespace sluice::sql
