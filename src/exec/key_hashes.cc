#include "exec/key_hashes.h"

#include <cstring>

namespace sluice::exec {

namespace {

// Each row's fixed-width value of kWidth bytes into its packed key at byte `at`.
template <int kWidth>
void PackFixed(const arrow::ArraySpan& column, int64_t length, int at, PackedKey* keys,
               int width = kWidth) {
  const uint8_t* values = column.buffers[1].data + column.offset * width;
  for (int64_t i = 0; i < length; ++i) {
    std::memcpy(reinterpret_cast<uint8_t*>(&keys[i]) + at, values + i * width,
                kWidth > 0 ? kWidth : width);
  }
}

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
  bool nulls = false;
  for (const auto* key : keys) nulls |= key->MayHaveNulls();
  hashes_.resize(static_cast<size_t>(length));
  if (layout_->packed_width() > 0 && !nulls) {
    PackAll(keys, length);
    for (int64_t i = 0; i < length; ++i) hashes_[i] = KeyLayout::HashPacked(packed_[i]);
    return hashes_;
  }
  // A key without NULLs hashes as its packed form wherever keys can be packed.
  EncodeAll(keys, length);
  for (int64_t i = 0; i < length; ++i) {
    const uint8_t* encoded = rows_.data() + row_offsets_[i];
    PackedKey packed;
    hashes_[i] =
        layout_->Pack(encoded, &packed)
            ? KeyLayout::HashPacked(packed)
            : KeyLayout::HashEncoded(encoded, row_offsets_[i + 1] - row_offsets_[i]);
  }
  return hashes_;
}

void KeyHashes::PackAll(const std::vector<const arrow::ArraySpan*>& keys,
                        int64_t length) {
  packed_.assign(static_cast<size_t>(length), PackedKey{});
  PackedKey* rows = packed_.data();
  int at = 0;
  for (size_t c = 0; c < keys.size(); ++c) {
    const int width = layout_->widths()[c];
    switch (width) {
      case 1:
        PackFixed<1>(*keys[c], length, at, rows);
        break;
      case 2:
        PackFixed<2>(*keys[c], length, at, rows);
        break;
      case 4:
        PackFixed<4>(*keys[c], length, at, rows);
        break;
      case 8:
        PackFixed<8>(*keys[c], length, at, rows);
        break;
      default:
        PackFixed<0>(*keys[c], length, at, rows, width);
        break;
    }
    at += width;
  }
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
