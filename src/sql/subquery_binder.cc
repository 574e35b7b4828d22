// Subqueries in expressions, decorrelated into joins: EXISTS and IN conditions of WHERE
// become semi and anti joins; scalar subqueries become a join with their (one-row, or
// grouped by the correlation keys) result. Nothing is evaluated row by row.
#include <algorithm>
#include <optional>
#include <set>

#include <arrow/compute/api.h>
#include <arrow/type.h>

#include "common/ascii.h"
#include "common/single_row_check.h"
#include "common/sql_error.h"
#include "plan/optimizer.h"
#include "sql/binder.h"
#include "sql/decimal_rules.h"
#include "sql/window_binder.h"

namespace sluice::sql {

namespace cp = arrow::compute;

namespace {

void SplitAnd(const Json& node, std::vector<const Json*>* out) {
  if (NodeKind(node) == "BoolExpr" && NodeBody(node).value("boolop", "") == "AND_EXPR") {
    for (const auto& arg : NodeBody(node).at("args")) SplitAnd(arg, out);
    return;
  }
  out->push_back(&node);
}

bool ContainsSubLink(const Json& node) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "SubLink" || ContainsSubLink(value)) return true;
    }
  } else if (node.is_array()) {
    for (const auto& item : node) {
      if (ContainsSubLink(item)) return true;
    }
  }
  return false;
}

std::set<std::string> ColumnNames(const plan::NodePtr& plan) {
  std::set<std::string> out;
  for (const auto& field : plan->schema()->fields()) out.insert(field->name());
  return out;
}

bool AllIn(const cp::Expression& expr, const std::set<std::string>& names) {
  for (const auto& name : plan::ReferencedColumns(expr)) {
    if (names.count(name) == 0) return false;
  }
  return true;
}

// A correlation condition `outer = inner` split into its sides (the outer query's
// expression first), whichever way it is written; nullopt for any other condition.
std::optional<std::pair<cp::Expression, cp::Expression>> CorrelatedEquality(
    const cp::Expression& condition, const std::set<std::string>& inner) {
  const auto* call = condition.call();
  if (!call || call->function_name != "equal") return std::nullopt;
  // 1: only inner columns, 2: only outer ones, 0: both or none.
  const auto side = [&](const cp::Expression& expr) {
    bool any_inner = false, any_outer = false;
    for (const auto& name : plan::ReferencedColumns(expr)) {
      (inner.count(name) ? any_inner : any_outer) = true;
    }
    return any_inner == any_outer ? 0 : any_inner ? 1 : 2;
  };
  const auto& a = call->arguments[0];
  const auto& b = call->arguments[1];
  if (side(a) == 2 && side(b) == 1) return std::make_pair(a, b);
  if (side(a) == 1 && side(b) == 2) return std::make_pair(b, a);
  return std::nullopt;
}

// The one type two join keys meet in; nullptr if they cannot.
std::shared_ptr<arrow::DataType> KeyType(const std::shared_ptr<arrow::DataType>& a,
                                         const std::shared_ptr<arrow::DataType>& b) {
  if (a->Equals(*b)) return a;
  const auto da = AsDecimal(*a, nullptr), db = AsDecimal(*b, nullptr);
  if (da && db) {
    if (!arrow::is_decimal(a->id()) && !arrow::is_decimal(b->id())) return arrow::int64();
    const DecimalSpec common = CommonDecimal(*da, *db);
    return arrow::decimal128(common.precision, common.scale);
  }
  const auto numeric = [](const arrow::DataType& t) {
    return arrow::is_integer(t.id()) || arrow::is_floating(t.id()) ||
           arrow::is_decimal(t.id());
  };
  if (numeric(*a) && numeric(*b)) return arrow::float64();
  const auto text = [](const arrow::DataType& t) {
    return t.id() == arrow::Type::STRING || t.id() == arrow::Type::LARGE_STRING;
  };
  if (text(*a) && text(*b)) return arrow::utf8();
  return nullptr;
}

