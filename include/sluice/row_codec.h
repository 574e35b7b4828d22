#pragma once

// Decoding Arrow record batches into mapped structs and encoding structs into batches
// (see rows.h for the mapping). Column by column: each member is filled by one tight
// loop over its column, so decoding costs little more than reading the arrays.

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <tuple>
#include <typeinfo>
#include <vector>

#include <arrow/api.h>

#include "sluice/rows.h"

namespace sluice {

namespace internal {

template <typename V>
struct ValueCodec {
  static_assert(sizeof(V) == 0, "this member type has no column mapping (see rows.h)");
};

// The rows [begin, end) a decoding pass covers: a block small enough that the structs
// it fills stay in cache while every column is decoded into them.
struct RowRange {
  int64_t begin;
  int64_t end;
};

// Calls fn(row, value) for every valid row in `range` of an array of type A.
template <typename A, typename Fn>
void ForEachValid(const arrow::Array& array, RowRange range, Fn&& fn) {
  const auto& typed = static_cast<const A&>(array);
  if (typed.null_count() == 0) {
    for (int64_t i = range.begin; i < range.end; ++i) fn(i, typed.GetView(i));
  } else {
    for (int64_t i = range.begin; i < range.end; ++i) {
      if (typed.IsValid(i)) fn(i, typed.GetView(i));
    }
  }
}

template <typename V>
struct IntegerCodec {
  static std::shared_ptr<arrow::DataType> type() {
    return arrow::TypeTraits<typename arrow::CTypeTraits<V>::ArrowType>::type_singleton();
  }
  static bool Accepts(const arrow::DataType& type) {
    if (!arrow::is_integer(type.id())) return false;
    const auto& fixed = static_cast<const arrow::FixedWidthType&>(type);
    return arrow::is_signed_integer(type.id()) == std::is_signed_v<V> &&
           fixed.bit_width() <= static_cast<int>(sizeof(V) * 8);
  }
  template <typename Fn>
  static void ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    auto put = [&](int64_t i, auto value) { fn(i, static_cast<V>(value)); };
    switch (array.type_id()) {
      case arrow::Type::INT8:
        return ForEachValid<arrow::Int8Array>(array, range, put);
      case arrow::Type::INT16:
        return ForEachValid<arrow::Int16Array>(array, range, put);
      case arrow::Type::INT32:
        return ForEachValid<arrow::Int32Array>(array, range, put);
      case arrow::Type::INT64:
        return ForEachValid<arrow::Int64Array>(array, range, put);
      case arrow::Type::UINT8:
        return ForEachValid<arrow::UInt8Array>(array, range, put);
      case arrow::Type::UINT16:
        return ForEachValid<arrow::UInt16Array>(array, range, put);
      case arrow::Type::UINT32:
        return ForEachValid<arrow::UInt32Array>(array, range, put);
      case arrow::Type::UINT64:
        return ForEachValid<arrow::UInt64Array>(array, range, put);
      default:
        return;
    }
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, V value) {
    using Builder = typename arrow::TypeTraits<
        typename arrow::CTypeTraits<V>::ArrowType>::BuilderType;
    return static_cast<Builder*>(builder)->Append(value);
  }
};

template <>
struct ValueCodec<int8_t> : IntegerCodec<int8_t> {};
template <>
struct ValueCodec<int16_t> : IntegerCodec<int16_t> {};
template <>
struct ValueCodec<int32_t> : IntegerCodec<int32_t> {};
template <>
struct ValueCodec<int64_t> : IntegerCodec<int64_t> {};
template <>
struct ValueCodec<uint8_t> : IntegerCodec<uint8_t> {};
template <>
struct ValueCodec<uint16_t> : IntegerCodec<uint16_t> {};
template <>
struct ValueCodec<uint32_t> : IntegerCodec<uint32_t> {};
template <>
struct ValueCodec<uint64_t> : IntegerCodec<uint64_t> {};

template <typename V>
struct FloatingCodec {
  static std::shared_ptr<arrow::DataType> type() {
    return std::is_same_v<V, float> ? arrow::float32() : arrow::float64();
  }
  // Exact only: a wider float or an integer a V cannot hold exactly is refused.
  static bool Accepts(const arrow::DataType& type) {
    const int mantissa = std::is_same_v<V, float> ? 24 : 53;
    if (type.id() == arrow::Type::FLOAT) return true;
    if (type.id() == arrow::Type::DOUBLE) return std::is_same_v<V, double>;
    if (!arrow::is_integer(type.id())) return false;
    return static_cast<const arrow::FixedWidthType&>(type).bit_width() < mantissa;
  }
  template <typename Fn>
  static void ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    auto put = [&](int64_t i, auto value) { fn(i, static_cast<V>(value)); };
    switch (array.type_id()) {
      case arrow::Type::FLOAT:
        return ForEachValid<arrow::FloatArray>(array, range, put);
      case arrow::Type::DOUBLE:
        return ForEachValid<arrow::DoubleArray>(array, range, put);
      default:
        return IntegerCodec<int64_t>::ForEach(array, range, put);
    }
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, V value) {
    using Builder = std::conditional_t<std::is_same_v<V, float>, arrow::FloatBuilder,
                                       arrow::DoubleBuilder>;
    return static_cast<Builder*>(builder)->Append(value);
  }
};

