#include "sql/expression_binder.h"

#include <algorithm>

#include <arrow/compute/api.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/util/decimal.h>

#include "common/decimal_arithmetic.h"
#include "common/like_segments.h"
#include "common/sql_error.h"
#include "sql/date_arithmetic.h"
#include "sql/decimal_rules.h"

namespace sluice::sql {

namespace cp = arrow::compute;

namespace {

BoundExpr Literal(std::shared_ptr<arrow::Scalar> scalar) {
  auto type = scalar->type;
  return {cp::literal(arrow::Datum(std::move(scalar))), std::move(type)};
}

bool IsStringType(const arrow::DataType& type) {
  return type.id() == arrow::Type::STRING || type.id() == arrow::Type::LARGE_STRING ||
         type.id() == arrow::Type::STRING_VIEW;
}

}  // namespace

std::string SqlTypeName(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::NA:
      return "NULL";
    case arrow::Type::BOOL:
      return "BOOLEAN";
    case arrow::Type::INT8:
      return "TINYINT";
    case arrow::Type::INT16:
      return "SMALLINT";
    case arrow::Type::INT32:
      return "INTEGER";
    case arrow::Type::INT64:
      return "BIGINT";
    case arrow::Type::FLOAT:
      return "REAL";
    case arrow::Type::DOUBLE:
      return "DOUBLE";
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
      return "VARCHAR";
    case arrow::Type::DATE32:
      return "DATE";
    case arrow::Type::TIMESTAMP:
      return "TIMESTAMP";
    case arrow::Type::INTERVAL_MONTH_DAY_NANO:
      return "INTERVAL";
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256: {
      const auto& decimal = static_cast<const arrow::DecimalType&>(type);
      return "DECIMAL(" + std::to_string(decimal.precision()) + "," +
             std::to_string(decimal.scale()) + ")";
    }
    default:
      return type.ToString();
  }
}

arrow::Result<std::shared_ptr<arrow::DataType>> ArrowTypeFromSql(const Json& type_name,
                                                                 std::string_view sql) {
  auto names = StringList(type_name.value("names", Json::array()));
  const int location = type_name.value("location", -1);
  if (names.empty()) return SqlInvalid(sql, location, "missing type name");
  if (type_name.contains("arrayBounds"))
    return SqlNotSupported(sql, location, "array types");
  const std::string& name = names.back();
  std::vector<int> mods;
  for (const auto& mod : type_name.value("typmods", Json::array())) {
    if (mod.contains("A_Const") && mod["A_Const"].contains("ival")) {
      mods.push_back(mod["A_Const"]["ival"].value("ival", 0));
    }
  }
  if (name == "tinyint" || name == "byte") return arrow::int8();  // Spark, DuckDB
  if (name == "int2" || name == "smallint") return arrow::int16();
  if (name == "int4" || name == "int" || name == "integer") return arrow::int32();
  if (name == "int8" || name == "bigint") return arrow::int64();
  if (name == "float4" || name == "real") return arrow::float32();
  if (name == "float8" || name == "double") return arrow::float64();
  if (name == "bool" || name == "boolean") return arrow::boolean();
  if (name == "text" || name == "varchar" || name == "bpchar" || name == "string") {
    return arrow::utf8();
  }
  if (name == "date") return arrow::date32();
  if (name == "timestamp") return arrow::timestamp(arrow::TimeUnit::MICRO);
  if (name == "timestamptz") return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  if (name == "time") return arrow::time64(arrow::TimeUnit::MICRO);
  if (name == "bytea" || name == "blob") return arrow::binary();
  if (name == "numeric" || name == "decimal") {
    const int precision = mods.empty() ? 38 : mods[0];
    const int scale = mods.size() > 1 ? mods[1] : 0;
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
      return SqlInvalid(sql, location, "invalid DECIMAL precision or scale");
    }
    return arrow::decimal128(precision, scale);
  }
  return SqlNotSupported(sql, location, "type " + name);
}

bool IsAggregateFunction(const std::string& name) {
  static const char* const kNames[] = {
      "count",     "sum",         "min",        "max",      "avg",       "mean",
      "stddev",    "stddev_samp", "stddev_pop", "variance", "var_samp",  "var_pop",
      "any_value", "bool_and",    "bool_or",    "every",    "string_agg"};
  for (const char* known : kNames) {
    if (name == known) return true;
  }
  return false;
}

bool ContainsAggregate(const Json& node) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "SubLink" || key == "RangeSubselect") continue;
      if (key == "GroupingFunc") return true;  // GROUPING() belongs to the aggregate
      if (key == "FuncCall" && !value.contains("over")) {  // a window call is not one
        auto names = StringList(value.value("funcname", Json::array()));
        if (!names.empty() && IsAggregateFunction(names.back())) return true;
      }
      if (ContainsAggregate(value)) return true;
    }
  } else if (node.is_array()) {
    for (const auto& item : node) {
      if (ContainsAggregate(item)) return true;
    }
  }
  return false;
}

ExpressionBinder::ExpressionBinder(std::string_view sql, const Scope* scope,
                                   const std::vector<Param>* params, Hook hook)
    : sql_(sql), scope_(scope), params_(params), hook_(std::move(hook)) {}

namespace {

// Functions whose arguments share one type. A NULL literal has Arrow's null type, which
// these kernels do not take: it becomes a NULL of its partner's type (BOOLEAN for logic).
bool TypesNullArguments(const std::string& function) {
  static const char* const kNames[] = {"equal",
                                       "not_equal",
                                       "less",
                                       "less_equal",
                                       "greater",
                                       "greater_equal",
                                       "add_checked",
                                       "subtract_checked",
                                       "multiply_checked",
                                       "divide_checked",
                                       "power_checked",
                                       "coalesce",
                                       "max_element_wise",
                                       "min_element_wise",
                                       "and_kleene",
                                       "or_kleene",
                                       "invert",
                                       "negate_checked"};
  for (const char* name : kNames) {
    if (function == name) return true;
  }
  return false;
}

}  // namespace