// `expr` as a column of `*plan` of type `type`: the column itself when it is one
// already, else a new column named `name`.
arrow::Result<std::string> KeyColumn(plan::NodePtr* plan, const cp::Expression& expr,
                                     const std::shared_ptr<arrow::DataType>& from,
                                     const std::shared_ptr<arrow::DataType>& type,
                                     const std::string& name) {
  const bool same = from->Equals(*type);
  if (same && expr.field_ref() && expr.field_ref()->name())
    return *expr.field_ref()->name();
  std::vector<cp::Expression> exprs;
  std::vector<std::string> names;
  for (const auto& field : (*plan)->schema()->fields()) {
    exprs.push_back(cp::field_ref(field->name()));
    names.push_back(field->name());
  }
  exprs.push_back(same ? expr : cp::call("cast", {expr}, cp::CastOptions::Safe(type)));
  names.push_back(name);
  ARROW_ASSIGN_OR_RAISE(*plan, plan::LogicalNode::Project(*plan, exprs, names));
  return name;
}

arrow::Result<std::shared_ptr<arrow::DataType>> TypeOver(const cp::Expression& expr,
                                                         const plan::NodePtr& plan) {
  ARROW_ASSIGN_OR_RAISE(auto bound, expr.Bind(*plan->schema()));
  return bound.type()->GetSharedPtr();
}

// Whether the query returns at most one row whatever the data: an aggregate without
// GROUP BY, or LIMIT 0 or 1.
bool AtMostOneRow(const Json& select, std::string_view sql) {
  if (select.contains("limitCount") && NodeKind(select["limitCount"]) == "A_Const") {
    const Json& body = NodeBody(select["limitCount"]);
    if (body.contains("ival") && ConstInteger(body, sql) <= 1) return true;
  }
  if (select.contains("groupClause") || !select.contains("targetList")) return false;
  for (const auto& target : select["targetList"]) {
    if (ContainsAggregate(target)) return true;
  }
  return false;
}

// A SELECT of one expression over rows: no grouping, DISTINCT, set operation, LIMIT or
// window, so wrapping its expression in an aggregate keeps its meaning.
bool IsPlainRows(const Json& select) {
  for (const char* clause : {"groupClause", "havingClause", "distinctClause",
                             "limitCount", "limitOffset", "valuesLists", "sortClause"}) {
    if (select.contains(clause)) return false;
  }
  return select.value("op", "SETOP_NONE") == "SETOP_NONE" &&
         select.contains("targetList") && select["targetList"].size() == 1 &&
         !ContainsWindowCall(select["targetList"]) &&
         NodeKind(select["targetList"][0]) == "ResTarget" &&
         NodeBody(select["targetList"][0]).contains("val");
}

// The select with its one expression x replaced by any_value(x), count(*): a parse tree
// built from the user's own, never text.
Json CountingRows(const Json& select) {
  Json counted = select;
  const Json& target = NodeBody(select["targetList"][0]);
  const int location = target.value("location", -1);
  auto call = [&](const char* name, Json body) {
    body["funcname"] = Json::array({Json{{"String", Json{{"sval", name}}}}});
    body["location"] = location;
    return Json{
        {"ResTarget", Json{{"val", Json{{"FuncCall", body}}}, {"location", location}}}};
  };
  counted["targetList"] =
      Json::array({call("any_value", Json{{"args", Json::array({target.at("val")})}}),
                   call("count", Json{{"agg_star", true}})});
  return counted;
}

bool IsCount(const Json& expr) {
  if (NodeKind(expr) != "FuncCall") return false;
  auto names = StringList(NodeBody(expr).value("funcname", Json::array()));
  return !names.empty() && AsciiLower(names.back()) == "count";
}

bool MentionsCount(const Json& node) {
  if (node.is_object()) {
    if (IsCount(node)) return true;
    for (const auto& [key, value] : node.items()) {
      if (key != "SubLink" && MentionsCount(value)) return true;
    }
  } else if (node.is_array()) {
    for (const auto& item : node) {
      if (MentionsCount(item)) return true;
    }
  }
  return false;
}

}  // namespace

