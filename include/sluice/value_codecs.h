#pragma once

// How each member type of a mapped struct (rows.h) reads from and writes to an Arrow
// column: ValueCodec<V> says which column types V takes without loss (Accepts), the type
// V is written as (type), how to read the valid values of a range of rows (ForEach) and
// how to append one value (Append). Scalar codecs also have a Reader: the values of a
// column of their native type (IsNative), read row by row without a type switch, for
// decoding a whole row at a time. An implementation detail of row_codec.h.

#include <cxxabi.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include <arrow/api.h>
#include <arrow/util/bit_util.h>

#include "sluice/rows.h"

namespace sluice::internal {

template <typename V, typename Enable = void>
struct ValueCodec {
  static_assert(sizeof(V) == 0, "this member type has no column mapping (see rows.h)");
};

// The rows [begin, end) a decoding pass covers: a block small enough that the structs
// it fills stay in cache while every column is decoded into them.
struct RowRange {
  int64_t begin;
  int64_t end;
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

template <typename M>
using CodecOf = ValueCodec<typename BaseOf<M>::type>;

// The type of the member a ColumnSpec names.
template <typename Spec>
using MemberOf = typename std::decay_t<Spec>::Type;

// Calls set(i, value) for every row i in `range` where `array` is valid, after checking
// that a member of type M can take its NULLs: rows where `parent` (an enclosing struct,
// or null) is NULL do not count. Defined below the codecs that use it.
template <typename M, typename Set>
arrow::Status DecodeMember(const arrow::Array& array, RowRange range,
                           const arrow::Array* parent, Set&& set);

// Appends `value` (NULL for an empty optional).
template <typename M>
arrow::Status AppendMember(arrow::ArrayBuilder* builder, const M& value);

// The fields rows of T are encoded with, one per mapped member.
template <typename T>
arrow::FieldVector RowFields();

// Calls fn(row, value) for every valid row in `range` of an array of type A.
template <typename A, typename Fn>
arrow::Status ForEachValid(const arrow::Array& array, RowRange range, Fn&& fn) {
  const auto& typed = static_cast<const A&>(array);
  if (typed.null_count() == 0) {
    for (int64_t i = range.begin; i < range.end; ++i) fn(i, typed.GetView(i));
  } else {
    for (int64_t i = range.begin; i < range.end; ++i) {
      if (typed.IsValid(i)) fn(i, typed.GetView(i));
    }
  }
  return arrow::Status::OK();
}

// The decimal digits any value of an integer type can have (int32: 10).
inline int IntegerDigits(const arrow::DataType& type) {
  switch (static_cast<const arrow::FixedWidthType&>(type).bit_width()) {
    case 8:
      return 3;
    case 16:
      return 5;
    case 32:
      return 10;
    default:
      return arrow::is_signed_integer(type.id()) ? 19 : 20;
  }
}

// Reads the values of a fixed-width column whose C type is C as V.
template <typename C, typename V = C>
struct FixedWidthReader {
  explicit FixedWidthReader(const arrow::Array& array)
      : values(array.data()->GetValues<C>(1)) {}
  V Get(int64_t i) const { return V(values[i]); }
  const C* values;
};

template <typename V>
struct IntegerCodec {
  using Reader = FixedWidthReader<V>;
  static bool IsNative(const arrow::DataType& type) {
    return type.id() == arrow::CTypeTraits<V>::ArrowType::type_id;
  }
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
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
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
        return arrow::Status::OK();
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
  using Reader = FixedWidthReader<V>;
  static bool IsNative(const arrow::DataType& type) {
    return type.id() ==
           (std::is_same_v<V, float> ? arrow::Type::FLOAT : arrow::Type::DOUBLE);
  }
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
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
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
  struct Reader {
    explicit Reader(const arrow::Array& array)
        : bits(array.data()->buffers[1] ? array.data()->buffers[1]->data() : nullptr),
          offset(array.offset()) {}
    bool Get(int64_t i) const { return arrow::bit_util::GetBit(bits, offset + i); }
    const uint8_t* bits;
    int64_t offset;
  };
  static bool IsNative(const arrow::DataType& type) { return Accepts(type); }
  static std::shared_ptr<arrow::DataType> type() { return arrow::boolean(); }
  static bool Accepts(const arrow::DataType& type) {
    return type.id() == arrow::Type::BOOL;
  }
  template <typename Fn>
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    return ForEachValid<arrow::BooleanArray>(array, range, fn);
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, bool value) {
    return static_cast<arrow::BooleanBuilder*>(builder)->Append(value);
  }
};

// std::string and std::string_view. Values are passed on as views: a std::string member
// assigns from one, reusing its buffer.
template <typename V>
struct StringCodec {
  struct Reader {
    explicit Reader(const arrow::Array& array)
        : offsets(array.data()->GetValues<int32_t>(1)),
          data(array.data()->buffers[2]
                   ? reinterpret_cast<const char*>(array.data()->buffers[2]->data())
                   : nullptr) {}
    std::string_view Get(int64_t i) const {
      return std::string_view(data + offsets[i],
                              static_cast<size_t>(offsets[i + 1] - offsets[i]));
    }
    const int32_t* offsets;
    const char* data;
  };
  static bool IsNative(const arrow::DataType& type) {
    return type.id() == arrow::Type::STRING || type.id() == arrow::Type::BINARY;
  }
  static std::shared_ptr<arrow::DataType> type() { return arrow::utf8(); }
  static bool Accepts(const arrow::DataType& type) {
    return type.id() == arrow::Type::STRING || type.id() == arrow::Type::LARGE_STRING ||
           type.id() == arrow::Type::BINARY || type.id() == arrow::Type::LARGE_BINARY;
  }
  template <typename Fn>
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    auto put = [&](int64_t i, std::string_view value) { fn(i, value); };
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
        return arrow::Status::OK();
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
  struct Reader : FixedWidthReader<int32_t> {
    using FixedWidthReader::FixedWidthReader;
    Date Get(int64_t i) const { return Date(std::chrono::days(values[i])); }
  };
  static bool IsNative(const arrow::DataType& type) { return Accepts(type); }
  static std::shared_ptr<arrow::DataType> type() { return arrow::date32(); }
  static bool Accepts(const arrow::DataType& type) {
    return type.id() == arrow::Type::DATE32;
  }
  template <typename Fn>
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    return ForEachValid<arrow::Date32Array>(array, range, [&](int64_t i, int32_t days) {
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
  struct Reader : FixedWidthReader<int64_t> {
    using FixedWidthReader::FixedWidthReader;
    Timestamp Get(int64_t i) const {
      return Timestamp(std::chrono::microseconds(values[i]));
    }
  };
  static bool IsNative(const arrow::DataType& type) {
    return type.id() == arrow::Type::TIMESTAMP &&
           static_cast<const arrow::TimestampType&>(type).unit() ==
               arrow::TimeUnit::MICRO;
  }
  static std::shared_ptr<arrow::DataType> type() {
    return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  }
  // Nanoseconds would be truncated: refused.
  static bool Accepts(const arrow::DataType& type) {
    return type.id() == arrow::Type::TIMESTAMP &&
           static_cast<const arrow::TimestampType&>(type).unit() != arrow::TimeUnit::NANO;
  }
  template <typename Fn>
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
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
    return ForEachValid<arrow::TimestampArray>(
        array, range, [&](int64_t i, int64_t value) {
          fn(i, Timestamp(std::chrono::microseconds(value * scale)));
        });
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, Timestamp value) {
    return static_cast<arrow::TimestampBuilder*>(builder)->Append(
        value.time_since_epoch().count());
  }
};

// DECIMAL(P, S) from a DECIMAL with no more integer digits and no more decimals (scaled
// up exactly), or from integers short enough.
template <int P, int S>
struct ValueCodec<Decimal<P, S>> {
  struct Reader {
    explicit Reader(const arrow::Array& array)
        : bytes(array.data()->GetValues<uint8_t>(1, array.offset() * 16)) {}
    Decimal<P, S> Get(int64_t i) const {
      __int128 value;
      std::memcpy(&value, bytes + i * 16, sizeof(value));
      return Decimal<P, S>::FromUnscaled(value);
    }
    const uint8_t* bytes;
  };
  static bool IsNative(const arrow::DataType& type) {
    return type.id() == arrow::Type::DECIMAL128 &&
           static_cast<const arrow::Decimal128Type&>(type).scale() == S && Accepts(type);
  }
  static std::shared_ptr<arrow::DataType> type() { return arrow::decimal128(P, S); }
  static bool Accepts(const arrow::DataType& type) {
    if (arrow::is_integer(type.id())) return IntegerDigits(type) <= P - S;
    if (type.id() != arrow::Type::DECIMAL128) return false;
    const auto& decimal = static_cast<const arrow::Decimal128Type&>(type);
    return decimal.scale() >= 0 && decimal.scale() <= S &&
           decimal.precision() - decimal.scale() <= P - S;
  }
  template <typename Fn>
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    if (array.type_id() != arrow::Type::DECIMAL128) {
      return IntegerCodec<__int128>::ForEach(
          array, range, [&](int64_t i, __int128 value) { fn(i, Scaled(value, S)); });
    }
    const int rescale =
        S - static_cast<const arrow::Decimal128Type&>(*array.type()).scale();
    return ForEachValid<arrow::Decimal128Array>(
        array, range, [&](int64_t i, std::string_view bytes) {
          __int128 value;
          std::memcpy(&value, bytes.data(), sizeof(value));
          fn(i, Scaled(value, rescale));
        });
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, Decimal<P, S> value) {
    const auto bits = static_cast<unsigned __int128>(value.unscaled);
    return static_cast<arrow::Decimal128Builder*>(builder)->Append(
        arrow::Decimal128(static_cast<int64_t>(bits >> 64), static_cast<uint64_t>(bits)));
  }

