#pragma once

#include <memory>
#include <optional>

#include <arrow/type_fwd.h>

namespace sluice::sql {

// DECIMAL result types, decided at bind time by SQL's rules (as SQL Server and Spark
// state them; PostgreSQL's numeric is unbounded and has no such limit):
//   a + b, a - b:  scale max(s1, s2), precision max(p1 - s1, p2 - s2) + scale + 1
//   a * b:         scale s1 + s2,     precision p1 + p2 + 1
//   comparisons, CASE, COALESCE: the narrowest type holding both exactly
// A precision above 38 is cut to 38 by giving up scale, keeping at least min(scale, 6)
// digits after the point; the value is then rounded half away from zero, and a result
// that does not fit is an error. a / b with a DECIMAL is DOUBLE, as in DuckDB.
struct DecimalSpec {
  int precision = 0;
  int scale = 0;
};

constexpr int kMaxDecimalPrecision = 38;

// The DECIMAL an integer or decimal value converts to without loss: an integer constant
// by its digits (7 is DECIMAL(1, 0)), an integer column by its width (INTEGER is
// DECIMAL(10, 0)). nullopt for other types.
std::optional<DecimalSpec> AsDecimal(const arrow::DataType& type,
                                     const arrow::Scalar* constant);

DecimalSpec AddResult(DecimalSpec a, DecimalSpec b);
DecimalSpec MultiplyResult(DecimalSpec a, DecimalSpec b);
DecimalSpec CommonDecimal(DecimalSpec a, DecimalSpec b);

// The spec cut to 38 digits of precision as described above.
DecimalSpec Bounded(DecimalSpec spec);

}  // namespace sluice::sql