arrow::Result<BoundExpr> ExpressionBinder::Call(
    const std::string& function, std::vector<BoundExpr> args,
    std::shared_ptr<cp::FunctionOptions> options, std::string_view display,
    int location) {
  if (TypesNullArguments(function)) {
    std::shared_ptr<arrow::DataType> partner;
    if (function == "and_kleene" || function == "or_kleene" || function == "invert") {
      partner = arrow::boolean();
    }
    for (const auto& arg : args) {
      if (!partner && arg.type->id() != arrow::Type::NA) partner = arg.type;
    }
    if (!partner) partner = arrow::int64();
    for (auto& arg : args) {
      if (arg.type->id() != arrow::Type::NA) continue;
      arg.expr =
          arg.expr.literal()
              ? cp::literal(arrow::Datum(arrow::MakeNullScalar(partner)))
              : cp::call("cast", {std::move(arg.expr)}, cp::CastOptions::Safe(partner));
      arg.type = partner;
    }
    // Mixed integers and floats compute in DOUBLE, made explicit: left implicit, Arrow
    // narrows a float literal such as 1.5 to FLOAT and computes BIGINT * FLOAT in FLOAT.
    bool any_float = false, any_decimal = false, all_numeric = true, mixed = false;
    for (const auto& arg : args) {
      any_float |= arrow::is_floating(arg.type->id());
      any_decimal |= arrow::is_decimal(arg.type->id());
      all_numeric &= arrow::is_integer(arg.type->id()) ||
                     arrow::is_floating(arg.type->id()) ||
                     arrow::is_decimal(arg.type->id());
      mixed |= !arg.type->Equals(*args.front().type);
    }
    const bool to_double = (all_numeric && mixed && any_float) ||
                           (any_decimal && function == "divide_checked");
    if (to_double) {
      for (auto& arg : args) {
        ARROW_ASSIGN_OR_RAISE(arg, Cast(std::move(arg), arrow::float64(), location));
      }
    } else if (any_decimal && all_numeric) {
      return DecimalCall(function, std::move(args), std::move(options), display,
                         location);
    }
  }
  return Dispatch(function, std::move(args), std::move(options), display, location);
}

arrow::Result<BoundExpr> ExpressionBinder::Dispatch(
    const std::string& function, std::vector<BoundExpr> args,
    std::shared_ptr<cp::FunctionOptions> options, std::string_view display,
    int location) {
  // Type the call by binding it over stand-in columns of the argument types: Arrow's own
  // dispatch (with its implicit casts) decides the result type or rejects the types.
  arrow::FieldVector fields;
  std::vector<cp::Expression> probes, exprs;
  std::string types;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string name = "arg" + std::to_string(i);
    fields.push_back(arrow::field(name, args[i].type));
    probes.push_back(cp::field_ref(name));
    exprs.push_back(std::move(args[i].expr));
    types += (i ? ", " : "") + SqlTypeName(*args[i].type);
  }
  auto probe = cp::call(function, std::move(probes), options);
  auto bound = probe.Bind(*arrow::schema(std::move(fields)));
  if (!bound.ok()) {
    return SqlError(
        arrow::StatusCode::TypeError, sql_, location,
        "type error: " + std::string(display) + " cannot take (" + types + ")");
  }
  return BoundExpr{cp::call(function, std::move(exprs), std::move(options)),
                   bound->type()->GetSharedPtr()};
}

namespace {

// An integer constant as a DECIMAL scalar of its own digits (Arrow's cast would ask for
// the digits of the integer type: 10 for any INTEGER).
std::optional<BoundExpr> IntegerAsDecimal(const BoundExpr& arg,
                                          const std::shared_ptr<arrow::DataType>& type) {
  const arrow::Datum* constant = arg.expr.literal();
  if (!constant || !arrow::is_integer(arg.type->id()) || !constant->scalar()->is_valid)
    return std::nullopt;
  auto as_int = constant->scalar()->CastTo(arrow::int64());
  if (!as_int.ok()) return std::nullopt;
  const int64_t value = static_cast<const arrow::Int64Scalar&>(**as_int).value;
  const int32_t scale = static_cast<const arrow::DecimalType&>(*type).scale();
  if (type->id() == arrow::Type::DECIMAL256) {
    return Literal(std::make_shared<arrow::Decimal256Scalar>(
        arrow::Decimal256(value).IncreaseScaleBy(scale), type));
  }
  return Literal(std::make_shared<arrow::Decimal128Scalar>(
      arrow::Decimal128(value).IncreaseScaleBy(scale), type));
}

}  // namespace

arrow::Result<BoundExpr> ExpressionBinder::ToDecimal(
    BoundExpr arg, const std::shared_ptr<arrow::DataType>& type, int location) {
  if (auto constant = IntegerAsDecimal(arg, type)) return *constant;
  const arrow::Datum* literal = arg.expr.literal();
  if (literal && !literal->scalar()->is_valid)
    return Literal(arrow::MakeNullScalar(type));
  return Cast(std::move(arg), type, location);
}

