#include "exec/row_gather.h"

#include <algorithm>
#include <cstring>

#include <arrow/buffer.h>
#include <arrow/type.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_ops.h>

namespace sluice::exec {

namespace {

// The selection's bits for rows [base, base + 8) of `length`, the bits past the end
// cleared.
inline unsigned SelectionByte(const uint8_t* selection, int64_t base, int64_t length) {
  const int64_t rows = length - base;
  const unsigned live = rows >= 8 ? 0xFFu : (1u << rows) - 1;
  return selection[base / 8] & live;
}

// The rows of a selection bitmap (offset 0) gathered from values of `kWidth` bytes, a
// byte of the bitmap (8 rows) at a time: all or none of its rows at once; one or two
// rows (selective predicates) each found by its bit; else row by row without branches
// (each row is written, the position advances if selected; `out` has room for one row
// more than is selected).
template <int kWidth>
void Gather(const uint8_t* selection, int64_t length, const uint8_t* in, uint8_t* out) {
  int64_t n = 0;
  for (int64_t base = 0; base < length; base += 8) {
    unsigned bits = SelectionByte(selection, base, length);
    if (bits == 0) continue;
    const uint8_t* rows = in + base * kWidth;
    if (bits == 0xFF) {
      std::memcpy(out + n * kWidth, rows, 8 * kWidth);
      n += 8;
    } else if (const unsigned rest = bits & (bits - 1); (rest & (rest - 1)) == 0) {
      for (; bits != 0; bits &= bits - 1) {
        std::memcpy(out + n++ * kWidth, rows + __builtin_ctz(bits) * kWidth, kWidth);
      }
    } else {
      const int64_t count = std::min<int64_t>(8, length - base);
      for (int64_t j = 0; j < count; ++j) {
        std::memcpy(out + n * kWidth, rows + j * kWidth, kWidth);
        n += (bits >> j) & 1;
      }
    }
  }
}

// The validity bits of the selected rows.
void GatherBits(const uint8_t* selection, int64_t length, const uint8_t* in,
                int64_t in_offset, uint8_t* out) {
  int64_t n = 0;
  for (int64_t base = 0; base < length; base += 8) {
    for (unsigned bits = SelectionByte(selection, base, length); bits != 0;
         bits &= bits - 1) {
      const int64_t row = base + __builtin_ctz(bits);
      arrow::bit_util::SetBitTo(out, n++, arrow::bit_util::GetBit(in, in_offset + row));
    }
  }
}

// The byte width our gather handles for `type`; 0 to leave the column to Arrow.
int GatherWidth(const arrow::DataType& type) {
  if (type.id() == arrow::Type::DICTIONARY || type.id() == arrow::Type::EXTENSION ||
      type.id() == arrow::Type::BOOL || !arrow::is_fixed_width(type.id())) {
    return 0;
  }
  const int bits = type.bit_width();
  const int width = bits / 8;
  const bool supported =
      width == 1 || width == 2 || width == 4 || width == 8 || width == 16;
  return bits % 8 == 0 && supported ? width : 0;
}

// Validity of the selected rows of `values`, if it has NULLs: the bitmap and the count.
arrow::Status SelectedValidity(const arrow::ArrayData& values, const uint8_t* selection,
                               int64_t selected, arrow::MemoryPool* pool,
                               std::shared_ptr<arrow::Buffer>* validity,
                               int64_t* null_count) {
  *null_count = 0;
  if (!values.MayHaveNulls() || values.GetNullCount() == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(*validity, arrow::AllocateEmptyBitmap(selected, pool));
  GatherBits(selection, values.length, values.buffers[0]->data(), values.offset,
             (*validity)->mutable_data());
  *null_count =
      selected - arrow::internal::CountSetBits((*validity)->data(), 0, selected);
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::ArrayData>> FilterFixedWidth(
    const arrow::ArrayData& values, int width, const uint8_t* selection, int64_t selected,
    arrow::MemoryPool* pool) {
  ARROW_ASSIGN_OR_RAISE(auto data, arrow::AllocateBuffer((selected + 1) * width, pool));
  const uint8_t* in = values.buffers[1]->data() + values.offset * width;
  uint8_t* out = data->mutable_data();
  switch (width) {
    case 1:
      Gather<1>(selection, values.length, in, out);
      break;
    case 2:
      Gather<2>(selection, values.length, in, out);
      break;
    case 4:
      Gather<4>(selection, values.length, in, out);
      break;
    case 8:
      Gather<8>(selection, values.length, in, out);
      break;
    default:
      Gather<16>(selection, values.length, in, out);
      break;
  }
  std::shared_ptr<arrow::Buffer> validity;
  int64_t null_count = 0;
  ARROW_RETURN_NOT_OK(
      SelectedValidity(values, selection, selected, pool, &validity, &null_count));
  return arrow::ArrayData::Make(values.type, selected,
                                {std::move(validity), std::move(data)}, null_count);
}

// The selected rows of a string or binary column (32-bit offsets): their offsets first,
// then their bytes, a whole byte of the selection's rows at once where all are selected.
arrow::Result<std::shared_ptr<arrow::ArrayData>> FilterStrings(
    const arrow::ArrayData& values, const uint8_t* selection, int64_t selected,
    arrow::MemoryPool* pool) {
  const int32_t* offsets = values.GetValues<int32_t>(1);
  const uint8_t* bytes = values.buffers[2] ? values.buffers[2]->data() : nullptr;
  ARROW_ASSIGN_OR_RAISE(auto out_offsets,
                        arrow::AllocateBuffer((selected + 1) * sizeof(int32_t), pool));
  auto* out = reinterpret_cast<int32_t*>(out_offsets->mutable_data());
  int64_t n = 0;
  out[0] = 0;
  for (int64_t i = 0; i < values.length; ++i) {
    if (!arrow::bit_util::GetBit(selection, i)) continue;
    out[n + 1] = out[n] + (offsets[i + 1] - offsets[i]);
    ++n;
  }
  ARROW_ASSIGN_OR_RAISE(auto data, arrow::AllocateBuffer(out[selected], pool));
  uint8_t* to = data->mutable_data();
  for (int64_t base = 0; base < values.length; base += 8) {
    const uint8_t bits = selection[base / 8];
    const int64_t rows = std::min<int64_t>(8, values.length - base);
    if (bits == 0) continue;
    if (bits == 0xFF && rows == 8) {
      const int32_t size = offsets[base + 8] - offsets[base];
      if (size > 0) std::memcpy(to, bytes + offsets[base], static_cast<size_t>(size));
      to += size;
      continue;
    }
    for (int64_t j = 0; j < rows; ++j) {
      if (!((bits >> j) & 1)) continue;
      const int32_t size = offsets[base + j + 1] - offsets[base + j];
      if (size > 0) std::memcpy(to, bytes + offsets[base + j], static_cast<size_t>(size));
      to += size;
    }
  }
  std::shared_ptr<arrow::Buffer> validity;
  int64_t null_count = 0;
  ARROW_RETURN_NOT_OK(
      SelectedValidity(values, selection, selected, pool, &validity, &null_count));
  return arrow::ArrayData::Make(
      values.type, selected,
      {std::move(validity), std::move(out_offsets), std::move(data)}, null_count);
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::Buffer>> SelectionOf(const arrow::ArrayData& mask,
                                                          arrow::MemoryPool* pool) {
  const uint8_t* values = mask.buffers[1]->data();
  if (!mask.MayHaveNulls()) {
    return arrow::internal::CopyBitmap(pool, values, mask.offset, mask.length);
  }
  return arrow::internal::BitmapAnd(pool, values, mask.offset, mask.buffers[0]->data(),
                                    mask.offset, mask.length, /*out_offset=*/0);
}

arrow::Result<std::shared_ptr<arrow::ArrayData>> GatherSelected(
    const arrow::ArrayData& column, const uint8_t* selection, int64_t selected,
    arrow::MemoryPool* pool) {
  if (column.type->id() == arrow::Type::DICTIONARY) {
    const auto& type = static_cast<const arrow::DictionaryType&>(*column.type);
    const int width = GatherWidth(*type.index_type());
    if (width == 0) return nullptr;
    ARROW_ASSIGN_OR_RAISE(auto indices,
                          FilterFixedWidth(column, width, selection, selected, pool));
    indices->dictionary = column.dictionary;
    return indices;
  }
  if (const int width = GatherWidth(*column.type)) {
    return FilterFixedWidth(column, width, selection, selected, pool);
  }
  if (column.type->id() == arrow::Type::STRING ||
      column.type->id() == arrow::Type::BINARY) {
    return FilterStrings(column, selection, selected, pool);
  }
  return nullptr;
}

}  // namespace sluice::exec
