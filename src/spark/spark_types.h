#pragma once

#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace spark::connect {
class DataType;
class Expression_Literal;
}  // namespace spark::connect

namespace sluice {
class Param;
}

namespace sluice::spark {

// The Arrow schema Spark sends results in for a row type (a Spark struct), as Spark's
// own Arrow conversion makes it: timestamps in microseconds (with the session time zone
// `timezone`), strings and binaries with 32-bit offsets, decimals as decimal128.
arrow::Result<std::shared_ptr<arrow::Schema>> ToArrowSchema(
    const ::spark::connect::DataType& row_type, const std::string& timezone);

// A Spark literal for a query parameter. Fails for a type Spark literals cannot carry.
arrow::Status ToLiteral(const Param& param, ::spark::connect::Expression_Literal* out);

}  // namespace sluice::spark
