#pragma once

// Decoding Arrow record batches into mapped structs and encoding structs into batches
// (see rows.h for the mapping). Column by column: each member is filled by one tight
// loop over its column, so decoding costs little more than reading the arrays.

#include <algorithm>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include <arrow/api.h>
#include <arrow/util/bit_util.h>

#include "sluice/rows.h"
#include "sluice/value_codecs.h"

namespace sluice {

namespace internal {

// Fills `member` of out[0 .. range.end - range.begin) from the rows in `range` of
// `array`; a NULL into a non-optional member fails, naming the column.
template <typename T, typename M>
arrow::Status DecodeColumn(const arrow::Array& array, const ColumnSpec<T, M>& spec,
                           RowRange range, T* out) {
  auto status = DecodeMember<M>(array, range, nullptr, [&](int64_t i, auto&& value) {
    out[i - range.begin].*spec.member = std::forward<decltype(value)>(value);
  });
  if (!status.ok()) {
    return status.WithMessage("column \"", spec.name, "\" ", status.message(), " (in ",
                              RowName<T>(), ")");
  }
  return status;
}

template <typename Codec, typename = void>
struct HasReader : std::false_type {};
template <typename Codec>
struct HasReader<Codec, std::void_t<typename Codec::Reader>> : std::true_type {};

// Reads one member's column row by row, for decoding a whole row at a time.
template <typename M>
struct MemberReader {
  explicit MemberReader(const arrow::Array& array)
      : values(array),
        validity(array.null_count() > 0 ? array.null_bitmap_data() : nullptr),
        offset(array.offset()) {}

  // Whether a column can be read so: of the member's native type, and without NULLs
  // unless the member is optional.
  static bool CanRead(const arrow::Array& array) {
    return CodecOf<M>::IsNative(*array.type()) &&
           (IsOptional<M>::value || array.null_count() == 0);
  }

  void Assign(int64_t i, M& member) const {
    if constexpr (IsOptional<M>::value) {
      if (validity != nullptr && !arrow::bit_util::GetBit(validity, offset + i)) {
        member = std::nullopt;
        return;
      }
    }
    member = values.Get(i);
  }

  typename CodecOf<M>::Reader values;
  const uint8_t* validity;
  int64_t offset;
};

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
    auto status = DecodeAt(batch, {0, batch.num_rows()}, rows->data() + first);
    if (!status.ok()) rows->resize(first);
    return status;
  }

  // Replaces `rows` with the batch's rows, reusing the structs already there (their
  // strings keep their buffers): the fast path for one batch at a time.
  arrow::Status DecodeReplacing(const arrow::RecordBatch& batch,
                                std::vector<T>* rows) const {
    return DecodeRange(batch, 0, batch.num_rows(), rows);
  }

  // Replaces `rows` with `length` rows of the batch from `offset`. Decoding a few
  // thousand rows at a time and using them before the next keeps the structs in cache.
  arrow::Status DecodeRange(const arrow::RecordBatch& batch, int64_t offset,
                            int64_t length, std::vector<T>* rows) const {
    rows->resize(static_cast<size_t>(length));
    auto status = DecodeAt(batch, {offset, offset + length}, rows->data());
    if (!status.ok()) rows->clear();
    return status;
  }

 private:
  using Columns = std::decay_t<decltype(RowTraits<T>::columns)>;
  static constexpr size_t kColumns = std::tuple_size_v<Columns>;
  template <size_t I>
  using MemberAt = typename std::tuple_element_t<I, Columns>::Type;

  // Whether every member has a Reader, so rows can be decoded whole.
  template <size_t... I>
  static constexpr bool AllReadable(std::index_sequence<I...>) {
    return (internal::HasReader<internal::CodecOf<MemberAt<I>>>::value && ...);
  }
  static constexpr bool kReadable = AllReadable(std::make_index_sequence<kColumns>());

  // Decodes rows `range` of the batch into out[0 ..): row by row when every column is of
  // its member's native type, else column by column, a cache-sized block at a time.
  arrow::Status DecodeAt(const arrow::RecordBatch& batch, internal::RowRange rows,
                         T* out) const {
    if constexpr (kReadable) {
      if (CanReadRows(batch, std::make_index_sequence<kColumns>())) {
        ReadRows(batch, rows, out, std::make_index_sequence<kColumns>());
        return arrow::Status::OK();
      }
    }
    constexpr int64_t kBlock = 1024;
    arrow::Status status;
    for (int64_t begin = rows.begin; begin < rows.end && status.ok(); begin += kBlock) {
      const internal::RowRange range{begin, std::min(rows.end, begin + kBlock)};
      T* block = out + (begin - rows.begin);
      size_t column = 0;
      std::apply(
          [&](const auto&... spec) {
            ((status = status.ok()
                           ? internal::DecodeColumn(*batch.column(indices_[column++]),
                                                    spec, range, block)
                           : status),
             ...);
          },
          RowTraits<T>::columns);
    }
    return status;
  }

  template <size_t... I>
  bool CanReadRows(const arrow::RecordBatch& batch, std::index_sequence<I...>) const {
    return (internal::MemberReader<MemberAt<I>>::CanRead(*batch.column(indices_[I])) &&
            ...);
  }

  template <size_t... I>
  void ReadRows(const arrow::RecordBatch& batch, internal::RowRange rows, T* out,
                std::index_sequence<I...>) const {
    const std::tuple<internal::MemberReader<MemberAt<I>>...> readers(
        internal::MemberReader<MemberAt<I>>(*batch.column(indices_[I]))...);
    for (int64_t i = rows.begin; i < rows.end; ++i) {
      T& row = out[i - rows.begin];
      (std::get<I>(readers).Assign(i, row.*std::get<I>(RowTraits<T>::columns).member),
       ...);
    }
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
    if (!internal::CodecOf<M>::Accepts(type)) {
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
  return arrow::schema(internal::RowFields<T>());
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
      status = internal::AppendMember(out, rows[i].*spec.member);
    }
  };
  std::apply([&](const auto&... spec) { (encode(spec), ...); }, RowTraits<T>::columns);
  ARROW_RETURN_NOT_OK(status);
  return builder->Flush();
}

}  // namespace sluice
