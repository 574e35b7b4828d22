// Scalar SQL functions by name, mapped onto Arrow compute functions with PostgreSQL
// argument conventions (1-based string positions, 'unit' strings for date parts).
#include <algorithm>

#include <arrow/compute/api.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

#include "common/sql_error.h"
#include "sql/expression_binder.h"

namespace sluice::sql {

namespace cp = arrow::compute;

namespace {

// A constant argument's value, or an error naming the function and the argument.
template <typename T>
arrow::Result<T> ConstantArg(const ExpressionBinder& binder, const std::string& function,
                             const BoundExpr& arg, int index, int location) {
  const arrow::Datum* literal = arg.expr.literal();
  if (literal && literal->is_scalar() && literal->scalar()->is_valid) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (literal->type()->id() == arrow::Type::STRING) {
        return literal->scalar_as<arrow::StringScalar>().ToString();
      }
    } else {
      auto cast = literal->scalar()->CastTo(arrow::int64());
      if (cast.ok())
        return static_cast<T>(static_cast<const arrow::Int64Scalar&>(**cast).value);
    }
  }
  return SqlNotSupported(
      binder.sql(), location,
      function + "() with a non-constant argument " + std::to_string(index + 1));
}

arrow::Result<BoundExpr> DatePart(ExpressionBinder* binder, const std::string& unit,
                                  BoundExpr value, int location) {
  static const std::pair<const char*, const char*> kParts[] = {
      {"year", "year"},
      {"month", "month"},
      {"day", "day"},
      {"hour", "hour"},
      {"minute", "minute"},
      {"second", "second"},
      {"quarter", "quarter"},
      {"doy", "day_of_year"},
      {"week", "iso_week"},
      {"millisecond", "millisecond"},
      {"microsecond", "microsecond"},
  };
  if (unit == "dow") {
    // PostgreSQL: Sunday is 0.
    return binder->Call("day_of_week", {std::move(value)},
                        std::make_shared<cp::DayOfWeekOptions>(/*count_from_zero=*/true,
                                                               /*week_start=*/7),
                        "extract(dow)", location);
  }
  for (const auto& [sql_unit, function] : kParts) {
    if (unit == sql_unit) {
      return binder->Call(function, {std::move(value)}, nullptr, "extract(" + unit + ")",
                          location);
    }
  }
  return SqlNotSupported(binder->sql(), location, "date part '" + unit + "'");
}

arrow::Result<BoundExpr> DateTrunc(ExpressionBinder* binder, const std::string& unit,
                                   BoundExpr value, int location) {
  static const std::pair<const char*, cp::CalendarUnit> kUnits[] = {
      {"year", cp::CalendarUnit::YEAR},     {"quarter", cp::CalendarUnit::QUARTER},
      {"month", cp::CalendarUnit::MONTH},   {"week", cp::CalendarUnit::WEEK},
      {"day", cp::CalendarUnit::DAY},       {"hour", cp::CalendarUnit::HOUR},
      {"minute", cp::CalendarUnit::MINUTE}, {"second", cp::CalendarUnit::SECOND},
  };
  for (const auto& [sql_unit, calendar_unit] : kUnits) {
    if (unit == sql_unit) {
      auto options =
          std::make_shared<cp::RoundTemporalOptions>(1, calendar_unit,
                                                     /*week_starts_monday=*/true);
      return binder->Call("floor_temporal", {std::move(value)}, options, "date_trunc",
                          location);
    }
  }
  return SqlNotSupported(binder->sql(), location, "date_trunc unit '" + unit + "'");
}

arrow::Status CheckArity(const ExpressionBinder& binder, const std::string& name,
                         size_t got, size_t min, size_t max, int location) {
  if (got >= min && got <= max) return arrow::Status::OK();
  std::string expected = std::to_string(min);
  if (max != min) expected += max == SIZE_MAX ? " or more" : " to " + std::to_string(max);
  return SqlError(arrow::StatusCode::Invalid, binder.sql(), location,
                  name + "() takes " + expected + " argument" + (max == 1 ? "" : "s") +
                      ", got " + std::to_string(got));
}

}  // namespace

// A DECIMAL rounded to `digits` places shown with that scale, as PostgreSQL does:
// ceil(1.2) is 2, round(3.14159, 2) is 3.14.
arrow::Result<BoundExpr> ToScale(ExpressionBinder* binder, BoundExpr rounded,
                                 int64_t digits, int location) {
  if (!arrow::is_decimal(rounded.type->id())) return rounded;
  const auto& decimal = static_cast<const arrow::DecimalType&>(*rounded.type);
  if (digits < 0 || digits >= decimal.scale()) return rounded;
  const int precision = std::min<int>(
      38, decimal.precision() - decimal.scale() + static_cast<int>(digits) + 1);
  return binder->Cast(std::move(rounded),
                      arrow::decimal128(precision, static_cast<int>(digits)), location);
}