template <>
struct ValueCodec<float> : FloatingCodec<float> {};
template <>
struct ValueCodec<double> : FloatingCodec<double> {};

template <>
struct ValueCodec<bool> {
  static std::shared_ptr<arrow::DataType> type() { return arrow::boolean(); }
  static bool Accepts(const arrow::DataType& type) {
    return type.id() == arrow::Type::BOOL;
  }
  template <typename Fn>
  static void ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    ForEachValid<arrow::BooleanArray>(array, range, fn);
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, bool value) {
    return static_cast<arrow::BooleanBuilder*>(builder)->Append(value);
  }
};

template <typename V>
struct StringCodec {
  static std::shared_ptr<arrow::DataType> type() { return arrow::utf8(); }
  static bool Accepts(const arrow::DataType& type) {
    return type.id() == arrow::Type::STRING || type.id() == arrow::Type::LARGE_STRING ||
           type.id() == arrow::Type::BINARY || type.id() == arrow::Type::LARGE_BINARY;
  }
  template <typename Fn>
  static void ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    auto put = [&](int64_t i, std::string_view value) { fn(i, V(value)); };
    switch (array.type_id()) {
      case arrow::Type::STRING:
        return ForEachValid<arrow::StringArray>(array, range, put);
      case arrow::Type::LARGE_STRING:
        return ForEachValid<arrow::LargeStringArray>(array, range, put);
      case arrow::Type::BINARY:
        return ForEachValid<arrow::BinaryArray>(array, range, put);
      case arrow::Type::LARGE_BINARY:
        return ForEachValid<arrow::LargeBinaryArray>(array, range, put);
      default:
        return;
    }
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, std::string_view value) {
    return static_cast<arrow::StringBuilder*>(builder)->Append(value);
  }
};

template <>
struct ValueCodec<std::string> : StringCodec<std::string> {};
template <>
struct ValueCodec<std::string_view> : StringCodec<std::string_view> {};

template <>
struct ValueCodec<Date> {
  static std::shared_ptr<arrow::DataType> type() { return arrow::date32(); }
  static bool Accepts(const arrow::DataType& type) {
    return type.id() == arrow::Type::DATE32;
  }
  template <typename Fn>
  static void ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    ForEachValid<arrow::Date32Array>(array, range, [&](int64_t i, int32_t days) {
      fn(i, Date(std::chrono::days(days)));
    });
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, Date value) {
    return static_cast<arrow::Date32Builder*>(builder)->Append(
        static_cast<int32_t>(value.time_since_epoch().count()));
  }
};

template <>
struct ValueCodec<Timestamp> {
  static std::shared_ptr<arrow::DataType> type() {
    return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  }
  // Nanoseconds would be truncated: refused.
  static bool Accepts(const arrow::DataType& type) {
    return type.id() == arrow::Type::TIMESTAMP &&
           static_cast<const arrow::TimestampType&>(type).unit() != arrow::TimeUnit::NANO;
  }
  template <typename Fn>
  static void ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    int64_t scale = 1;
    switch (static_cast<const arrow::TimestampType&>(*array.type()).unit()) {
      case arrow::TimeUnit::SECOND:
        scale = 1000000;
        break;
      case arrow::TimeUnit::MILLI:
        scale = 1000;
        break;
      default:
        break;
    }
    ForEachValid<arrow::TimestampArray>(array, range, [&](int64_t i, int64_t value) {
      fn(i, Timestamp(std::chrono::microseconds(value * scale)));
    });
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, Timestamp value) {
    return static_cast<arrow::TimestampBuilder*>(builder)->Append(
        value.time_since_epoch().count());
  }
};

template <typename V>
struct IsOptional : std::false_type {};
template <typename V>
struct IsOptional<std::optional<V>> : std::true_type {};

template <typename V>
struct BaseOf {
  using type = V;
};
template <typename V>
struct BaseOf<std::optional<V>> {
  using type = V;
};

// The struct's name as written in C++ ("app::Trade"), for messages.
template <typename T>
std::string RowName() {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(typeid(T).name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(typeid(T).name());
}

// Fills `member` of the rows in `range` from `array`; a NULL into a non-optional member
// fails.
template <typename T, typename M>
arrow::Status DecodeColumn(const arrow::Array& array, const ColumnSpec<T, M>& spec,
                           RowRange range, T* rows) {
  using Codec = ValueCodec<typename BaseOf<M>::type>;
  if constexpr (IsOptional<M>::value) {
    for (int64_t i = range.begin; i < range.end; ++i) rows[i].*spec.member = std::nullopt;
  } else if (array.null_count() > 0) {
    return arrow::Status::Invalid("column \"", spec.name,
                                  "\" holds NULL, but its member is not std::optional");
  }
  Codec::ForEach(array, range,
                 [&](int64_t i, auto value) { rows[i].*spec.member = std::move(value); });
  return arrow::Status::OK();
}

}  // namespace internal

