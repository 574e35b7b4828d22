#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <arrow/type.h>

#include "sql/expression_binder.h"

namespace sluice::sql {

// An INTERVAL constant: '90' DAY, '3 months', '1 year 2 days', '36 hours'. `fields` is
// the typmod PostgreSQL's grammar gives a trailing unit (YEAR, MONTH, DAY, HOUR, MINUTE,
// SECOND); 0 when none. Errors name the text.
arrow::Result<arrow::MonthDayNanoIntervalType::MonthDayNanos> ParseInterval(
    std::string_view text, int fields);

// DATE and TIMESTAMP arithmetic, as in PostgreSQL: DATE ± INTEGER (days), DATE - DATE
// (days), DATE or TIMESTAMP ± INTERVAL. Months and years move the calendar (the day is
// clamped to the month's last): folded here on constants, computed by the
// "sluice_add_months" kernel on columns. nullopt if the operands are not dates or
// intervals.
arrow::Result<std::optional<BoundExpr>> BindDateArithmetic(ExpressionBinder* binder,
                                                           const std::string& op,
                                                           const BoundExpr& left,
                                                           const BoundExpr& right,
                                                           int location);

}  // namespace sluice::sql