 private:
  static Decimal<P, S> Scaled(__int128 value, int digits) {
    for (int i = 0; i < digits; ++i) value *= 10;
    return Decimal<P, S>::FromUnscaled(value);
  }
};

// std::vector<E> from a LIST or LARGE_LIST of what E takes.
template <typename E>
struct ValueCodec<std::vector<E>> {
  static std::shared_ptr<arrow::DataType> type() {
    return arrow::list(arrow::field("element", CodecOf<E>::type(), IsOptional<E>::value));
  }
  static bool Accepts(const arrow::DataType& type) {
    if (type.id() != arrow::Type::LIST && type.id() != arrow::Type::LARGE_LIST) {
      return false;
    }
    return CodecOf<E>::Accepts(*type.field(0)->type());
  }
  template <typename Fn>
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    if (array.type_id() == arrow::Type::LARGE_LIST) {
      return ForEachList<arrow::LargeListArray>(array, range, fn);
    }
    return ForEachList<arrow::ListArray>(array, range, fn);
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, const std::vector<E>& value) {
    auto* list = static_cast<arrow::ListBuilder*>(builder);
    ARROW_RETURN_NOT_OK(list->Append());
    for (const E& element : value) {
      ARROW_RETURN_NOT_OK(AppendMember(list->value_builder(), element));
    }
    return arrow::Status::OK();
  }