arrow::Status ExpressionBinder::UnifyDecimals(std::vector<BoundExpr>* values,
                                              int location) {
  bool any_decimal = false, any_float = false;
  for (const auto& value : *values) {
    const auto id = value.type->id();
    if (!arrow::is_integer(id) && !arrow::is_floating(id) && !arrow::is_decimal(id))
      return arrow::Status::OK();
    any_decimal |= arrow::is_decimal(id);
    any_float |= arrow::is_floating(id);
  }
  if (!any_decimal) return arrow::Status::OK();
  std::shared_ptr<arrow::DataType> type = arrow::float64();
  if (!any_float) {
    std::optional<DecimalSpec> common;
    for (const auto& value : *values) {
      const arrow::Datum* constant = value.expr.literal();
      auto spec = *AsDecimal(*value.type, constant ? constant->scalar().get() : nullptr);
      common = common ? CommonDecimal(*common, spec) : spec;
    }
    type = arrow::decimal128(common->precision, common->scale);
  }
  for (auto& value : *values) {
    ARROW_ASSIGN_OR_RAISE(value, any_float ? Cast(std::move(value), type, location)
                                           : ToDecimal(std::move(value), type, location));
  }
  return arrow::Status::OK();
}

arrow::Result<BoundExpr> ExpressionBinder::DecimalCall(
    const std::string& function, std::vector<BoundExpr> args,
    std::shared_ptr<cp::FunctionOptions> options, std::string_view display,
    int location) {
  std::vector<DecimalSpec> specs;
  for (const auto& arg : args) {
    const arrow::Datum* constant = arg.expr.literal();
    specs.push_back(*AsDecimal(*arg.type, constant ? constant->scalar().get() : nullptr));
  }
  const bool add = function == "add_checked" || function == "subtract_checked";
  const bool multiply = function == "multiply_checked";
  if (!add && !multiply) {
    // Comparisons and the like: every argument in one type that holds them all.
    DecimalSpec common = specs.front();
    for (const auto& spec : specs) common = CommonDecimal(common, spec);
    for (auto& arg : args) {
      ARROW_ASSIGN_OR_RAISE(
          arg, ToDecimal(std::move(arg),
                         arrow::decimal128(common.precision, common.scale), location));
    }
    return Dispatch(function, std::move(args), std::move(options), display, location);
  }
  if (args.size() != 2) return SqlInvalid(sql_, location, "arithmetic takes two values");
  const DecimalSpec exact =
      add ? AddResult(specs[0], specs[1]) : MultiplyResult(specs[0], specs[1]);
  const DecimalSpec result = Bounded(exact);
  // Our own kernels compute in 128 bits (see common/decimal_arithmetic.h). A sum or
  // difference beyond 38 digits is Arrow's, in 256 bits, rounded and checked back into
  // 128 (the scale gives way, so its inputs would need rounding first).
  const bool wide = exact.precision > kMaxDecimalPrecision;
  if (multiply || !wide) {
    for (size_t i = 0; i < args.size(); ++i) {
      ARROW_ASSIGN_OR_RAISE(
          args[i],
          ToDecimal(std::move(args[i]),
                    arrow::decimal128(specs[i].precision, specs[i].scale), location));
    }
    ARROW_RETURN_NOT_OK(RegisterDecimalArithmetic());
    const char* name = multiply                    ? kDecimalMultiply
                       : function == "add_checked" ? kDecimalAdd
                                                   : kDecimalSubtract;
    auto type = arrow::decimal128(result.precision, result.scale);
    return BoundExpr{cp::call(name, {std::move(args[0].expr), std::move(args[1].expr)},
                              std::make_shared<DecimalArithmeticOptions>(result.precision,
                                                                         result.scale)),
                     std::move(type)};
  }
  for (size_t i = 0; i < args.size(); ++i) {
    auto type = arrow::decimal256(specs[i].precision, specs[i].scale);
    ARROW_ASSIGN_OR_RAISE(args[i], ToDecimal(std::move(args[i]), type, location));
  }
  ARROW_ASSIGN_OR_RAISE(auto value, Dispatch(function, std::move(args),
                                             std::move(options), display, location));
  if (result.scale < exact.scale) {
    ARROW_ASSIGN_OR_RAISE(value,
                          Call("round", {std::move(value)},
                               std::make_shared<cp::RoundOptions>(
                                   result.scale, cp::RoundMode::HALF_TOWARDS_INFINITY),
                               display, location));
  }
  auto narrow = arrow::decimal128(result.precision, result.scale);
  return BoundExpr{
      cp::call("cast", {std::move(value.expr)}, cp::CastOptions::Safe(narrow)), narrow};
}

arrow::Result<BoundExpr> ExpressionBinder::Cast(
    BoundExpr value, const std::shared_ptr<arrow::DataType>& type, int location) {
  if (value.type->Equals(*type)) return value;
  if ((arrow::is_floating(value.type->id()) || arrow::is_decimal(value.type->id())) &&
      arrow::is_integer(type->id())) {
    // PostgreSQL rounds (half away from zero) where Arrow's safe cast would refuse.
    ARROW_ASSIGN_OR_RAISE(value, Call("round", {std::move(value)},
                                      std::make_shared<cp::RoundOptions>(
                                          0, cp::RoundMode::HALF_TOWARDS_INFINITY),
                                      "CAST", location));
  }
  if (arrow::is_integer(value.type->id()) && type->id() == arrow::Type::DECIMAL128) {
    // Arrow refuses an integer type wider than the DECIMAL's integer digits outright; SQL
    // checks each value. A DECIMAL wide enough for the type, cast down, checks values.
    const auto& to = static_cast<const arrow::Decimal128Type&>(*type);
    const int digits = AsDecimal(*value.type, nullptr)->precision;
    if (digits > to.precision() - to.scale()) {
      const int precision = digits + to.scale();
      auto wide = precision <= kMaxDecimalPrecision
                      ? arrow::decimal128(precision, to.scale())
                      : arrow::decimal256(precision, to.scale());
      ARROW_ASSIGN_OR_RAISE(value, Cast(std::move(value), wide, location));
    }
  }
  if (!cp::CanCast(*value.type, *type)) {
    return SqlError(arrow::StatusCode::TypeError, sql_, location,
                    "type error: cannot cast " + SqlTypeName(*value.type) + " to " +
                        SqlTypeName(*type));
  }
  if (const arrow::Datum* constant = value.expr.literal()) {
    // Constants are cast now, so 'abc'::int fails at bind time with the position.
    auto cast = cp::Cast(*constant, type);
    if (!cast.ok()) {
      std::string shown = constant->scalar()->ToString();
      if (IsStringType(*value.type)) shown = "'" + shown + "'";
      return SqlError(arrow::StatusCode::Invalid, sql_, location,
                      "cannot cast " + shown + " to " + SqlTypeName(*type) + ": " +
                          cast.status().message());
    }
    return Literal(cast->scalar());
  }
  return BoundExpr{cp::call("cast", {std::move(value.expr)}, cp::CastOptions::Safe(type)),
                   type};
}

