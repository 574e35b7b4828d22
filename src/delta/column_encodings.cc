#include "delta/column_encodings.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <arrow/api.h>

namespace sluice::delta {

namespace {

// Below this many rows a sample says little about the rest of a file.
constexpr int64_t kMinSampleRows = 4096;
// The writer's dictionary page limit: a larger dictionary falls back to PLAIN.
constexpr int64_t kDictionaryPageBytes = 1024 * 1024;
// DELTA_BINARY_PACKED packs the deltas of 32 values at one bit width.
constexpr size_t kMiniblockValues = 32;

int BitWidth(uint64_t value) { return value == 0 ? 0 : 64 - __builtin_clzll(value); }

// The Parquet physical width (4 or 8 bytes) an integer-backed column is stored with, or
// 0 for a column stored otherwise.
int StoredWidth(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::DATE32:
    case arrow::Type::TIME32:
      return 4;
    case arrow::Type::INT64:
    case arrow::Type::UINT64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME64:
      return 8;
    case arrow::Type::DECIMAL128: {
      const int precision = static_cast<const arrow::Decimal128Type&>(type).precision();
      return precision <= 9 ? 4 : precision <= 18 ? 8 : 0;
    }
    default:
      return 0;
  }
}

// The non-null values of a fixed-width integer-backed array, sign-extended to 64 bits (a
// DECIMAL's low word holds its whole unscaled value when it is stored as an integer).
std::vector<int64_t> IntegerValues(const arrow::Array& array) {
  const int byte_width = array.type()->byte_width();
  const uint8_t* data = array.data()->buffers[1]->data() + array.offset() * byte_width;
  std::vector<int64_t> values;
  values.reserve(static_cast<size_t>(array.length() - array.null_count()));
  for (int64_t i = 0; i < array.length(); ++i) {
    if (array.IsNull(i)) continue;
    const uint8_t* slot = data + i * byte_width;
    int64_t value = 0;
    switch (byte_width) {
      case 1:
        value = static_cast<int8_t>(*slot);
        break;
      case 2: {
        int16_t v;
        std::memcpy(&v, slot, sizeof(v));
        value = v;
        break;
      }
      case 4: {
        int32_t v;
        std::memcpy(&v, slot, sizeof(v));
        value = v;
        break;
      }
      default:  // 8, and the low word of a 16-byte DECIMAL
        std::memcpy(&value, slot, sizeof(value));
    }
    values.push_back(value);
  }
  return values;
}

// Bytes of `values` as DELTA_BINARY_PACKED: per miniblock, its deltas' spread packed.
int64_t DeltaBytes(const std::vector<int64_t>& values) {
  int64_t bytes = 0;
  for (size_t start = 1; start < values.size(); start += kMiniblockValues) {
    const size_t end = std::min(values.size(), start + kMiniblockValues);
    int64_t low = INT64_MAX, high = INT64_MIN;
    for (size_t i = start; i < end; ++i) {
      const auto delta = static_cast<int64_t>(static_cast<uint64_t>(values[i]) -
                                              static_cast<uint64_t>(values[i - 1]));
      low = std::min(low, delta);
      high = std::max(high, delta);
    }
    const int width = BitWidth(static_cast<uint64_t>(high) - static_cast<uint64_t>(low));
    bytes += (static_cast<int64_t>(kMiniblockValues) * width + 7) / 8 + 1;
  }
  return bytes;
}

// Bytes of `values` as a dictionary page of `width`-byte entries and bit-packed indices;
// nullopt when the dictionary would outgrow its page.
std::optional<int64_t> DictionaryBytes(std::vector<int64_t> values, int width) {
  std::sort(values.begin(), values.end());
  const auto distinct =
      static_cast<int64_t>(std::unique(values.begin(), values.end()) - values.begin());
  if (distinct * width > kDictionaryPageBytes) return std::nullopt;
  const int index_width =
      BitWidth(static_cast<uint64_t>(std::max<int64_t>(distinct - 1, 0)));
  return distinct * width + (static_cast<int64_t>(values.size()) * index_width + 7) / 8;
}

bool MostlyDistinct(const arrow::Array& array) {
  const auto& binary = static_cast<const arrow::BinaryArray&>(array);
  std::unordered_set<std::string_view> seen;
  int64_t values = 0;
  for (int64_t i = 0; i < binary.length(); ++i) {
    if (binary.IsNull(i)) continue;
    ++values;
    seen.insert(binary.GetView(i));
  }
  return static_cast<int64_t>(seen.size()) * 2 > values;
}

}  // namespace

void ChooseColumnEncodings(const arrow::RecordBatch& sample,
                           parquet::WriterProperties::Builder* builder) {
  if (sample.num_rows() < kMinSampleRows) return;
  const int64_t rows = std::min(sample.num_rows(), kEncodingSampleRows);
  for (int c = 0; c < sample.num_columns(); ++c) {
    const auto array = sample.column(c)->Slice(0, rows);
    const std::string& name = sample.schema()->field(c)->name();
    const auto id = array->type_id();
    if (const int width = StoredWidth(*array->type()); width > 0) {
      const auto values = IntegerValues(*array);
      if (values.size() < static_cast<size_t>(kMinSampleRows)) continue;
      const auto dictionary = DictionaryBytes(values, width);
      // A dictionary up to a quarter larger still wins: its indices decode faster.
      if (dictionary && *dictionary <= DeltaBytes(values) * 5 / 4) continue;
      builder->disable_dictionary(name)->encoding(name,
                                                  parquet::Encoding::DELTA_BINARY_PACKED);
    } else if (id == arrow::Type::STRING || id == arrow::Type::BINARY) {
      if (MostlyDistinct(*array)) builder->disable_dictionary(name);
    }
  }
}

}  // namespace sluice::delta