 private:
  template <typename A, typename Fn>
  static arrow::Status ForEachList(const arrow::Array& array, RowRange range, Fn&& fn) {
    const auto& list = static_cast<const A&>(array);
    const arrow::Array& values = *list.values();
    for (int64_t i = range.begin; i < range.end; ++i) {
      if (list.IsNull(i)) continue;
      const RowRange elements{list.value_offset(i), list.value_offset(i + 1)};
      std::vector<E> out(static_cast<size_t>(elements.end - elements.begin));
      auto status = DecodeMember<E>(values, elements, nullptr, [&](int64_t j, auto&& v) {
        out[static_cast<size_t>(j - elements.begin)] = std::forward<decltype(v)>(v);
      });
      if (!status.ok()) return status.WithMessage("element ", status.message());
      fn(i, std::move(out));
    }
    return arrow::Status::OK();
  }
};

// A mapped struct from a STRUCT with a field of each mapped member's name.
template <typename T>
struct ValueCodec<T, std::enable_if_t<IsRow<T>::value>> {
  static std::shared_ptr<arrow::DataType> type() {
    return arrow::struct_(RowFields<T>());
  }
  static bool Accepts(const arrow::DataType& type) {
    if (type.id() != arrow::Type::STRUCT) return false;
    const auto& fields = static_cast<const arrow::StructType&>(type);
    return std::apply(
        [&](const auto&... spec) {
          return (AcceptsField<MemberOf<decltype(spec)>>(fields, spec.name) && ...);
        },
        RowTraits<T>::columns);
  }
  // Decodes the range field by field into a block of T, then hands over the valid rows.
  template <typename Fn>
  static arrow::Status ForEach(const arrow::Array& array, RowRange range, Fn&& fn) {
    const auto& structs = static_cast<const arrow::StructArray&>(array);
    std::vector<T> block(static_cast<size_t>(range.end - range.begin));
    arrow::Status status;
    auto decode = [&](const auto& spec) {
      if (!status.ok()) return;
      using M = MemberOf<decltype(spec)>;
      const auto& field = *structs.field(structs.struct_type()->GetFieldIndex(spec.name));
      status = DecodeMember<M>(field, range, &structs, [&](int64_t i, auto&& v) {
        block[static_cast<size_t>(i - range.begin)].*spec.member =
            std::forward<decltype(v)>(v);
      });
      if (!status.ok())
        status = status.WithMessage("field \"", spec.name, "\" ", status.message());
    };
    std::apply([&](const auto&... spec) { (decode(spec), ...); }, RowTraits<T>::columns);
    ARROW_RETURN_NOT_OK(status);
    for (int64_t i = range.begin; i < range.end; ++i) {
      if (structs.IsValid(i))
        fn(i, std::move(block[static_cast<size_t>(i - range.begin)]));
    }
    return arrow::Status::OK();
  }
  static arrow::Status Append(arrow::ArrayBuilder* builder, const T& value) {
    auto* structs = static_cast<arrow::StructBuilder*>(builder);
    ARROW_RETURN_NOT_OK(structs->Append());
    int child = 0;
    arrow::Status status;
    std::apply(
        [&](const auto&... spec) {
          ((status = status.ok() ? AppendMember(structs->field_builder(child++),
                                                value.*spec.member)
                                 : status),
           ...);
        },
        RowTraits<T>::columns);
    return status;
  }