// Decodes batches of one schema into T. Make checks the mapping once; Decode then cannot
// fail but for a NULL in a non-optional member. Thread-compatible.
template <typename T>
class RowDecoder {
 public:
  static_assert(IsRow<T>::value, "map the struct with SLUICE_ROW or RowTraits");

  // Invalid, naming the column, if the schema lacks a mapped column or has one whose type
  // the member cannot take without loss.
  static arrow::Result<RowDecoder> Make(const arrow::Schema& schema) {
    RowDecoder decoder;
    arrow::Status status;
    std::apply(
        [&](const auto&... spec) {
          ((status = status.ok() ? decoder.Locate(schema, spec) : status), ...);
        },
        RowTraits<T>::columns);
    ARROW_RETURN_NOT_OK(status);
    return decoder;
  }

  // Appends the batch's rows to `rows`.
  arrow::Status Decode(const arrow::RecordBatch& batch, std::vector<T>* rows) const {
    const size_t first = rows->size();
    rows->resize(first + static_cast<size_t>(batch.num_rows()));
    auto status = DecodeAt(batch, rows->data() + first);
    if (!status.ok()) rows->resize(first);
    return status;
  }

  // Replaces `rows` with the batch's rows, reusing the structs already there (their
  // strings keep their buffers): the fast path for one batch at a time.
  arrow::Status DecodeReplacing(const arrow::RecordBatch& batch,
                                std::vector<T>* rows) const {
    rows->resize(static_cast<size_t>(batch.num_rows()));
    auto status = DecodeAt(batch, rows->data());
    if (!status.ok()) rows->clear();
    return status;
  }

 private:
  arrow::Status DecodeAt(const arrow::RecordBatch& batch, T* out) const {
    constexpr int64_t kBlock = 1024;
    arrow::Status status;
    for (int64_t begin = 0; begin < batch.num_rows() && status.ok(); begin += kBlock) {
      const internal::RowRange range{begin, std::min(batch.num_rows(), begin + kBlock)};
      size_t column = 0;
      std::apply(
          [&](const auto&... spec) {
            ((status = status.ok()
                           ? internal::DecodeColumn(*batch.column(indices_[column++]),
                                                    spec, range, out)
                           : status),
             ...);
          },
          RowTraits<T>::columns);
    }
    return status;
  }

  template <typename M>
  arrow::Status Locate(const arrow::Schema& schema, const ColumnSpec<T, M>& spec) {
    const int index = schema.GetFieldIndex(spec.name);
    if (index < 0) {
      return arrow::Status::Invalid("the result has no column \"", spec.name, "\" for ",
                                    internal::RowName<T>(),
                                    " (columns: ", schema.ToString(), ")");
    }
    const auto& type = *schema.field(index)->type();
    if (!internal::ValueCodec<typename internal::BaseOf<M>::type>::Accepts(type)) {
      return arrow::Status::TypeError("column \"", spec.name, "\" is ", type.ToString(),
                                      ", which its member of ", internal::RowName<T>(),
                                      " cannot hold without loss");
    }
    indices_.push_back(index);
    return arrow::Status::OK();
  }

  std::vector<int> indices_;
};

// The Arrow schema rows of T are encoded with.
template <typename T>
std::shared_ptr<arrow::Schema> RowSchema() {
  arrow::FieldVector fields;
  std::apply(
      [&](const auto&... spec) {
        (fields.push_back(arrow::field(
             spec.name,
             internal::ValueCodec<typename internal::BaseOf<std::remove_reference_t<
                 decltype(std::declval<T>().*spec.member)>>::type>::type(),
             internal::IsOptional<std::remove_reference_t<
                 decltype(std::declval<T>().*spec.member)>>::value)),
         ...);
      },
      RowTraits<T>::columns);
  return arrow::schema(std::move(fields));
}

// Encodes `count` rows starting at `rows` into one record batch of RowSchema<T>().
template <typename T>
arrow::Result<std::shared_ptr<arrow::RecordBatch>> EncodeRows(const T* rows,
                                                              size_t count) {
  auto schema = RowSchema<T>();
  std::unique_ptr<arrow::RecordBatchBuilder> builder;
  ARROW_ASSIGN_OR_RAISE(
      builder, arrow::RecordBatchBuilder::Make(schema, arrow::default_memory_pool(),
                                               static_cast<int64_t>(count)));
  int column = 0;
  arrow::Status status;
  auto encode = [&](const auto& spec) {
    arrow::ArrayBuilder* out = builder->GetField(column++);
    for (size_t i = 0; i < count && status.ok(); ++i) {
      const auto& value = rows[i].*spec.member;
      using M = std::remove_cv_t<std::remove_reference_t<decltype(value)>>;
      using Codec = internal::ValueCodec<typename internal::BaseOf<M>::type>;
      if constexpr (internal::IsOptional<M>::value) {
        status = value ? Codec::Append(out, *value) : out->AppendNull();
      } else {
        status = Codec::Append(out, value);
      }
    }
  };
  std::apply([&](const auto&... spec) { (encode(spec), ...); }, RowTraits<T>::columns);
  ARROW_RETURN_NOT_OK(status);
  return builder->Flush();
}

}  // namespace sluice