arrow::Status Binder::BindWhere(const Json& where, Relation* from) {
  if (ContainsAggregate(where)) {
    return SqlInvalid(sql_, NodeLocation(where),
                      "aggregate functions are not allowed in WHERE");
  }
  std::vector<const Json*> conditions;
  SplitAnd(where, &conditions);
  std::vector<cp::Expression> filters;
  std::vector<Subquery> scalars;
  for (const Json* condition : conditions) {
    ARROW_ASSIGN_OR_RAISE(bool joined, BindRowsCondition(*condition, from));
    if (joined) continue;
    if (outer_scope_ != nullptr) {
      ARROW_ASSIGN_OR_RAISE(bool taken, TakeCorrelated(*condition, from->scope));
      if (taken) continue;
    }
    ExpressionBinder binder(sql_, &from->scope, params_,
                            ScalarSubqueryHook(&from->scope, &scalars));
    ARROW_ASSIGN_OR_RAISE(auto predicate, binder.Bind(*condition));
    if (predicate.type->id() != arrow::Type::BOOL &&
        predicate.type->id() != arrow::Type::NA) {
      return SqlError(
          arrow::StatusCode::TypeError, sql_, NodeLocation(*condition),
          "type error: WHERE must be BOOLEAN, not " + SqlTypeName(*predicate.type));
    }
    filters.push_back(std::move(predicate.expr));
  }
  ARROW_ASSIGN_OR_RAISE(from->plan, JoinScalarSubqueries(from->plan, std::move(scalars)));
  if (!filters.empty())
    from->plan = plan::LogicalNode::Filter(from->plan, cp::and_(filters));
  return arrow::Status::OK();
}

arrow::Result<bool> Binder::TakeCorrelated(const Json& condition, const Scope& scope) {
  if (ContainsSubLink(condition)) return false;
  ExpressionBinder binder(sql_, &scope, params_);
  binder.AllowOuter(outer_scope_);
  ARROW_ASSIGN_OR_RAISE(auto bound, binder.Bind(condition));
  if (!binder.used_outer()) return false;
  // An equality with one side on each query can become a join key.
  std::optional<CorrelatedPair> pair;
  const Json& body = NodeBody(condition);
  if (NodeKind(condition) == "A_Expr" && body.value("kind", "") == "AEXPR_OP" &&
      StringList(body.value("name", Json::array())) == std::vector<std::string>{"="}) {
    ExpressionBinder inner(sql_, &scope, params_);
    ExpressionBinder outer(sql_, outer_scope_, params_);
    auto a = inner.Bind(body.at("lexpr"));
    auto b = outer.Bind(body.at("rexpr"));
    if (!a.ok() || !b.ok()) {
      a = inner.Bind(body.at("rexpr"));
      b = outer.Bind(body.at("lexpr"));
    }
    if (a.ok() && b.ok()) pair = CorrelatedPair{*a, *b};
  }
  correlated_.push_back(std::move(bound));
  correlated_pairs_.push_back(std::move(pair));
  return true;
}

arrow::Result<bool> Binder::BindRowsCondition(const Json& condition, Relation* from) {
  const Json* node = &condition;
  bool negated = false;
  if (NodeKind(condition) == "BoolExpr" &&
      NodeBody(condition).value("boolop", "") == "NOT_EXPR" &&
      NodeKind(NodeBody(condition).at("args").at(0)) == "SubLink") {
    negated = true;
    node = &NodeBody(condition).at("args").at(0);
  }
  if (NodeKind(*node) != "SubLink") return false;
  const Json& link = NodeBody(*node);
  const int location = NodeLocation(*node);
  const std::string type = link.value("subLinkType", "");
  if (type == "EXISTS_SUBLINK") {
    ARROW_ASSIGN_OR_RAISE(auto sub,
                          BindSubquery(link, &from->scope, SubqueryMode::kExists));
    ARROW_ASSIGN_OR_RAISE(
        from->plan, JoinSubquery(from->plan, std::move(sub),
                                 negated ? plan::JoinKind::kAnti : plan::JoinKind::kSemi,
                                 {}, {}, location));
    return true;
  }
  if (type != "ANY_SUBLINK") return false;
  const auto op = StringList(link.value("operName", Json::array()));
  if (!op.empty() && op != std::vector<std::string>{"="}) {
    return SqlNotSupported(sql_, location, "ANY and ALL with operator " + op.back());
  }
  if (NodeKind(link.at("testexpr")) == "RowExpr") {
    return SqlNotSupported(sql_, location, "a row of values IN a subquery");
  }
  ExpressionBinder binder(sql_, &from->scope, params_);
  ARROW_ASSIGN_OR_RAISE(auto value, binder.Bind(link.at("testexpr")));
  ARROW_ASSIGN_OR_RAISE(auto sub, BindSubquery(link, &from->scope, SubqueryMode::kIn));
  if (!negated) {
    ARROW_ASSIGN_OR_RAISE(from->plan,
                          JoinSubquery(from->plan, std::move(sub), plan::JoinKind::kSemi,
                                       {{value.expr, sub.value}}, {}, location));
    return true;
  }
  // x NOT IN (...) is true when no value equals x and none is NULL; NULL (so the row is
  // dropped) when x is NULL and there are values.
  const std::string column = sub.value;
  auto sub_type = sub.plan->schema()->GetFieldByName(column)->type();
  BoundExpr other{cp::field_ref(column), sub_type};
  if (!sub.correlated.empty()) {
    // Per correlated group: drop the row if any value equals x or is NULL, or x is NULL.
    ARROW_ASSIGN_OR_RAISE(
        auto equal, binder.Call("equal", {value, other}, nullptr, "NOT IN", location));
    auto residual =
        cp::or_({equal.expr, cp::is_null(value.expr), cp::is_null(other.expr)});
    ARROW_ASSIGN_OR_RAISE(
        from->plan, JoinSubquery(from->plan, std::move(sub), plan::JoinKind::kAnti, {},
                                 {residual}, location));
    return true;
  }
  // Uncorrelated: an anti join on x = value, then the NULL rules from the count of values
  // and of non-NULL values.
  const std::string rows = NewName("in_rows"), valid = NewName("in_valid");
  ARROW_ASSIGN_OR_RAISE(
      auto counts,
      plan::LogicalNode::Aggregate(
          sub.plan, {}, {{"count_all", "", rows}, {"count", sub.value, valid}}));
  ARROW_ASSIGN_OR_RAISE(auto anti,
                        JoinSubquery(from->plan, std::move(sub), plan::JoinKind::kAnti,
                                     {{value.expr, column}}, {}, location));
  auto joined = plan::LogicalNode::Join(anti, counts, plan::JoinKind::kInner, {}, {},
                                        cp::literal(true));
  auto keep = cp::or_(cp::equal(cp::field_ref(rows), cp::literal(int64_t{0})),
                      cp::and_(cp::is_valid(value.expr),
                               cp::equal(cp::field_ref(rows), cp::field_ref(valid))));
  from->plan = plan::LogicalNode::Filter(joined, keep);
  return true;
}

