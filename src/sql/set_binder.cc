// UNION, INTERSECT and EXCEPT [ALL]: each side bound as a query of its own, its columns
// cast to types both sides share, then one Union node. UNION adds a distinct over every
// column; INTERSECT and EXCEPT group the tagged rows of both sides (see MatchRows).
#include <arrow/compute/api.h>
#include <arrow/type.h>

#include "common/ascii.h"
#include "common/sql_error.h"
#include "sql/binder.h"
#include "sql/decimal_rules.h"

namespace sluice::sql {

namespace cp = arrow::compute;

namespace {

bool IsText(const arrow::DataType& type) {
  return type.id() == arrow::Type::STRING || type.id() == arrow::Type::LARGE_STRING;
}

bool IsNumber(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || arrow::is_floating(type.id()) ||
         arrow::is_decimal(type.id());
}

// The type both sides' values take without loss, as PostgreSQL resolves UNION columns
// (integers widen, DECIMALs to the narrowest common one, a float makes DOUBLE); null
// when there is none.
std::shared_ptr<arrow::DataType> SharedType(const std::shared_ptr<arrow::DataType>& a,
                                            const std::shared_ptr<arrow::DataType>& b) {
  if (a->Equals(*b) || b->id() == arrow::Type::NA) return a;
  if (a->id() == arrow::Type::NA) return b;
  if (arrow::is_integer(a->id()) && arrow::is_integer(b->id())) {
    if (arrow::is_signed_integer(a->id()) != arrow::is_signed_integer(b->id())) {
      return arrow::int64();
    }
    const auto& fa = static_cast<const arrow::FixedWidthType&>(*a);
    const auto& fb = static_cast<const arrow::FixedWidthType&>(*b);
    return fa.bit_width() >= fb.bit_width() ? a : b;
  }
  if (!IsNumber(*a) || !IsNumber(*b)) {
    if (IsText(*a) && IsText(*b)) return arrow::large_utf8();
    return nullptr;
  }
  if (arrow::is_floating(a->id()) || arrow::is_floating(b->id())) return arrow::float64();
  const auto da = AsDecimal(*a, nullptr), db = AsDecimal(*b, nullptr);
  if (!da || !db) return nullptr;
  const DecimalSpec common = CommonDecimal(*da, *db);
  if (common.precision > kMaxDecimalPrecision) return arrow::float64();
  return arrow::decimal128(common.precision, common.scale);
}

}  // namespace

arrow::Result<plan::NodePtr> Binder::BindSetOperation(const Json& select) {
  const std::string op = select.value("op", "");
  const char* op_name = op == "SETOP_UNION"       ? "UNION"
                        : op == "SETOP_INTERSECT" ? "INTERSECT"
                                                  : "EXCEPT";
  if (op != "SETOP_UNION" && op != "SETOP_INTERSECT" && op != "SETOP_EXCEPT") {
    return SqlNotSupported(sql_, -1, "set operation " + op);
  }
  std::vector<Relation> sides;
  for (const char* side : {"larg", "rarg"}) {
    ARROW_ASSIGN_OR_RAISE(auto plan, BindSelect(select.at(side)));
    ARROW_ASSIGN_OR_RAISE(auto wrapped, Wrap(plan, "", Json::object()));
    sides.push_back(std::move(wrapped));
  }
  const auto& left = sides[0].scope.columns();
  const auto& right = sides[1].scope.columns();
  if (left.size() != right.size()) {
    return SqlInvalid(
        sql_, -1,
        std::string("each ") + op_name + " query must have the same number of columns");
  }
  std::vector<std::string> names, shown;
  std::vector<std::shared_ptr<arrow::DataType>> types;
  for (size_t i = 0; i < left.size(); ++i) {
    auto type = SharedType(left[i].type, right[i].type);
    if (!type) {
      return SqlError(arrow::StatusCode::TypeError, sql_, -1,
                      std::string("type error: ") + op_name + " types " +
                          SqlTypeName(*left[i].type) + " and " +
                          SqlTypeName(*right[i].type) + " cannot be matched (column " +
                          std::to_string(i + 1) + ")");
    }
    if (type->id() == arrow::Type::NA) type = arrow::utf8();  // NULL on both sides
    types.push_back(std::move(type));
    shown.push_back(left[i].name);
    names.push_back(NewName(left[i].name));
  }
  std::vector<plan::NodePtr> inputs;
  ExpressionBinder caster(sql_, nullptr, params_);
  for (const auto& side : sides) {
    std::vector<cp::Expression> exprs;
    for (size_t i = 0; i < types.size(); ++i) {
      const auto& column = side.scope.columns()[i];
      ARROW_ASSIGN_OR_RAISE(
          auto value, caster.Cast(BoundExpr{cp::field_ref(column.internal), column.type},
                                  types[i], -1));
      exprs.push_back(value.expr);
    }
    ARROW_ASSIGN_OR_RAISE(auto projected,
                          plan::LogicalNode::Project(side.plan, exprs, names));
    inputs.push_back(std::move(projected));
  }
  const bool all = select.value("all", false);
  plan::NodePtr node;
  if (op == "SETOP_UNION") {
    ARROW_ASSIGN_OR_RAISE(node, plan::LogicalNode::Union(std::move(inputs)));
    if (!all) {
      ARROW_ASSIGN_OR_RAISE(node, plan::LogicalNode::Aggregate(node, names, {}));
    }
  } else {
    ARROW_ASSIGN_OR_RAISE(
        node, MatchRows(std::move(inputs), names, op == "SETOP_INTERSECT", all));
  }
  return FinishSetOperation(select, std::move(node), names, shown);
}

arrow::Result<plan::NodePtr> Binder::MatchRows(std::vector<plan::NodePtr> sides,
                                               const std::vector<std::string>& names,
                                               bool intersect, bool all) {
  // Both sides' rows, tagged with the side they come from, are grouped over every column
  // (so NULLs match NULLs, as set operations require); a group is kept when it has rows
  // on both sides (INTERSECT) or on the left only (EXCEPT). With ALL, each side first
  // numbers the copies of each row 1, 2, ...: the groups (row, n) then keep a row
  // min(l, r) times (INTERSECT ALL) or max(l - r, 0) times (EXCEPT ALL).
  std::vector<std::string> keys = names;
  if (all) {
    const std::string copy = NewName("copy");
    std::vector<plan::SortKey> order;
    for (const auto& name : names) order.push_back({name, true, false});
    for (auto& side : sides) {
      ARROW_ASSIGN_OR_RAISE(
          side, plan::LogicalNode::Window(plan::LogicalNode::Sort(side, order), names, {},
                                          {{"row_number", "", 1, "", {}, copy}}));
    }
    keys.push_back(copy);
  }
  const std::string in_left = NewName("in_left"), in_right = NewName("in_right");
  const std::string left_rows = NewName("left_rows"), right_rows = NewName("right_rows");
  for (size_t i = 0; i < sides.size(); ++i) {
    std::vector<cp::Expression> exprs;
    for (const auto& key : keys) exprs.push_back(cp::field_ref(key));
    exprs.push_back(cp::literal(int64_t{i == 0 ? 1 : 0}));
    exprs.push_back(cp::literal(int64_t{i == 0 ? 0 : 1}));
    std::vector<std::string> columns = keys;
    columns.push_back(in_left);
    columns.push_back(in_right);
    ARROW_ASSIGN_OR_RAISE(sides[i], plan::LogicalNode::Project(sides[i], exprs, columns));
  }
  ARROW_ASSIGN_OR_RAISE(auto node, plan::LogicalNode::Union(std::move(sides)));
  ARROW_ASSIGN_OR_RAISE(
      node,
      plan::LogicalNode::Aggregate(
          node, keys, {{"sum", in_left, left_rows}, {"sum", in_right, right_rows}}));
  const auto zero = cp::literal(int64_t{0});
  auto on_right = intersect ? cp::greater(cp::field_ref(right_rows), zero)
                            : cp::equal(cp::field_ref(right_rows), zero);
  node = plan::LogicalNode::Filter(
      node, cp::and_(cp::greater(cp::field_ref(left_rows), zero), std::move(on_right)));
  std::vector<cp::Expression> exprs;
  for (const auto& name : names) exprs.push_back(cp::field_ref(name));
  return plan::LogicalNode::Project(node, std::move(exprs), names);
}

arrow::Result<plan::NodePtr> Binder::FinishSetOperation(
    const Json& select, plan::NodePtr node, const std::vector<std::string>& names,
    const std::vector<std::string>& shown) {
  // ORDER BY names an output column (by name or position), as PostgreSQL requires.
  std::vector<plan::SortKey> keys;
  for (const auto& item : select.value("sortClause", Json::array())) {
    const Json& sort = item.at("SortBy");
    const Json& target = sort.at("node");
    int index = -1;
    if (auto ordinal = IntegerConstant(target, sql_)) {
      if (*ordinal >= 1 && static_cast<size_t>(*ordinal) <= names.size()) {
        index = static_cast<int>(*ordinal - 1);
      }
    } else if (const std::string name = BareName(target); !name.empty()) {
      for (size_t i = 0; i < shown.size() && index < 0; ++i) {
        if (AsciiLower(shown[i]) == AsciiLower(name)) index = static_cast<int>(i);
      }
    }
    if (index < 0) {
      return SqlNotSupported(sql_, NodeLocation(target),
                             "ORDER BY of a UNION other than by an output column");
    }
    const SortOrder order = ReadSortOrder(sort);
    keys.push_back({names[index], order.ascending, order.nulls_first});
  }
  if (!keys.empty()) node = plan::LogicalNode::Sort(node, std::move(keys));
  std::vector<cp::Expression> exprs;
  for (const auto& name : names) exprs.push_back(cp::field_ref(name));
  ARROW_ASSIGN_OR_RAISE(node, plan::LogicalNode::Project(node, exprs, shown));
  if (select.value("limitOption", "") == "LIMIT_OPTION_WITH_TIES") {
    return SqlNotSupported(sql_, -1, "FETCH ... WITH TIES on a UNION");
  }
  ARROW_ASSIGN_OR_RAISE(auto limit, BindLimitClause(select));
  if (limit.count >= 0 || limit.offset > 0) {
    node = plan::LogicalNode::Limit(node, limit.offset, limit.count);
  }
  return node;
}

}  // namespace sluice::sql