arrow::Result<BoundExpr> BindScalarFunction(ExpressionBinder* binder,
                                            const std::string& name,
                                            std::vector<BoundExpr> args, int location) {
  const size_t n = args.size();
  auto arity = [&](size_t min, size_t max) {
    return CheckArity(*binder, name, n, min, max, location);
  };
  // One argument, one Arrow function, no options.
  static const std::pair<const char*, const char*> kUnary[] = {
      {"abs", "abs_checked"},
      {"ceil", "ceil"},
      {"ceiling", "ceil"},
      {"floor", "floor"},
      {"sqrt", "sqrt_checked"},
      {"exp", "exp"},
      {"ln", "ln_checked"},
      {"log10", "log10_checked"},
      {"log", "log10_checked"},
      {"sign", "sign"},
      {"trunc", "trunc"},
      {"lower", "utf8_lower"},
      {"upper", "utf8_upper"},
      {"length", "utf8_length"},
      {"char_length", "utf8_length"},
      {"octet_length", "binary_length"},
      {"reverse", "utf8_reverse"},
      {"year", "year"},
      {"month", "month"},
      {"day", "day"},
      {"hour", "hour"},
      {"minute", "minute"},
      {"second", "second"},
  };
  for (const auto& [sql_name, function] : kUnary) {
    if (name == sql_name) {
      ARROW_RETURN_NOT_OK(arity(1, 1));
      const std::string_view arrow_name = function;
      ARROW_ASSIGN_OR_RAISE(
          auto value, binder->Call(function, std::move(args), nullptr, name, location));
      if (arrow_name == "ceil" || arrow_name == "floor" || arrow_name == "trunc")
        return ToScale(binder, std::move(value), 0, location);
      return value;
    }
  }
  if (name == "power" || name == "pow") {
    ARROW_RETURN_NOT_OK(arity(2, 2));
    return binder->Call("power_checked", std::move(args), nullptr, name, location);
  }
  if (name == "round") {
    ARROW_RETURN_NOT_OK(arity(1, 2));
    int64_t digits = 0;
    if (n == 2) {
      ARROW_ASSIGN_OR_RAISE(digits,
                            ConstantArg<int64_t>(*binder, name, args[1], 1, location));
    }
    auto options =
        std::make_shared<cp::RoundOptions>(digits, cp::RoundMode::HALF_TOWARDS_INFINITY);
    ARROW_ASSIGN_OR_RAISE(
        auto value, binder->Call("round", {std::move(args[0])}, options, name, location));
    return ToScale(binder, std::move(value), digits, location);
  }
  if (name == "greatest" || name == "least") {
    ARROW_RETURN_NOT_OK(arity(1, SIZE_MAX));
    return binder->Call(name == "greatest" ? "max_element_wise" : "min_element_wise",
                        std::move(args), nullptr, name, location);
  }
  if (name == "substr" || name == "substring") {
    ARROW_RETURN_NOT_OK(arity(2, 3));
    ARROW_ASSIGN_OR_RAISE(auto start,
                          ConstantArg<int64_t>(*binder, name, args[1], 1, location));
    int64_t stop = std::numeric_limits<int64_t>::max();
    if (n == 3) {
      ARROW_ASSIGN_OR_RAISE(auto count,
                            ConstantArg<int64_t>(*binder, name, args[2], 2, location));
      if (count < 0)
        return SqlInvalid(binder->sql(), location, "negative substring length");
      stop = start - 1 + count;
    }
    // SQL positions are 1-based and may start before the string.
    auto options = std::make_shared<cp::SliceOptions>(std::max<int64_t>(start - 1, 0),
                                                      std::max<int64_t>(stop, 0));
    return binder->Call("utf8_slice_codeunits", {std::move(args[0])}, options, name,
                        location);
  }
  if (name == "left" || name == "right") {
    ARROW_RETURN_NOT_OK(arity(2, 2));
    ARROW_ASSIGN_OR_RAISE(auto count,
                          ConstantArg<int64_t>(*binder, name, args[1], 1, location));
    auto options = name == "left" ? std::make_shared<cp::SliceOptions>(0, count)
                                  : std::make_shared<cp::SliceOptions>(
                                        -count, std::numeric_limits<int64_t>::max());
    return binder->Call("utf8_slice_codeunits", {std::move(args[0])}, options, name,
                        location);
  }
  if (name == "trim" || name == "btrim" || name == "ltrim" || name == "rtrim") {
    ARROW_RETURN_NOT_OK(arity(1, 2));
    const std::string side = name == "ltrim"   ? "ltrim"
                             : name == "rtrim" ? "rtrim"
                                               : "trim";
    if (n == 1) {
      return binder->Call("utf8_" + side + "_whitespace", std::move(args), nullptr, name,
                          location);
    }
    ARROW_ASSIGN_OR_RAISE(auto chars,
                          ConstantArg<std::string>(*binder, name, args[1], 1, location));
    return binder->Call("utf8_" + side, {std::move(args[0])},
                        std::make_shared<cp::TrimOptions>(chars), name, location);
  }
  if (name == "replace") {
    ARROW_RETURN_NOT_OK(arity(3, 3));
    ARROW_ASSIGN_OR_RAISE(auto from,
                          ConstantArg<std::string>(*binder, name, args[1], 1, location));
    ARROW_ASSIGN_OR_RAISE(auto to,
                          ConstantArg<std::string>(*binder, name, args[2], 2, location));
    return binder->Call("replace_substring", {std::move(args[0])},
                        std::make_shared<cp::ReplaceSubstringOptions>(from, to), name,
                        location);
  }
  if (name == "regexp_replace") {
    ARROW_RETURN_NOT_OK(arity(3, 3));
    ARROW_ASSIGN_OR_RAISE(auto from,
                          ConstantArg<std::string>(*binder, name, args[1], 1, location));
    ARROW_ASSIGN_OR_RAISE(auto to,
                          ConstantArg<std::string>(*binder, name, args[2], 2, location));
    return binder->Call(
        "replace_substring_regex", {std::move(args[0])},
        std::make_shared<cp::ReplaceSubstringOptions>(from, to, /*max=*/1), name,
        location);
  }
  if (name == "starts_with" || name == "ends_with" || name == "contains") {
    ARROW_RETURN_NOT_OK(arity(2, 2));
    ARROW_ASSIGN_OR_RAISE(auto text,
                          ConstantArg<std::string>(*binder, name, args[1], 1, location));
    const char* function = name == "contains" ? "match_substring" : name.c_str();
    return binder->Call(function, {std::move(args[0])},
                        std::make_shared<cp::MatchSubstringOptions>(text), name,
                        location);
  }
  if (name == "strpos" || name == "position") {
    ARROW_RETURN_NOT_OK(arity(2, 2));
    // position(a IN b) arrives as position(b, a).
    ARROW_ASSIGN_OR_RAISE(auto text,
                          ConstantArg<std::string>(*binder, name, args[1], 1, location));
    ARROW_ASSIGN_OR_RAISE(
        auto found,
        binder->Call("find_substring", {std::move(args[0])},
                     std::make_shared<cp::MatchSubstringOptions>(text), name, location));
    BoundExpr one{cp::literal(1), arrow::int32()};
    return binder->Call("add", {std::move(found), std::move(one)}, nullptr, name,
                        location);
  }
  if (name == "lpad" || name == "rpad") {
    ARROW_RETURN_NOT_OK(arity(2, 3));
    ARROW_ASSIGN_OR_RAISE(auto width,
                          ConstantArg<int64_t>(*binder, name, args[1], 1, location));
    std::string padding = " ";
    if (n == 3) {
      ARROW_ASSIGN_OR_RAISE(
          padding, ConstantArg<std::string>(*binder, name, args[2], 2, location));
    }
    return binder->Call(name == "lpad" ? "utf8_lpad" : "utf8_rpad", {std::move(args[0])},
                        std::make_shared<cp::PadOptions>(width, padding), name, location);
  }
  if (name == "concat" || name == "concat_ws") {
    ARROW_RETURN_NOT_OK(arity(name == "concat" ? 1 : 2, SIZE_MAX));
    BoundExpr separator{cp::literal(std::string()), arrow::utf8()};
    size_t first = 0;
    if (name == "concat_ws") {
      separator = args[0];
      first = 1;
    }
    std::vector<BoundExpr> parts;
    for (size_t i = first; i < n; ++i) {
      ARROW_ASSIGN_OR_RAISE(auto part,
                            binder->Cast(std::move(args[i]), arrow::utf8(), location));
      parts.push_back(std::move(part));
    }
    parts.push_back(std::move(separator));
    // PostgreSQL's concat skips NULL arguments.
    auto options = std::make_shared<cp::JoinOptions>(cp::JoinOptions::SKIP);
    return binder->Call("binary_join_element_wise", std::move(parts), options, name,
                        location);
  }
  if (name == "extract" || name == "date_part") {
    ARROW_RETURN_NOT_OK(arity(2, 2));
    ARROW_ASSIGN_OR_RAISE(auto unit,
                          ConstantArg<std::string>(*binder, name, args[0], 0, location));
    std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
    return DatePart(binder, unit, std::move(args[1]), location);
  }
  if (name == "date_trunc") {
    ARROW_RETURN_NOT_OK(arity(2, 2));
    ARROW_ASSIGN_OR_RAISE(auto unit,
                          ConstantArg<std::string>(*binder, name, args[0], 0, location));
    std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
    return DateTrunc(binder, unit, std::move(args[1]), location);
  }
  if (name == "strftime") {
    ARROW_RETURN_NOT_OK(arity(2, 2));
    ARROW_ASSIGN_OR_RAISE(auto format,
                          ConstantArg<std::string>(*binder, name, args[1], 1, location));
    return binder->Call("strftime", {std::move(args[0])},
                        std::make_shared<cp::StrftimeOptions>(format), name, location);
  }
  if (name == "now") {
    ARROW_RETURN_NOT_OK(arity(0, 0));
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    auto type = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    return BoundExpr{
        cp::literal(arrow::Datum(std::make_shared<arrow::TimestampScalar>(micros, type))),
        type};
  }
  return SqlError(arrow::StatusCode::KeyError, binder->sql(), location,
                  "function " + name + "() does not exist");
}

}  // namespace sluice::sql