arrow::Result<Binder::Subquery> Binder::BindSubquery(const Json& sublink,
                                                     const Scope* outer,
                                                     SubqueryMode mode) {
  const Json& select = NodeBody(sublink.at("subselect"));
  const int location = sublink.value("location", -1);
  Binder child = *this;
  child.outer_scope_ = outer;
  child.subquery_mode_ = mode;
  child.correlated_.clear();
  child.correlated_pairs_.clear();
  child.value_column_.clear();
  child.correlation_keys_.clear();
  child.counts_rows_ = false;
  // A scalar subquery over plain rows may return several: it is bound as any_value(x)
  // and count(*) (per correlation group), and the count is checked where it is used.
  Json counted;
  if (mode == SubqueryMode::kScalar && !AtMostOneRow(select, sql_) &&
      IsPlainRows(select)) {
    counted = CountingRows(select);
    child.counts_rows_ = true;
  }
  const Json& bound = child.counts_rows_ ? counted : select;
  auto plan = child.BindSelect(bound);
  next_id_ = child.next_id_;
  versions_used_ = child.versions_used_;
  if (!plan.ok()) return plan.status();
  return FinishSubquery(child, *plan, bound, location);
}

arrow::Result<Binder::Subquery> Binder::FinishSubquery(const Binder& child,
                                                       plan::NodePtr plan,
                                                       const Json& select, int location) {
  const SubqueryMode mode = child.subquery_mode_;
  Subquery sub;
  if (!child.value_column_.empty() ||
      (mode == SubqueryMode::kExists && !child.correlated_.empty())) {
    sub.plan = std::move(plan);  // CorrelatedRows: internal names already
    sub.value = child.value_column_;
    for (const auto& condition : child.correlated_)
      sub.correlated.push_back(condition.expr);
    return sub;
  }
  ARROW_ASSIGN_OR_RAISE(auto wrapped, Wrap(plan, "", Json::object()));
  sub.plan = wrapped.plan;
  const auto& columns = wrapped.scope.columns();
  const size_t keys = child.correlation_keys_.size();
  if (mode != SubqueryMode::kExists &&
      columns.size() != 1 + keys + (child.counts_rows_ ? 1 : 0)) {
    return SqlInvalid(sql_, location, "subquery must return only one column");
  }
  sub.value = columns.front().internal;
  if (mode != SubqueryMode::kScalar) return sub;
  const size_t first_key = child.counts_rows_ ? 2 : 1;
  if (child.counts_rows_) sub.row_count = columns[1].internal;
  if (keys == 0 && !AtMostOneRow(select, sql_)) {
    return SqlNotSupported(sql_, location,
                           "a scalar subquery that may return more than one row (use an "
                           "aggregate or LIMIT 1)");
  }
  // A correlated scalar: its value per group of correlation keys; the outer side of each
  // equality is what the group joins to.
  size_t pair = 0;
  for (const auto& outer_side : child.correlated_pairs_) {
    sub.correlated.push_back(cp::equal(
        outer_side->outer.expr, cp::field_ref(columns[first_key + pair++].internal)));
  }
  if (keys > 0) {
    const Json& value = select.at("targetList").at(0).at("ResTarget").at("val");
    sub.zero_if_empty = IsCount(value);
    if (!sub.zero_if_empty && MentionsCount(value)) {
      return SqlNotSupported(sql_, location,
                             "count() inside an expression of a correlated subquery");
    }
  }
  return sub;
}