arrow::Status ExpressionBinder::Coerce(BoundExpr* a, BoundExpr* b, int location) {
  if (a->type->id() == arrow::Type::TIMESTAMP &&
      b->type->id() == arrow::Type::TIMESTAMP) {
    // A timestamp without time zone meets one with: it is read as UTC, as INSERT and
    // CREATE TABLE AS store it in a Delta table.
    const auto& x = static_cast<const arrow::TimestampType&>(*a->type);
    const auto& y = static_cast<const arrow::TimestampType&>(*b->type);
    if (x.timezone().empty() && !y.timezone().empty()) {
      ARROW_ASSIGN_OR_RAISE(
          *a, Cast(std::move(*a), arrow::timestamp(x.unit(), y.timezone()), location));
    } else if (y.timezone().empty() && !x.timezone().empty()) {
      ARROW_ASSIGN_OR_RAISE(
          *b, Cast(std::move(*b), arrow::timestamp(y.unit(), x.timezone()), location));
    }
    return arrow::Status::OK();
  }
  if (a->untyped_string && !b->untyped_string && !IsStringType(*b->type) &&
      b->type->id() != arrow::Type::NA) {
    ARROW_ASSIGN_OR_RAISE(*a, Cast(std::move(*a), b->type, location));
  } else if (b->untyped_string && !a->untyped_string && !IsStringType(*a->type) &&
             a->type->id() != arrow::Type::NA) {
    ARROW_ASSIGN_OR_RAISE(*b, Cast(std::move(*b), a->type, location));
  }
  return arrow::Status::OK();
}

arrow::Result<BoundExpr> ExpressionBinder::Bind(const Json& node) {
  if (hook_) {
    ARROW_ASSIGN_OR_RAISE(auto replaced, hook_(node));
    if (replaced) return std::move(*replaced);
  }
  const std::string& kind = NodeKind(node);
  const Json& body = NodeBody(node);
  const int location = NodeLocation(node);
  if (kind == "ColumnRef") return BindColumnRef(body);
  if (kind == "A_Const") return BindConst(body);
  if (kind == "A_Expr") return BindAExpr(body);
  if (kind == "BoolExpr") return BindBool(body);
  if (kind == "CaseExpr") return BindCase(body);
  if (kind == "CoalesceExpr") return BindCoalesce(body);
  if (kind == "MinMaxExpr") {
    ARROW_ASSIGN_OR_RAISE(auto args, BindList(body.at("args")));
    const bool greatest = body.value("op", "") == "IS_GREATEST";
    return BindScalarFunction(this, greatest ? "greatest" : "least", std::move(args),
                              location);
  }
  if (kind == "FuncCall") return BindFuncCall(body);
  if (kind == "ParamRef") return BindParam(body);
  if (kind == "SQLValueFunction") return BindValueFunction(body);
  if (kind == "TypeCast") {
    if (StringList(body.at("typeName").value("names", Json::array())).back() ==
        "interval")
      return BindInterval(body);
    ARROW_ASSIGN_OR_RAISE(auto value, Bind(body.at("arg")));
    ARROW_ASSIGN_OR_RAISE(auto type, ArrowTypeFromSql(body.at("typeName"), sql_));
    return Cast(std::move(value), type, location);
  }
  if (kind == "NullTest") {
    ARROW_ASSIGN_OR_RAISE(auto value, Bind(body.at("arg")));
    const bool is_null = body.value("nulltesttype", "") == "IS_NULL";
    return Call(is_null ? "is_null" : "is_valid", {std::move(value)}, nullptr,
                is_null ? "IS NULL" : "IS NOT NULL", location);
  }
  if (kind == "SubLink")
    return SqlNotSupported(sql_, location, "subqueries in expressions");
  return SqlNotSupported(sql_, location, "expression " + kind);
}

