#include "exec/key_hashes.h"

#include <cstring>

namespace sluice::exec {

namespace {

// Fixed-width values of kWidth bytes after their NULL flag, at each row's cursor.
template <int kWidth>
void EncodeFixed(const arrow::ArraySpan& column, int64_t length, uint8_t* rows,
                 uint32_t* cursors, int width = kWidth) {
  const uint8_t* values = column.buffers[1].data + column.offset * width;
  const bool nullable = column.MayHaveNulls();
  for (int64_t i = 0; i < length; ++i) {
    uint8_t* out = rows + cursors[i];
    const bool valid = !nullable || column.IsValid(i);
    out[0] = valid;
    if (valid) {
      std::memcpy(out + 1, values + i * width, kWidth > 0 ? kWidth : width);
    } else {
      std::memset(out + 1, 0, kWidth > 0 ? kWidth : width);
    }
    cursors[i] += 1 + width;
  }
}

// Copies a short byte string without a call (keys are mostly a few bytes).
void CopyBytes(uint8_t* out, const uint8_t* in, uint32_t size) {
  for (; size >= 8; in += 8, out += 8, size -= 8) std::memcpy(out, in, 8);
  for (; size > 0; --size) *out++ = *in++;
}

void EncodeStrings(const arrow::ArraySpan& column, int64_t length, uint8_t* rows,
                   uint32_t* cursors) {
  const int32_t* offsets = column.GetValues<int32_t>(1);
  const uint8_t* data = column.buffers[2].data;
  const bool nullable = column.MayHaveNulls();
  for (int64_t i = 0; i < length; ++i) {
    uint8_t* out = rows + cursors[i];
    const bool valid = !nullable || column.IsValid(i);
    const uint32_t size = valid ? offsets[i + 1] - offsets[i] : 0;
    out[0] = valid;
    std::memcpy(out + 1, &size, 4);
    CopyBytes(out + 5, data + offsets[i], size);
    cursors[i] += 5 + size;
  }
}

}  // namespace

const std::vector<uint64_t>& KeyHashes::Compute(
    const std::vector<const arrow::ArraySpan*>& keys, int64_t length) {
  EncodeAll(keys, length);
  hashes_.resize(static_cast<size_t>(length));
  for (int64_t i = 0; i < length; ++i) {
    hashes_[i] = KeyLayout::HashEncoded(rows_.data() + row_offsets_[i],
                                        row_offsets_[i + 1] - row_offsets_[i]);
  }
  return hashes_;
}

void KeyHashes::EncodeAll(const std::vector<const arrow::ArraySpan*>& keys,
                          int64_t length) {
  const auto& widths = layout_->widths();
  uint32_t fixed = 0;
  for (int width : widths) fixed += 1 + (width > 0 ? width : 4);
  row_offsets_.assign(static_cast<size_t>(length) + 1, 0);
  for (int64_t i = 0; i < length; ++i) row_offsets_[i + 1] = fixed;
  for (size_t c = 0; c < keys.size(); ++c) {
    if (widths[c] > 0) continue;
    const arrow::ArraySpan& column = *keys[c];
    const int32_t* offsets = column.GetValues<int32_t>(1);
    for (int64_t i = 0; i < length; ++i) {
      if (column.IsValid(i)) row_offsets_[i + 1] += offsets[i + 1] - offsets[i];
    }
  }
  for (int64_t i = 0; i < length; ++i) row_offsets_[i + 1] += row_offsets_[i];
  rows_.resize(row_offsets_[length]);
  cursors_.assign(row_offsets_.begin(), row_offsets_.end() - 1);
  uint8_t* rows = rows_.data();
  for (size_t c = 0; c < keys.size(); ++c) {
    const arrow::ArraySpan& column = *keys[c];
    switch (widths[c]) {
      case 0:
        EncodeStrings(column, length, rows, cursors_.data());
        break;
      case 1:
        EncodeFixed<1>(column, length, rows, cursors_.data());
        break;
      case 2:
        EncodeFixed<2>(column, length, rows, cursors_.data());
        break;
      case 4:
        EncodeFixed<4>(column, length, rows, cursors_.data());
        break;
      case 8:
        EncodeFixed<8>(column, length, rows, cursors_.data());
        break;
      case 16:
        EncodeFixed<16>(column, length, rows, cursors_.data());
        break;
      default:
        EncodeFixed<0>(column, length, rows, cursors_.data(), widths[c]);
        break;
    }
  }
}

}  // namespace sluice::exec