arrow::Result<plan::NodePtr> Binder::CorrelatedRows(const Json& select, Relation from) {
  const int location = -1;
  for (const char* clause :
       {"groupClause", "havingClause", "distinctClause", "limitCount", "limitOffset"}) {
    if (select.contains(clause)) {
      return SqlNotSupported(sql_, location,
                             std::string("a correlated subquery with ") + clause);
    }
  }
  std::vector<cp::Expression> exprs;
  std::vector<std::string> names;
  for (const auto& field : from.plan->schema()->fields()) {
    exprs.push_back(cp::field_ref(field->name()));
    names.push_back(field->name());
  }
  if (subquery_mode_ == SubqueryMode::kIn) {
    const Json& targets = select.value("targetList", Json::array());
    if (targets.size() != 1) {
      return SqlInvalid(sql_, location, "subquery must return only one column");
    }
    const Json& value = targets[0].at("ResTarget").at("val");
    if (ContainsAggregate(value)) {
      return SqlNotSupported(sql_, NodeLocation(value),
                             "an aggregate in a correlated IN subquery");
    }
    ExpressionBinder binder(sql_, &from.scope, params_);
    ARROW_ASSIGN_OR_RAISE(auto bound, binder.Bind(value));
    exprs.push_back(bound.expr);
    names.push_back(NewName("in_value"));
    value_column_ = names.back();
  }
  return plan::LogicalNode::Project(from.plan, exprs, names);
}

arrow::Result<plan::NodePtr> Binder::JoinSubquery(
    plan::NodePtr outer, Subquery subquery, plan::JoinKind kind,
    std::vector<std::pair<cp::Expression, std::string>> pairs,
    std::vector<cp::Expression> residual, int location) {
  const auto outer_columns = ColumnNames(outer);
  const auto inner_columns = ColumnNames(subquery.plan);
  std::vector<std::pair<cp::Expression, cp::Expression>> keys;
  for (auto& [expr, column] : pairs) keys.emplace_back(expr, cp::field_ref(column));
  for (auto& condition : subquery.correlated) {
    const auto* call = condition.call();
    if (call && call->function_name == "equal") {
      const auto& a = call->arguments[0];
      const auto& b = call->arguments[1];
      if (AllIn(a, outer_columns) && AllIn(b, inner_columns)) {
        keys.emplace_back(a, b);
        continue;
      }
      if (AllIn(b, outer_columns) && AllIn(a, inner_columns)) {
        keys.emplace_back(b, a);
        continue;
      }
    }
    residual.push_back(std::move(condition));
  }
  std::vector<std::string> left_keys, right_keys;
  plan::NodePtr inner = subquery.plan;
  for (const auto& [a, b] : keys) {
    ARROW_ASSIGN_OR_RAISE(auto a_type, TypeOver(a, outer));
    ARROW_ASSIGN_OR_RAISE(auto b_type, TypeOver(b, inner));
    auto type = KeyType(a_type, b_type);
    if (!type) {
      return SqlError(arrow::StatusCode::TypeError, sql_, location,
                      "type error: cannot compare " + SqlTypeName(*a_type) + " with " +
                          SqlTypeName(*b_type));
    }
    ARROW_ASSIGN_OR_RAISE(auto left, KeyColumn(&outer, a, a_type, type, NewName("key")));
    ARROW_ASSIGN_OR_RAISE(auto right, KeyColumn(&inner, b, b_type, type, NewName("key")));
    left_keys.push_back(std::move(left));
    right_keys.push_back(std::move(right));
  }
  return plan::LogicalNode::Join(
      outer, inner, kind, left_keys, right_keys,
      residual.empty() ? cp::literal(true) : cp::and_(residual));
}