arrow::Result<BoundExpr> ExpressionBinder::BindColumnRef(const Json& body) {
  const int location = body.value("location", -1);
  std::vector<std::string> parts;
  for (const auto& field : body.at("fields")) {
    if (field.contains("A_Star"))
      return SqlInvalid(sql_, location, "* is not allowed here");
    parts.push_back(field["String"].value("sval", ""));
  }
  if (parts.size() > 2)
    return SqlNotSupported(sql_, location, "schema-qualified column names");
  const std::string qualifier = parts.size() == 2 ? parts[0] : "";
  const std::string& name = parts.back();
  const std::string shown = qualifier.empty() ? name : qualifier + "." + name;
  if (!scope_)
    return SqlInvalid(sql_, location, "column \"" + shown + "\" is not allowed here");
  const int index = scope_->Find(qualifier, name);
  if (index == -2) {
    return SqlInvalid(sql_, location, "column reference \"" + shown + "\" is ambiguous");
  }
  if (index == -1 && outer_ != nullptr) {
    const int outer_index = outer_->Find(qualifier, name);
    if (outer_index >= 0) {
      used_outer_ = true;
      const auto& column = outer_->columns()[outer_index];
      return BoundExpr{cp::field_ref(column.internal), column.type};
    }
  }
  if (index < 0) {
    if (!qualifier.empty() && !scope_->HasQualifier(qualifier)) {
      return SqlError(arrow::StatusCode::KeyError, sql_, location,
                      "missing FROM-clause entry for table \"" + qualifier + "\"");
    }
    return SqlError(arrow::StatusCode::KeyError, sql_, location,
                    "column \"" + shown +
                        "\" does not exist (columns: " + scope_->Candidates() + ")");
  }
  const auto& column = scope_->columns()[index];
  return BoundExpr{cp::field_ref(column.internal), column.type};
}

arrow::Result<BoundExpr> ExpressionBinder::BindConst(const Json& body) {
  if (body.value("isnull", false)) return Literal(arrow::MakeNullScalar(arrow::null()));
  if (body.contains("ival")) {
    const int64_t value = ConstInteger(body, sql_);
    if (value >= INT32_MIN && value <= INT32_MAX) {
      return Literal(arrow::MakeScalar(static_cast<int32_t>(value)));
    }
    return Literal(arrow::MakeScalar(value));
  }
  if (body.contains("fval")) {
    const std::string text = body["fval"].value("fval", "0");
    // Integers too large for INTEGER arrive as fval: keep them exact as BIGINT.
    if (text.find_first_of(".eE") == std::string::npos) {
      errno = 0;
      char* end = nullptr;
      const long long value = std::strtoll(text.c_str(), &end, 10);
      if (errno == 0 && *end == '\0') return Literal(arrow::MakeScalar<int64_t>(value));
    }
    // 0.05 is an exact DECIMAL(2, 2), as in PostgreSQL and DuckDB; 5e-2 is a DOUBLE.
    if (text.find_first_of("eE") == std::string::npos) {
      arrow::Decimal128 value;
      int32_t precision = 0, scale = 0;
      if (arrow::Decimal128::FromString(text, &value, &precision, &scale).ok() &&
          precision <= kMaxDecimalPrecision && scale >= 0) {
        precision = std::max(precision, scale);
        return Literal(std::make_shared<arrow::Decimal128Scalar>(
            value, arrow::decimal128(std::max(precision, 1), scale)));
      }
    }
    return Literal(arrow::MakeScalar(std::strtod(text.c_str(), nullptr)));
  }
  if (body.contains("sval")) {
    BoundExpr out = Literal(arrow::MakeScalar(body["sval"].value("sval", "")));
    out.untyped_string = true;
    return out;
  }
  if (body.contains("boolval"))
    return Literal(arrow::MakeScalar(body["boolval"].value("boolval", false)));
  return SqlNotSupported(sql_, body.value("location", -1), "this kind of constant");
}

arrow::Result<BoundExpr> ExpressionBinder::BindInterval(const Json& body) {
  const int location = body.value("location", -1);
  const Json& arg = body.at("arg");
  if (NodeKind(arg) != "A_Const" || !NodeBody(arg).contains("sval")) {
    return SqlNotSupported(sql_, location, "an INTERVAL that is not a constant string");
  }
  int fields = 0;
  const auto& typmods = body.at("typeName").value("typmods", Json::array());
  if (!typmods.empty() && NodeKind(typmods[0]) == "A_Const" &&
      NodeBody(typmods[0]).contains("ival")) {
    fields = NodeBody(typmods[0])["ival"].value("ival", 0);
  }
  auto value = ParseInterval(NodeBody(arg)["sval"].value("sval", ""), fields);
  if (!value.ok()) return SqlInvalid(sql_, location, value.status().message());
  return Literal(std::make_shared<arrow::MonthDayNanoIntervalScalar>(*value));
}

arrow::Result<BoundExpr> ExpressionBinder::BindParam(const Json& body) {
  const int number = body.value("number", 0);
  const int location = body.value("location", -1);
  if (!params_ || number < 1 || static_cast<size_t>(number) > params_->size()) {
    return SqlInvalid(sql_, location,
                      "no value for parameter $" + std::to_string(number) + " (" +
                          std::to_string(params_ ? params_->size() : 0) + " given)");
  }
  return Literal((*params_)[number - 1].value());
}