 private:
  template <typename M>
  static bool AcceptsField(const arrow::StructType& type, const char* name) {
    const auto field = type.GetFieldByName(name);
    return field != nullptr && CodecOf<M>::Accepts(*field->type());
  }
};

template <typename M, typename Set>
arrow::Status DecodeMember(const arrow::Array& array, RowRange range,
                           const arrow::Array* parent, Set&& set) {
  if constexpr (IsOptional<M>::value) {
    for (int64_t i = range.begin; i < range.end; ++i) set(i, std::nullopt);
  } else if (array.null_count() > 0) {
    for (int64_t i = range.begin; i < range.end; ++i) {
      if (array.IsNull(i) && (parent == nullptr || parent->IsValid(i))) {
        return arrow::Status::Invalid("holds NULL, but its member is not std::optional");
      }
    }
  }
  return CodecOf<M>::ForEach(array, range, set);
}

template <typename M>
arrow::Status AppendMember(arrow::ArrayBuilder* builder, const M& value) {
  if constexpr (IsOptional<M>::value) {
    return value ? CodecOf<M>::Append(builder, *value) : builder->AppendNull();
  } else {
    return CodecOf<M>::Append(builder, value);
  }
}

template <typename T>
arrow::FieldVector RowFields() {
  arrow::FieldVector fields;
  std::apply(
      [&](const auto&... spec) {
        (fields.push_back(arrow::field(spec.name,
                                       CodecOf<MemberOf<decltype(spec)>>::type(),
                                       IsOptional<MemberOf<decltype(spec)>>::value)),
         ...);
      },
      RowTraits<T>::columns);
  return fields;
}

// The struct's name as written in C++ ("app::Trade"), for messages.
template <typename T>
std::string RowName() {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(typeid(T).name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(typeid(T).name());
}

}  // namespace sluice::internal