ExpressionBinder::Hook Binder::ScalarSubqueryHook(const Scope* outer,
                                                  std::vector<Subquery>* found) {
  return [this, outer,
          found](const Json& node) -> arrow::Result<std::optional<BoundExpr>> {
    if (NodeKind(node) != "SubLink") return std::nullopt;
    const Json& link = NodeBody(node);
    const int location = NodeLocation(node);
    const std::string kind = link.value("subLinkType", "");
    if (kind == "EXISTS_SUBLINK") return ExistsValue(link, outer, found, location);
    if (kind == "ANY_SUBLINK") return InValue(link, outer, found, location);
    if (kind != "EXPR_SUBLINK") {
      return SqlNotSupported(sql_, location, "ALL and ARRAY subqueries");
    }
    ARROW_ASSIGN_OR_RAISE(auto sub, BindSubquery(link, outer, SubqueryMode::kScalar));
    auto type = sub.plan->schema()->GetFieldByName(sub.value)->type();
    cp::Expression value = cp::field_ref(sub.value);
    if (sub.zero_if_empty) {
      value = cp::call("coalesce", {value, cp::literal(arrow::Datum(int64_t{0}))});
    }
    if (!sub.row_count.empty()) {
      ARROW_RETURN_NOT_OK(RegisterSingleRowCheck());
      value =
          cp::call("if_else", {cp::call(kSingleRowCheck, {cp::field_ref(sub.row_count)}),
                               value, cp::literal(arrow::MakeNullScalar(type))});
    }
    found->push_back(std::move(sub));
    return BoundExpr{value, type};
  };
}

arrow::Result<plan::NodePtr> Binder::JoinScalarSubqueries(plan::NodePtr plan,
                                                          std::vector<Subquery> found) {
  // A left join: a subquery without rows (or without the group) gives NULL.
  for (auto& sub : found) {
    auto pairs = std::move(sub.pairs);
    ARROW_ASSIGN_OR_RAISE(plan, JoinSubquery(plan, std::move(sub), plan::JoinKind::kLeft,
                                             std::move(pairs), {}, -1));
  }
  return plan;
}

arrow::Result<BoundExpr> Binder::ExistsValue(const Json& link, const Scope* outer,
                                             std::vector<Subquery>* found, int location) {
  // EXISTS (q) is (SELECT count(*) FROM q's rows) > 0, grouped by q's correlation keys.
  Json select = NodeBody(link.at("subselect"));
  for (const char* clause : {"groupClause", "havingClause", "distinctClause",
                             "limitCount", "limitOffset", "valuesLists"}) {
    if (select.contains(clause) || select.value("op", "SETOP_NONE") != "SETOP_NONE") {
      return SqlNotSupported(sql_, location,
                             std::string("EXISTS over a subquery with ") + clause +
                                 " other than as a condition of WHERE joined by AND");
    }
  }
  select.erase("sortClause");
  Json count = {{"funcname", Json::array({Json{{"String", Json{{"sval", "count"}}}}})},
                {"agg_star", true},
                {"location", location}};
  select["targetList"] = Json::array({Json{
      {"ResTarget", Json{{"val", Json{{"FuncCall", count}}}, {"location", location}}}}});
  Json counted = link;
  counted["subLinkType"] = "EXPR_SUBLINK";
  counted["subselect"] = Json{{"SelectStmt", select}};
  ARROW_ASSIGN_OR_RAISE(auto sub, BindSubquery(counted, outer, SubqueryMode::kScalar));
  auto rows = cp::call("coalesce", {cp::field_ref(sub.value), cp::literal(int64_t{0})});
  found->push_back(std::move(sub));
  return BoundExpr{cp::greater(rows, cp::literal(int64_t{0})), arrow::boolean()};
}

