#include "exec/ordered_groups.h"

#include <limits>

#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/type.h>

namespace sluice::exec {

namespace {

// How many of `values` start a new group after `last` (`has_last`: a group exists), or
// -1 if a value is below the one before it.
template <typename T>
int64_t CountNewGroups(const T* values, int64_t length, bool has_last, int64_t last) {
  int64_t fresh = 0;
  for (int64_t i = 0; i < length; ++i) {
    const auto value = static_cast<int64_t>(values[i]);
    if (has_last && value < last) return -1;
    fresh += !has_last || value != last;
    has_last = true;
    last = value;
  }
  return fresh;
}

// Numbers the groups CountNewGroups counted, after the `groups_before` there are
// (`continues`: the first value may be the last group's).
template <typename T>
void AssignGroups(const T* values, int64_t length, int64_t* keys, int64_t groups_before,
                  bool continues, uint32_t* groups) {
  int64_t group = groups_before - 1;
  bool open = continues;
  for (int64_t i = 0; i < length; ++i) {
    const auto value = static_cast<int64_t>(values[i]);
    if (!open || keys[group] != value) keys[++group] = value;
    open = true;
    groups[i] = static_cast<uint32_t>(group);
  }
}

template <typename T>
void Narrow(const int64_t* keys, int64_t n, uint8_t* out) {
  auto* values = reinterpret_cast<T*>(out);
  for (int64_t i = 0; i < n; ++i) values[i] = static_cast<T>(keys[i]);
}

}  // namespace

bool OrderedGroups::Supports(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::DATE32:
    case arrow::Type::DATE64:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::DURATION:
      return true;
    default:
      return false;
  }
}

arrow::Result<bool> OrderedGroups::Consume(const arrow::ArraySpan& keys,
                                           uint32_t* groups) {
  if (keys.length == 0) return true;
  if (keys.GetNullCount() != 0) return false;
  switch (keys.type->byte_width()) {
    case 2:
      return ConsumeValues(keys.GetValues<int16_t>(1), keys.length, groups);
    case 4:
      return ConsumeValues(keys.GetValues<int32_t>(1), keys.length, groups);
    default:
      return ConsumeValues(keys.GetValues<int64_t>(1), keys.length, groups);
  }
}

template <typename T>
arrow::Result<bool> OrderedGroups::ConsumeValues(const T* values, int64_t length,
                                                 uint32_t* groups) {
  const int64_t before = keys_.size();
  // A batch that starts below the last group starts a segment.
  const bool continues = before > 0 && values[0] >= keys_[before - 1];
  if (before > 0 && !continues && segments_.size() > kMaxSegments) return false;
  const int64_t last = continues ? keys_[before - 1] : 0;
  const int64_t fresh = CountNewGroups(values, length, continues, last);
  if (fresh < 0) return false;
  if (before + fresh > std::numeric_limits<uint32_t>::max()) return false;
  ARROW_RETURN_NOT_OK(keys_.Resize(before + fresh));
  if (before > 0 && !continues) segments_.push_back(before);
  segments_.back() = before + fresh;
  AssignGroups(values, length, keys_.data(), before, continues, groups);
  return true;
}

arrow::Result<std::shared_ptr<arrow::ArrayData>> OrderedGroups::Keys(
    const std::shared_ptr<arrow::DataType>& type, int64_t begin, int64_t end) const {
  const int64_t n = end - begin;
  const int width = type->byte_width();
  ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateBuffer(n * width, pool_));
  const int64_t* from = keys_.data() + begin;
  switch (width) {
    case 2:
      Narrow<int16_t>(from, n, buffer->mutable_data());
      break;
    case 4:
      Narrow<int32_t>(from, n, buffer->mutable_data());
      break;
    default:
      Narrow<int64_t>(from, n, buffer->mutable_data());
  }
  return arrow::ArrayData::Make(type, n, {nullptr, std::move(buffer)}, 0);
}

}  // namespace sluice::exec
