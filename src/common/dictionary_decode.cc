#include "common/dictionary_decode.h"

#include <cstring>

#include <arrow/array/array_binary.h>
#include <arrow/array/array_dict.h>
#include <arrow/buffer.h>
#include <arrow/compute/cast.h>
#include <arrow/type_traits.h>
#include <arrow/util/bit_util.h>

namespace sluice {

namespace {

// Values up to this long are copied as one fixed-size block (the buffers have room).
constexpr int32_t kShortValue = 16;

// The dictionary's bytes with kShortValue bytes of room after the last value.
arrow::Result<std::shared_ptr<arrow::Buffer>> PaddedValues(
    const arrow::BinaryArray& dictionary, arrow::MemoryPool* pool) {
  const int64_t size = dictionary.total_values_length();
  ARROW_ASSIGN_OR_RAISE(auto padded, arrow::AllocateBuffer(size + kShortValue, pool));
  if (size > 0)
    std::memcpy(padded->mutable_data(),
                dictionary.raw_data() + dictionary.value_offset(0), size);
  std::memset(padded->mutable_data() + size, 0, kShortValue);
  return std::shared_ptr<arrow::Buffer>(std::move(padded));
}

template <typename Index>
arrow::Result<std::shared_ptr<arrow::Array>> DecodeStrings(
    const arrow::DictionaryArray& array, const arrow::BinaryArray& dictionary,
    arrow::MemoryPool* pool) {
  const int64_t length = array.length();
  const auto& indices = *array.indices();
  const auto* index = indices.data()->GetValues<Index>(1);
  const int32_t* starts = dictionary.raw_value_offsets();
  const int32_t base = starts[0];
  ARROW_ASSIGN_OR_RAISE(auto offsets_buffer,
                        arrow::AllocateBuffer((length + 1) * sizeof(int32_t), pool));
  auto* offsets = reinterpret_cast<int32_t*>(offsets_buffer->mutable_data());
  const int64_t entries = dictionary.length();
  int64_t total = 0;
  offsets[0] = 0;
  for (int64_t i = 0; i < length; ++i) {
    if (indices.IsValid(i)) {
      const auto value = static_cast<int64_t>(index[i]);
      if (value < 0 || value >= entries) {
        return arrow::Status::Invalid("dictionary index ", value,
                                      " out of range: ", entries, " entries");
      }
      total += starts[value + 1] - starts[value];
    }
    if (total > INT32_MAX) {
      return arrow::Status::CapacityError("decoded strings exceed 2 GiB");
    }
    offsets[i + 1] = static_cast<int32_t>(total);
  }
  ARROW_ASSIGN_OR_RAISE(auto padded, PaddedValues(dictionary, pool));
  ARROW_ASSIGN_OR_RAISE(auto data, arrow::AllocateBuffer(total + kShortValue, pool));
  const uint8_t* source = padded->data();
  uint8_t* out = data->mutable_data();
  for (int64_t i = 0; i < length; ++i) {
    const int32_t size = offsets[i + 1] - offsets[i];
    if (size == 0) continue;
    const auto value = static_cast<int64_t>(index[i]);
    const uint8_t* from = source + (starts[value] - base);
    if (size <= kShortValue) {
      std::memcpy(out + offsets[i], from, kShortValue);
    } else {
      std::memcpy(out + offsets[i], from, static_cast<size_t>(size));
    }
  }
  std::shared_ptr<arrow::Buffer> validity;
  if (indices.null_count() > 0) {
    ARROW_ASSIGN_OR_RAISE(validity,
                          arrow::internal::CopyBitmap(pool, indices.null_bitmap_data(),
                                                      indices.offset(), length));
  }
  auto decoded = arrow::ArrayData::Make(
      dictionary.type(), length,
      {std::move(validity), std::move(offsets_buffer), std::move(data)},
      indices.null_count());
  return arrow::MakeArray(std::move(decoded));
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::Array>> DecodeDictionary(const arrow::Array& array,
                                                              arrow::MemoryPool* pool) {
  const auto& dict_array = static_cast<const arrow::DictionaryArray&>(array);
  const auto& type = static_cast<const arrow::DictionaryType&>(*array.type());
  const auto value_id = type.value_type()->id();
  const bool plain_strings =
      value_id == arrow::Type::STRING || value_id == arrow::Type::BINARY;
  if (plain_strings && dict_array.dictionary()->null_count() == 0) {
    const auto& dictionary =
        static_cast<const arrow::BinaryArray&>(*dict_array.dictionary());
    switch (type.index_type()->id()) {
      case arrow::Type::INT8:
        return DecodeStrings<int8_t>(dict_array, dictionary, pool);
      case arrow::Type::INT16:
        return DecodeStrings<int16_t>(dict_array, dictionary, pool);
      case arrow::Type::INT32:
        return DecodeStrings<int32_t>(dict_array, dictionary, pool);
      case arrow::Type::INT64:
        return DecodeStrings<int64_t>(dict_array, dictionary, pool);
      default:
        break;
    }
  }
  arrow::compute::ExecContext context(pool);
  return arrow::compute::Cast(array, type.value_type(),
                              arrow::compute::CastOptions::Safe(), &context);
}

}  // namespace sluice