arrow::Result<BoundExpr> Binder::InValue(const Json& link, const Scope* outer,
                                         std::vector<Subquery>* found, int location) {
  const auto op = StringList(link.value("operName", Json::array()));
  if (!op.empty() && op != std::vector<std::string>{"="}) {
    return SqlNotSupported(sql_, location, "ANY and ALL with operator " + op.back());
  }
  if (outer == nullptr || NodeKind(link.at("testexpr")) == "RowExpr") {
    return SqlNotSupported(sql_, location, "this IN (subquery)");
  }
  ExpressionBinder binder(sql_, outer, params_);
  ARROW_ASSIGN_OR_RAISE(auto value, binder.Bind(link.at("testexpr")));
  ARROW_ASSIGN_OR_RAISE(auto sub, BindSubquery(link, outer, SubqueryMode::kIn));
  // Correlated: the correlation keys (the subquery's sides of its equalities) group
  // the values, and both joins are keyed on them as well.
  std::vector<std::pair<cp::Expression, std::string>> correlation;
  plan::NodePtr values = sub.plan;
  if (!sub.correlated.empty()) {
    const auto inner = ColumnNames(sub.plan);
    std::vector<cp::Expression> exprs;
    std::vector<std::string> names;
    for (const auto& condition : sub.correlated) {
      auto sides = CorrelatedEquality(condition, inner);
      if (!sides) {
        return SqlNotSupported(
            sql_, location,
            "a correlated IN subquery whose correlation is not an "
            "equality, other than as a condition of WHERE joined by AND");
      }
      names.push_back(NewName("correlation"));
      exprs.push_back(sides->second);
      correlation.emplace_back(sides->first, names.back());
    }
    exprs.push_back(cp::field_ref(sub.value));
    names.push_back(sub.value);
    ARROW_ASSIGN_OR_RAISE(values, plan::LogicalNode::Project(sub.plan, exprs, names));
  }
  std::vector<std::string> keys;
  for (const auto& [outer_expr, column] : correlation) keys.push_back(column);
  // Matches: the distinct values, marked, joined on x = value. The NULL rules: the count
  // of values and of non-NULL values (none at all where a correlation group is missing).
  const std::string match = NewName("in_match"), rows = NewName("in_rows"),
                    valid = NewName("in_valid");
  std::vector<std::string> distinct_keys = keys;
  distinct_keys.push_back(sub.value);
  ARROW_ASSIGN_OR_RAISE(auto distinct,
                        plan::LogicalNode::Aggregate(values, distinct_keys, {}));
  std::vector<cp::Expression> marked_exprs;
  for (const auto& key : distinct_keys) marked_exprs.push_back(cp::field_ref(key));
  marked_exprs.push_back(cp::literal(true));
  distinct_keys.push_back(match);
  ARROW_ASSIGN_OR_RAISE(
      auto marked, plan::LogicalNode::Project(distinct, marked_exprs, distinct_keys));
  ARROW_ASSIGN_OR_RAISE(
      auto counts,
      plan::LogicalNode::Aggregate(
          values, keys, {{"count_all", "", rows}, {"count", sub.value, valid}}));
  Subquery matches;
  matches.plan = marked;
  matches.value = match;
  matches.pairs = correlation;
  matches.pairs.emplace_back(value.expr, sub.value);
  // The counts' keys get names of their own: both joins land in one row.
  std::vector<cp::Expression> count_exprs;
  std::vector<std::string> count_names;
  Subquery totals;
  for (const auto& [outer_expr, column] : correlation) {
    count_exprs.push_back(cp::field_ref(column));
    count_names.push_back(NewName("correlation"));
    totals.pairs.emplace_back(outer_expr, count_names.back());
  }
  for (const auto& column : {rows, valid}) {
    count_exprs.push_back(cp::field_ref(column));
    count_names.push_back(column);
  }
  ARROW_ASSIGN_OR_RAISE(totals.plan,
                        plan::LogicalNode::Project(counts, count_exprs, count_names));
  totals.value = rows;
  found->push_back(std::move(matches));
  found->push_back(std::move(totals));
  const cp::Expression null_bool = cp::literal(arrow::MakeNullScalar(arrow::boolean()));
  auto unknown = cp::or_(cp::is_null(value.expr),
                         cp::less(cp::field_ref(valid), cp::field_ref(rows)));
  auto none = cp::or_(cp::is_null(cp::field_ref(rows)),
                      cp::equal(cp::field_ref(rows), cp::literal(int64_t{0})));
  auto otherwise = cp::call(
      "if_else", {none, cp::literal(false),
                  cp::call("if_else", {unknown, null_bool, cp::literal(false)})});
  return BoundExpr{cp::call("if_else", {cp::is_valid(cp::field_ref(match)),
                                        cp::literal(true), otherwise}),
                   arrow::boolean()};
}

}  // namespace sluice::sql
