#include "spark/spark_types.h"

#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/util/decimal.h>

#include "sluice/param.h"
#include "spark/connect/expressions.pb.h"
#include "spark/connect/types.pb.h"

namespace sluice::spark {

namespace {

using ::spark::connect::DataType;

arrow::Result<std::shared_ptr<arrow::DataType>> ToArrowType(const DataType& type,
                                                            const std::string& timezone);

arrow::Result<std::shared_ptr<arrow::Field>> ToArrowField(
    const DataType::StructField& field, const std::string& timezone) {
  ARROW_ASSIGN_OR_RAISE(auto type, ToArrowType(field.data_type(), timezone));
  return arrow::field(field.name(), std::move(type), field.nullable());
}

arrow::Result<std::shared_ptr<arrow::DataType>> ToArrowNested(
    const DataType& type, const std::string& timezone) {
  switch (type.kind_case()) {
    case DataType::kArray: {
      ARROW_ASSIGN_OR_RAISE(auto element,
                            ToArrowType(type.array().element_type(), timezone));
      return arrow::list(
          arrow::field("element", std::move(element), type.array().contains_null()));
    }
    case DataType::kStruct: {
      arrow::FieldVector fields;
      for (const auto& field : type.struct_().fields()) {
        ARROW_ASSIGN_OR_RAISE(auto converted, ToArrowField(field, timezone));
        fields.push_back(std::move(converted));
      }
      return arrow::struct_(std::move(fields));
    }
    case DataType::kMap: {
      ARROW_ASSIGN_OR_RAISE(auto key, ToArrowType(type.map().key_type(), timezone));
      ARROW_ASSIGN_OR_RAISE(auto value, ToArrowType(type.map().value_type(), timezone));
      return arrow::map(std::move(key), std::move(value));
    }
    default:
      return arrow::Status::NotImplemented("Spark type ", type.ShortDebugString(),
                                           " is not supported");
  }
}

arrow::Result<std::shared_ptr<arrow::DataType>> ToArrowType(const DataType& type,
                                                            const std::string& timezone) {
  switch (type.kind_case()) {
    case DataType::kNull:
      return arrow::null();
    case DataType::kBinary:
      return arrow::binary();
    case DataType::kBoolean:
      return arrow::boolean();
    case DataType::kByte:
      return arrow::int8();
    case DataType::kShort:
      return arrow::int16();
    case DataType::kInteger:
      return arrow::int32();
    case DataType::kLong:
      return arrow::int64();
    case DataType::kFloat:
      return arrow::float32();
    case DataType::kDouble:
      return arrow::float64();
    case DataType::kDecimal:
      return arrow::decimal128(
          type.decimal().has_precision() ? type.decimal().precision() : 10,
          type.decimal().has_scale() ? type.decimal().scale() : 0);
    case DataType::kString:
    case DataType::kChar:
    case DataType::kVarChar:
      return arrow::utf8();
    case DataType::kDate:
      return arrow::date32();
    case DataType::kTimestamp:
      return arrow::timestamp(arrow::TimeUnit::MICRO, timezone);
    case DataType::kTimestampNtz:
      return arrow::timestamp(arrow::TimeUnit::MICRO);
    default:
      return ToArrowNested(type, timezone);
  }
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::Schema>> ToArrowSchema(const DataType& row_type,
                                                            const std::string& timezone) {
  if (row_type.kind_case() != DataType::kStruct) {
    return arrow::Status::Invalid("Spark returned a result type that is not a row: ",
                                  row_type.ShortDebugString());
  }
  arrow::FieldVector fields;
  for (const auto& field : row_type.struct_().fields()) {
    ARROW_ASSIGN_OR_RAISE(auto converted, ToArrowField(field, timezone));
    fields.push_back(std::move(converted));
  }
  return arrow::schema(std::move(fields));
}

arrow::Status ToLiteral(const Param& param, ::spark::connect::Expression_Literal* out) {
  const auto& scalar = param.value();
  if (!scalar || !scalar->is_valid) {
    out->mutable_null()->mutable_null();
    return arrow::Status::OK();
  }
  switch (scalar->type->id()) {
    case arrow::Type::BOOL:
      out->set_boolean(static_cast<const arrow::BooleanScalar&>(*scalar).value);
      return arrow::Status::OK();
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32: {
      ARROW_ASSIGN_OR_RAISE(auto cast, scalar->CastTo(arrow::int32()));
      out->set_integer(static_cast<const arrow::Int32Scalar&>(*cast).value);
      return arrow::Status::OK();
    }
    case arrow::Type::INT64:
      out->set_long_(static_cast<const arrow::Int64Scalar&>(*scalar).value);
      return arrow::Status::OK();
    case arrow::Type::FLOAT:
      out->set_float_(static_cast<const arrow::FloatScalar&>(*scalar).value);
      return arrow::Status::OK();
    case arrow::Type::DOUBLE:
      out->set_double_(static_cast<const arrow::DoubleScalar&>(*scalar).value);
      return arrow::Status::OK();
    case arrow::Type::STRING:
      out->set_string(static_cast<const arrow::StringScalar&>(*scalar).value->ToString());
      return arrow::Status::OK();
    case arrow::Type::BINARY:
      out->set_binary(static_cast<const arrow::BinaryScalar&>(*scalar).value->ToString());
      return arrow::Status::OK();
    case arrow::Type::DATE32:
      out->set_date(static_cast<const arrow::Date32Scalar&>(*scalar).value);
      return arrow::Status::OK();
    case arrow::Type::DECIMAL128: {
      const auto& decimal = static_cast<const arrow::Decimal128Scalar&>(*scalar);
      const auto& type = static_cast<const arrow::Decimal128Type&>(*scalar->type);
      auto* value = out->mutable_decimal();
      value->set_value(decimal.value.ToString(type.scale()));
      value->set_precision(type.precision());
      value->set_scale(type.scale());
      return arrow::Status::OK();
    }
    default:
      break;
  }
  if (scalar->type->id() == arrow::Type::TIMESTAMP) {
    ARROW_ASSIGN_OR_RAISE(
        auto micros,
        scalar->CastTo(arrow::timestamp(
            arrow::TimeUnit::MICRO,
            static_cast<const arrow::TimestampType&>(*scalar->type).timezone())));
    const int64_t value = static_cast<const arrow::TimestampScalar&>(*micros).value;
    if (static_cast<const arrow::TimestampType&>(*scalar->type).timezone().empty()) {
      out->set_timestamp_ntz(value);
    } else {
      out->set_timestamp(value);
    }
    return arrow::Status::OK();
  }
  return arrow::Status::NotImplemented("a parameter of type ", scalar->type->ToString(),
                                       " cannot be sent to Spark");
}

}  // namespace sluice::spark
