#include "sql/date_arithmetic.h"

#include <chrono>
#include <cstdlib>

#include <arrow/compute/api.h>
#include <arrow/scalar.h>

#include "common/add_months.h"
#include "common/ascii.h"
#include "common/sql_error.h"

namespace sluice::sql {

namespace cp = arrow::compute;
using MonthDayNanos = arrow::MonthDayNanoIntervalType::MonthDayNanos;

namespace {

// PostgreSQL's interval field bits (the typmod of INTERVAL '...' <unit>).
constexpr int kMonthBit = 1 << 1, kYearBit = 1 << 2, kDayBit = 1 << 3, kHourBit = 1 << 10,
              kMinuteBit = 1 << 11, kSecondBit = 1 << 12;
constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Adds `amount` of `unit` to the interval; false for an unknown unit.
bool AddUnit(std::string unit, int64_t amount, MonthDayNanos* out) {
  unit = AsciiLower(unit);
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  if (unit == "year") {
    out->months += static_cast<int32_t>(amount * 12);
  } else if (unit == "month" || unit == "mon") {
    out->months += static_cast<int32_t>(amount);
  } else if (unit == "week") {
    out->days += static_cast<int32_t>(amount * 7);
  } else if (unit == "day") {
    out->days += static_cast<int32_t>(amount);
  } else if (unit == "hour") {
    out->nanoseconds += amount * 3600 * kNanosPerSecond;
  } else if (unit == "minute" || unit == "min") {
    out->nanoseconds += amount * 60 * kNanosPerSecond;
  } else if (unit == "second" || unit == "sec") {
    out->nanoseconds += amount * kNanosPerSecond;
  } else {
    return false;
  }
  return true;
}

const char* FieldUnit(int fields) {
  if (fields & kYearBit) return "year";
  if (fields & kMonthBit) return "month";
  if (fields & kDayBit) return "day";
  if (fields & kHourBit) return "hour";
  if (fields & kMinuteBit) return "minute";
  if (fields & kSecondBit) return "second";
  return nullptr;
}

bool IsDate(const BoundExpr& e) { return e.type->id() == arrow::Type::DATE32; }
bool IsTimestamp(const BoundExpr& e) { return e.type->id() == arrow::Type::TIMESTAMP; }
bool IsInterval(const BoundExpr& e) {
  return e.type->id() == arrow::Type::INTERVAL_MONTH_DAY_NANO;
}

BoundExpr Literal(std::shared_ptr<arrow::Scalar> scalar) {
  auto type = scalar->type;
  return {cp::literal(arrow::Datum(std::move(scalar))), std::move(type)};
}

// `when` (a DATE or TIMESTAMP) moved by `months` calendar months (PostgreSQL adds an
// interval's months before its days and time).
arrow::Result<BoundExpr> AddMonths(ExpressionBinder* binder, const BoundExpr& when,
                                   int32_t months, int location) {
  if (months == 0) return when;
  if (IsTimestamp(when) &&
      !static_cast<const arrow::TimestampType&>(*when.type).timezone().empty()) {
    return SqlNotSupported(binder->sql(), location,
                           "adding months or years to a TIMESTAMP WITH TIME ZONE");
  }
  ARROW_RETURN_NOT_OK(RegisterAddMonths());
  return binder->Call(kAddMonths, {when, Literal(arrow::MakeScalar(months))}, nullptr,
                      "operator +", location);
}

}  // namespace

arrow::Result<MonthDayNanos> ParseInterval(std::string_view text, int fields) {
  MonthDayNanos out{0, 0, 0};
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  const auto bad = [&] {
    return arrow::Status::Invalid("invalid INTERVAL '", std::string(text),
                                  "' (write e.g. '3 months', '90' DAY, '1 year 2 days')");
  };
  if (words.empty()) return bad();
  for (size_t i = 0; i < words.size(); i += 2) {
    char* end = nullptr;
    const int64_t amount = std::strtoll(words[i].c_str(), &end, 10);
    if (end == words[i].c_str() || *end != '\0') return bad();
    const char* unit = i + 1 < words.size() ? words[i + 1].c_str() : FieldUnit(fields);
    if (unit == nullptr || !AddUnit(unit, amount, &out)) return bad();
  }
  return out;
}

arrow::Result<std::optional<BoundExpr>> BindDateArithmetic(ExpressionBinder* binder,
                                                           const std::string& op,
                                                           const BoundExpr& left,
                                                           const BoundExpr& right,
                                                           int location) {
  if (op != "+" && op != "-") return std::nullopt;
  const bool left_temporal = IsDate(left) || IsTimestamp(left);
  const std::string_view sql = binder->sql();
  const auto as_days = [&](const BoundExpr& date) {
    return BoundExpr{cp::call("cast", {date.expr}, cp::CastOptions::Safe(arrow::int32())),
                     arrow::int32()};
  };
  // DATE - DATE: days between.
  if (op == "-" && IsDate(left) && IsDate(right)) {
    return binder->Call("subtract_checked", {as_days(left), as_days(right)}, nullptr,
                        "operator -", location);
  }
  // DATE ± INTEGER: days.
  const bool integer_right = arrow::is_integer(right.type->id());
  if ((IsDate(left) && integer_right) ||
      (op == "+" && IsDate(right) && arrow::is_integer(left.type->id()))) {
    const BoundExpr& date = IsDate(left) ? left : right;
    BoundExpr count = IsDate(left) ? right : left;
    ARROW_ASSIGN_OR_RAISE(count,
                          binder->Cast(std::move(count), arrow::int32(), location));
    ARROW_ASSIGN_OR_RAISE(
        auto sum,
        binder->Call(op == "+" ? "add_checked" : "subtract_checked",
                     {as_days(date), count}, nullptr, "operator " + op, location));
    return binder->Cast(std::move(sum), arrow::date32(), location);
  }
  // DATE/TIMESTAMP ± INTERVAL (and INTERVAL + DATE).
  if (!(left_temporal && IsInterval(right)) &&
      !(op == "+" && IsInterval(left) && (IsDate(right) || IsTimestamp(right)))) {
    return std::nullopt;
  }
  const BoundExpr& when = left_temporal ? left : right;
  const BoundExpr& interval = left_temporal ? right : left;
  const arrow::Datum* constant = interval.expr.literal();
  if (!constant || !constant->scalar()->is_valid) {
    return SqlNotSupported(sql, location, "an INTERVAL that is not a constant");
  }
  auto value =
      static_cast<const arrow::MonthDayNanoIntervalScalar&>(*constant->scalar()).value;
  if (op == "-") value = {-value.months, -value.days, -value.nanoseconds};
  if (IsDate(when) && value.nanoseconds == 0) {
    const arrow::Datum* date = when.expr.literal();
    if (date && date->scalar()->is_valid) {
      const int32_t days = static_cast<const arrow::Date32Scalar&>(*date->scalar()).value;
      ARROW_ASSIGN_OR_RAISE(const int32_t moved, AddMonthsToDays(days, value.months));
      return Literal(std::make_shared<arrow::Date32Scalar>(moved + value.days));
    }
    ARROW_ASSIGN_OR_RAISE(auto moved, AddMonths(binder, when, value.months, location));
    if (value.days == 0) return moved;
    ARROW_ASSIGN_OR_RAISE(
        auto sum, binder->Call("add_checked",
                               {as_days(moved), Literal(arrow::MakeScalar(value.days))},
                               nullptr, "operator " + op, location));
    return binder->Cast(std::move(sum), arrow::date32(), location);
  }
  // A timestamp (a date becomes its midnight) plus days and time as a duration.
  BoundExpr stamp = when;
  if (IsDate(when)) {
    ARROW_ASSIGN_OR_RAISE(
        stamp, binder->Cast(when, arrow::timestamp(arrow::TimeUnit::MICRO), location));
  }
  ARROW_ASSIGN_OR_RAISE(stamp, AddMonths(binder, stamp, value.months, location));
  const auto unit = static_cast<const arrow::TimestampType&>(*stamp.type).unit();
  const int64_t per_second = unit == arrow::TimeUnit::SECOND  ? 1
                             : unit == arrow::TimeUnit::MILLI ? 1000
                             : unit == arrow::TimeUnit::MICRO ? 1000000
                                                              : kNanosPerSecond;
  const int64_t amount = value.days * 86400 * per_second +
                         value.nanoseconds / (kNanosPerSecond / per_second);
  auto duration = std::make_shared<arrow::DurationScalar>(amount, arrow::duration(unit));
  return binder->Call("add_checked", {stamp, Literal(std::move(duration))}, nullptr,
                      "operator " + op, location);
}

}  // namespace sluice::sql