arrow::Result<BoundExpr> ExpressionBinder::BindValueFunction(const Json& body) {
  const std::string op = body.value("op", "");
  const int location = body.value("location", -1);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const int64_t micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  if (op == "SVFOP_CURRENT_DATE") {
    return Literal(std::make_shared<arrow::Date32Scalar>(
        static_cast<int32_t>(micros / 86'400'000'000LL)));
  }
  if (op == "SVFOP_CURRENT_TIMESTAMP" || op == "SVFOP_LOCALTIMESTAMP") {
    return Literal(std::make_shared<arrow::TimestampScalar>(
        micros, arrow::timestamp(arrow::TimeUnit::MICRO,
                                 op == "SVFOP_CURRENT_TIMESTAMP" ? "UTC" : "")));
  }
  return SqlNotSupported(sql_, location, "this SQL value function");
}

arrow::Result<std::vector<BoundExpr>> ExpressionBinder::BindList(const Json& list) {
  std::vector<BoundExpr> out;
  for (const auto& item : list) {
    ARROW_ASSIGN_OR_RAISE(auto bound, Bind(item));
    out.push_back(std::move(bound));
  }
  return out;
}

arrow::Result<BoundExpr> ExpressionBinder::BindAExpr(const Json& body) {
  const std::string kind = body.value("kind", "");
  const int location = body.value("location", -1);
  const auto names = StringList(body.value("name", Json::array()));
  const std::string op = names.empty() ? "" : names.back();
  if (kind == "AEXPR_OP") return BindOperator(op, body);
  if (kind == "AEXPR_IN") return BindIn(body, op == "<>");
  if (kind == "AEXPR_LIKE" || kind == "AEXPR_ILIKE") return BindLike(body, op);
  if (kind == "AEXPR_BETWEEN" || kind == "AEXPR_NOT_BETWEEN") {
    ARROW_ASSIGN_OR_RAISE(auto value, Bind(body.at("lexpr")));
    const Json& bounds = body.at("rexpr").at("List").at("items");
    ARROW_ASSIGN_OR_RAISE(auto low, Bind(bounds.at(0)));
    ARROW_ASSIGN_OR_RAISE(auto high, Bind(bounds.at(1)));
    ARROW_RETURN_NOT_OK(Coerce(&value, &low, location));
    ARROW_RETURN_NOT_OK(Coerce(&value, &high, location));
    ARROW_ASSIGN_OR_RAISE(
        auto ge, Call("greater_equal", {value, low}, nullptr, "BETWEEN", location));
    ARROW_ASSIGN_OR_RAISE(
        auto le, Call("less_equal", {value, high}, nullptr, "BETWEEN", location));
    ARROW_ASSIGN_OR_RAISE(auto both,
                          Call("and_kleene", {ge, le}, nullptr, "BETWEEN", location));
    if (kind == "AEXPR_BETWEEN") return both;
    return Call("invert", {both}, nullptr, "NOT BETWEEN", location);
  }
  if (kind == "AEXPR_NULLIF") {
    ARROW_ASSIGN_OR_RAISE(auto a, Bind(body.at("lexpr")));
    ARROW_ASSIGN_OR_RAISE(auto b, Bind(body.at("rexpr")));
    ARROW_RETURN_NOT_OK(Coerce(&a, &b, location));
    ARROW_ASSIGN_OR_RAISE(auto equal, Call("equal", {a, b}, nullptr, "NULLIF", location));
    BoundExpr null_value = Literal(arrow::MakeNullScalar(a.type));
    return Call("if_else", {equal, null_value, a}, nullptr, "NULLIF", location);
  }
  return SqlNotSupported(sql_, location, "operator kind " + kind);
}

arrow::Result<BoundExpr> ExpressionBinder::BindOperator(const std::string& op,
                                                        const Json& body) {
  const int location = body.value("location", -1);
  if (!body.contains("lexpr")) {  // prefix operator
    ARROW_ASSIGN_OR_RAISE(auto operand, Bind(body.at("rexpr")));
    if (op == "-") return Call("negate_checked", {operand}, nullptr, "unary -", location);
    if (op == "+") return operand;
    return SqlNotSupported(sql_, location, "prefix operator " + op);
  }
  ARROW_ASSIGN_OR_RAISE(auto left, Bind(body.at("lexpr")));
  ARROW_ASSIGN_OR_RAISE(auto right, Bind(body.at("rexpr")));
  const std::string display = "operator " + op;
  static const std::pair<const char*, const char*> kBinary[] = {
      {"+", "add_checked"},
      {"-", "subtract_checked"},
      {"*", "multiply_checked"},
      {"/", "divide_checked"},
      {"=", "equal"},
      {"<>", "not_equal"},
      {"!=", "not_equal"},
      {"<", "less"},
      {"<=", "less_equal"},
      {">", "greater"},
      {">=", "greater_equal"},
  };
  if (op == "||") {
    std::vector<BoundExpr> parts;
    for (auto* part : {&left, &right}) {
      if (!IsStringType(*part->type)) {
        ARROW_ASSIGN_OR_RAISE(*part, Cast(std::move(*part), arrow::utf8(), location));
      }
      parts.push_back(*part);
    }
    parts.push_back(Literal(arrow::MakeScalar(std::string())));
    return Call("binary_join_element_wise", std::move(parts), nullptr, display, location);
  }
  ARROW_RETURN_NOT_OK(Coerce(&left, &right, location));
  ARROW_ASSIGN_OR_RAISE(auto temporal,
                        BindDateArithmetic(this, op, left, right, location));
  if (temporal) return std::move(*temporal);
  if (op == "%") {
    // a % b = a - (a / b) * b, truncating like PostgreSQL; Arrow has no modulo kernel.
    if (!arrow::is_integer(left.type->id()) || !arrow::is_integer(right.type->id())) {
      return SqlNotSupported(sql_, location, "% on non-integer values");
    }
    ARROW_ASSIGN_OR_RAISE(
        auto quotient, Call("divide_checked", {left, right}, nullptr, display, location));
    ARROW_ASSIGN_OR_RAISE(auto product, Call("multiply_checked", {quotient, right},
                                             nullptr, display, location));
    return Call("subtract_checked", {left, product}, nullptr, display, location);
  }
  if (op == "~") {
    const arrow::Datum* pattern = right.expr.literal();
    if (!pattern || !IsStringType(*right.type)) {
      return SqlNotSupported(sql_, location,
                             "a regular expression that is not a constant");
    }
    auto text = pattern->scalar_as<arrow::StringScalar>().ToString();
    return Call("match_substring_regex", {left},
                std::make_shared<cp::MatchSubstringOptions>(text), display, location);
  }
  for (const auto& [sql_op, function] : kBinary) {
    if (op == sql_op) return Call(function, {left, right}, nullptr, display, location);
  }
  return SqlNotSupported(sql_, location, "operator " + op);
}

arrow::Result<BoundExpr> ExpressionBinder::BindIn(const Json& body, bool negated) {
  const int location = body.value("location", -1);
  ARROW_ASSIGN_OR_RAISE(auto value, Bind(body.at("lexpr")));
  const Json& rexpr = body.at("rexpr");
  if (!rexpr.contains("List")) return SqlNotSupported(sql_, location, "IN (subquery)");
  ARROW_ASSIGN_OR_RAISE(auto items, BindList(rexpr["List"].at("items")));
  // A list of constants becomes one set lookup; SQL's rule that x IN (1, NULL) is NULL
  // when x matches nothing is Arrow's INCONCLUSIVE null matching.
  bool all_constant = true;
  std::vector<std::shared_ptr<arrow::Scalar>> constants;
  for (auto& item : items) {
    ARROW_RETURN_NOT_OK(Coerce(&value, &item, location));
    const arrow::Datum* literal = item.expr.literal();
    if (!literal) {
      all_constant = false;
      break;
    }
    auto cast = literal->scalar()->CastTo(value.type);
    if (!cast.ok()) {
      all_constant = false;
      break;
    }
    constants.push_back(*cast);
  }
  BoundExpr result;
  if (all_constant && value.type->id() != arrow::Type::NA) {
    std::unique_ptr<arrow::ArrayBuilder> builder;
    ARROW_RETURN_NOT_OK(
        arrow::MakeBuilder(arrow::default_memory_pool(), value.type, &builder));
    for (const auto& scalar : constants)
      ARROW_RETURN_NOT_OK(builder->AppendScalar(*scalar));
    ARROW_ASSIGN_OR_RAISE(auto set, builder->Finish());
    auto options = std::make_shared<cp::SetLookupOptions>(
        set, cp::SetLookupOptions::NullMatchingBehavior::INCONCLUSIVE);
    ARROW_ASSIGN_OR_RAISE(result, Call("is_in", {value}, options, "IN", location));
  } else {
    std::vector<BoundExpr> terms;
    for (auto& item : items) {
      ARROW_ASSIGN_OR_RAISE(auto eq,
                            Call("equal", {value, item}, nullptr, "IN", location));
      terms.push_back(std::move(eq));
    }
    result = terms.front();
    for (size_t i = 1; i < terms.size(); ++i) {
      ARROW_ASSIGN_OR_RAISE(
          result, Call("or_kleene", {result, terms[i]}, nullptr, "IN", location));
    }
  }
  if (!negated) return result;
  return Call("invert", {result}, nullptr, "NOT IN", location);
}

arrow::Result<std::string> ExpressionBinder::ConstantText(const Json& node,
                                                          const char* what) {
  ARROW_ASSIGN_OR_RAISE(auto bound, Bind(node));
  const arrow::Datum* literal = bound.expr.literal();
  if (!literal || !IsStringType(*bound.type) || !literal->scalar()->is_valid) {
    return SqlNotSupported(sql_, NodeLocation(node),
                           std::string(what) + " that is not a constant string");
  }
  return literal->scalar_as<arrow::StringScalar>().ToString();
}

arrow::Result<std::string> ExpressionBinder::WithBackslashEscapes(
    const std::string& pattern, const std::string& escape, int location) {
  // One character: one byte that does not continue a UTF-8 sequence.
  const auto characters = std::count_if(escape.begin(), escape.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  if (characters > 1) {
    return SqlInvalid(
        sql_, location,
        "invalid escape string \"" + escape + "\": it must be empty or one character");
  }
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (!escape.empty() && pattern.compare(i, escape.size(), escape) == 0) {
      i += escape.size();
      if (i == pattern.size()) {
        return SqlInvalid(sql_, location,
                          "LIKE pattern must not end with escape character");
      }
      out += '\\';  // the character after it is literal (one byte of it suffices)
      out += pattern[i];
    } else if (pattern[i] == '\\') {
      out += "\\\\";  // literal once another escape (or none) is named
    } else {
      out += pattern[i];
    }
  }
  return out;
}

arrow::Result<BoundExpr> ExpressionBinder::BindLike(const Json& body,
                                                    const std::string& op) {
  const int location = body.value("location", -1);
  ARROW_ASSIGN_OR_RAISE(auto value, Bind(body.at("lexpr")));
  // `x LIKE p ESCAPE e` arrives as x LIKE like_escape(p, e).
  const Json* pattern_node = &body.at("rexpr");
  const Json* escape_node = nullptr;
  if (const auto call = pattern_node->find("FuncCall"); call != pattern_node->end()) {
    const auto names = StringList(call->value("funcname", Json::array()));
    const Json args = call->value("args", Json::array());
    if (!names.empty() && names.back() == "like_escape" && args.size() == 2) {
      pattern_node = &call->at("args")[0];
      escape_node = &call->at("args")[1];
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto text, ConstantText(*pattern_node, "a LIKE pattern"));
  if (escape_node) {
    ARROW_ASSIGN_OR_RAISE(auto escape, ConstantText(*escape_node, "a LIKE escape"));
    ARROW_ASSIGN_OR_RAISE(text, WithBackslashEscapes(text, escape, location));
  }
  const bool ignore_case = op == "~~*" || op == "!~~*";
  const bool negated = op == "!~~" || op == "!~~*";
  auto options = std::make_shared<cp::MatchSubstringOptions>(text, ignore_case);
  // Patterns match_like would hand to RE2 ('%special%requests%') search their segments.
  const auto segments = ParseLikeSegments(text);
  const bool search = !ignore_case && segments && NeedsSegmentSearch(*segments);
  if (search) ARROW_RETURN_NOT_OK(RegisterLikeSegments());
  ARROW_ASSIGN_OR_RAISE(auto match, Call(search ? kMatchLikeSegments : "match_like",
                                         {value}, options, "LIKE", location));
  if (!negated) return match;
  return Call("invert", {match}, nullptr, "NOT LIKE", location);
}

arrow::Result<BoundExpr> ExpressionBinder::BindBool(const Json& body) {
  const std::string op = body.value("boolop", "");
  const int location = body.value("location", -1);
  ARROW_ASSIGN_OR_RAISE(auto args, BindList(body.at("args")));
  for (auto& arg : args) {
    if (arg.type->id() != arrow::Type::BOOL && arg.type->id() != arrow::Type::NA) {
      return SqlError(arrow::StatusCode::TypeError, sql_, location,
                      "type error: argument of " + op.substr(0, op.find('_')) +
                          " must be BOOLEAN, not " + SqlTypeName(*arg.type));
    }
  }
  if (op == "NOT_EXPR") return Call("invert", {args[0]}, nullptr, "NOT", location);
  const char* function = op == "AND_EXPR" ? "and_kleene" : "or_kleene";
  BoundExpr result = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    ARROW_ASSIGN_OR_RAISE(result, Call(function, {result, args[i]}, nullptr,
                                       op == "AND_EXPR" ? "AND" : "OR", location));
  }
  return result;
}

arrow::Result<BoundExpr> ExpressionBinder::BindCase(const Json& body) {
  const int location = body.value("location", -1);
  std::optional<BoundExpr> subject;
  if (body.contains("arg")) {
    ARROW_ASSIGN_OR_RAISE(subject, Bind(body["arg"]));
  }
  std::vector<BoundExpr> conditions, values;
  for (const auto& when : body.at("args")) {
    const Json& clause = when.at("CaseWhen");
    ARROW_ASSIGN_OR_RAISE(auto condition, Bind(clause.at("expr")));
    if (subject) {
      BoundExpr left = *subject;
      ARROW_RETURN_NOT_OK(Coerce(&left, &condition, location));
      ARROW_ASSIGN_OR_RAISE(condition,
                            Call("equal", {left, condition}, nullptr, "CASE", location));
    } else if (condition.type->id() != arrow::Type::BOOL) {
      return SqlError(arrow::StatusCode::TypeError, sql_, NodeLocation(clause.at("expr")),
                      "type error: CASE WHEN condition must be BOOLEAN, not " +
                          SqlTypeName(*condition.type));
    }
    conditions.push_back(std::move(condition));
    ARROW_ASSIGN_OR_RAISE(auto value, Bind(clause.at("result")));
    values.push_back(std::move(value));
  }
  if (body.contains("defresult")) {
    ARROW_ASSIGN_OR_RAISE(auto otherwise, Bind(body["defresult"]));
    values.push_back(std::move(otherwise));
  }
  // Untyped string and NULL results take the type of the first typed result.
  for (auto& value : values) {
    for (auto& other : values) ARROW_RETURN_NOT_OK(Coerce(&value, &other, location));
  }
  std::shared_ptr<arrow::DataType> result_type;
  for (const auto& value : values) {
    if (!result_type && value.type->id() != arrow::Type::NA) result_type = value.type;
  }
  for (auto& value : values) {
    if (result_type && value.type->id() == arrow::Type::NA) {
      ARROW_ASSIGN_OR_RAISE(value, Cast(std::move(value), result_type, location));
    }
  }
  ARROW_RETURN_NOT_OK(UnifyDecimals(&values, location));
  ARROW_ASSIGN_OR_RAISE(auto condition_struct,
                        Call("make_struct", conditions,
                             std::make_shared<cp::MakeStructOptions>(
                                 std::vector<std::string>(conditions.size(), "c")),
                             "CASE", location));
  std::vector<BoundExpr> args = {std::move(condition_struct)};
  for (auto& value : values) args.push_back(std::move(value));
  return Call("case_when", std::move(args), nullptr, "CASE", location);
}

arrow::Result<BoundExpr> ExpressionBinder::BindCoalesce(const Json& body) {
  const int location = body.value("location", -1);
  ARROW_ASSIGN_OR_RAISE(auto args, BindList(body.at("args")));
  for (auto& arg : args) {
    for (auto& other : args) ARROW_RETURN_NOT_OK(Coerce(&arg, &other, location));
  }
  return Call("coalesce", std::move(args), nullptr, "COALESCE", location);
}

arrow::Result<BoundExpr> ExpressionBinder::BindFuncCall(const Json& body) {
  const int location = body.value("location", -1);
  auto names = StringList(body.value("funcname", Json::array()));
  const std::string name = names.empty() ? "" : names.back();
  if (body.contains("over")) {
    return SqlInvalid(
        sql_, location,
        "window functions are allowed only in the select list and ORDER BY");
  }
  if (IsAggregateFunction(name)) {
    return SqlError(arrow::StatusCode::Invalid, sql_, location,
                    "aggregate function " + name + " is not allowed here");
  }
  // Aggregate syntax on a plain function would otherwise be ignored.
  for (const char* field : {"agg_star", "agg_distinct", "agg_filter", "agg_order"}) {
    if (body.contains(field)) {
      return SqlInvalid(sql_, location,
                        name +
                            "() is not an aggregate function: * , DISTINCT, FILTER and "
                            "ORDER BY do not apply to it");
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto args, BindList(body.value("args", Json::array())));
  return BindScalarFunction(this, name, std::move(args), location);
}

}  // namespace sluice::sql
