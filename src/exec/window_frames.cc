#include "exec/window_frames.h"

#include <algorithm>

#include <arrow/array.h>
#include <arrow/compute/api.h>

namespace sluice::exec {

namespace cp = arrow::compute;
using plan::WindowFrame;
using Bound = WindowFrame::Bound;

namespace {

int64_t Clamp(int64_t value, int64_t low, int64_t high) {
  return std::max(low, std::min(value, high));
}

// Peer groups of a chunk: the first row of each, and each row's group.
struct Groups {
  std::vector<int64_t> start;
  std::vector<int64_t> of_row;

  int64_t End(int64_t group, int64_t rows) const {
    return group + 1 < static_cast<int64_t>(start.size()) ? start[group + 1] : rows;
  }
};

Groups MakeGroups(const WindowLayout& layout) {
  Groups groups;
  groups.of_row.resize(static_cast<size_t>(layout.rows));
  for (int64_t i = 0; i < layout.rows; ++i) {
    if (layout.peer_start[i] == i) groups.start.push_back(i);
    groups.of_row[i] = static_cast<int64_t>(groups.start.size()) - 1;
  }
  return groups;
}

// A RANGE frame's ORDER BY key, made ascending (negated when the frame runs descending),
// and where each row's partition's non-NULL keys lie: NULLs sort together at one end.
struct RangeKey {
  std::vector<__int128> value;
  std::vector<uint8_t> valid;
  std::vector<int64_t> valid_start, valid_end;
};

arrow::Result<RangeKey> MakeRangeKey(const arrow::Array& column, bool descending,
                                     const WindowLayout& layout) {
  std::shared_ptr<arrow::Array> ints;
  if (column.type_id() == arrow::Type::DATE32) {
    ARROW_ASSIGN_OR_RAISE(ints, column.View(arrow::int32()));
  } else if (column.type_id() == arrow::Type::TIMESTAMP) {
    ARROW_ASSIGN_OR_RAISE(ints, column.View(arrow::int64()));
  } else {
    ints = arrow::MakeArray(column.data());
  }
  ARROW_ASSIGN_OR_RAISE(auto wide, cp::Cast(*ints, arrow::int64()));
  const auto& values = static_cast<const arrow::Int64Array&>(*wide);
  RangeKey key;
  const auto n = static_cast<size_t>(layout.rows);
  key.value.resize(n);
  key.valid.resize(n);
  key.valid_start.resize(n);
  key.valid_end.resize(n);
  for (int64_t i = 0; i < layout.rows; ++i) {
    key.valid[i] = values.IsValid(i);
    key.value[i] = descending ? -static_cast<__int128>(values.Value(i)) : values.Value(i);
  }
  for (int64_t ps = 0; ps < layout.rows; ps = layout.part_end[ps]) {
    int64_t lo = ps, hi = layout.part_end[ps];
    while (lo < hi && !key.valid[lo]) ++lo;
    while (hi > lo && !key.valid[hi - 1]) --hi;
    for (int64_t i = ps; i < layout.part_end[ps]; ++i) {
      key.valid_start[i] = lo;
      key.valid_end[i] = hi;
    }
  }
  return key;
}

// Resolves frame bounds to row positions: a start bound to the frame's first row, an
// end bound to one past its last.
class BoundResolver {
 public:
  BoundResolver(const WindowFrame& frame, const WindowLayout& layout,
                const Groups* groups, const RangeKey* key)
      : frame_(frame), layout_(layout), groups_(groups), key_(key) {}

  int64_t Resolve(Bound bound, int64_t offset, bool is_start, int64_t i) const {
    const int64_t ps = layout_.part_start[i], pe = layout_.part_end[i];
    switch (bound) {
      case Bound::kUnboundedPreceding:
        return ps;
      case Bound::kUnboundedFollowing:
        return pe;
      case Bound::kCurrentRow:
        if (frame_.unit == WindowFrame::Unit::kRows) return is_start ? i : i + 1;
        return is_start ? layout_.peer_start[i] : layout_.peer_end[i];
      case Bound::kPreceding:
      case Bound::kFollowing:
        break;
    }
    const int64_t delta = bound == Bound::kPreceding ? -offset : offset;
    switch (frame_.unit) {
      case WindowFrame::Unit::kRows:
        return Clamp(i + delta + (is_start ? 0 : 1), ps, pe);
      case WindowFrame::Unit::kGroups:
        return GroupPosition(delta, is_start, i);
      case WindowFrame::Unit::kRange:
        break;
    }
    return RangePosition(delta, is_start, i);
  }

 private:
  int64_t GroupPosition(int64_t delta, bool is_start, int64_t i) const {
    const int64_t ps = layout_.part_start[i], pe = layout_.part_end[i];
    const int64_t target = groups_->of_row[i] + delta;
    if (target < groups_->of_row[ps]) return ps;
    if (target > groups_->of_row[pe - 1]) return pe;
    return is_start ? groups_->start[target] : groups_->End(target, layout_.rows);
  }

  int64_t RangePosition(int64_t delta, bool is_start, int64_t i) const {
    if (!key_->valid[i]) return is_start ? layout_.peer_start[i] : layout_.peer_end[i];
    const __int128 target = key_->value[i] + delta;
    const auto first = key_->value.begin() + key_->valid_start[i];
    const auto last = key_->value.begin() + key_->valid_end[i];
    const auto found = is_start ? std::lower_bound(first, last, target)
                                : std::upper_bound(first, last, target);
    return found - key_->value.begin();
  }

  const WindowFrame& frame_;
  const WindowLayout& layout_;
  const Groups* groups_;
  const RangeKey* key_;
};

bool HasOffset(const WindowFrame& frame) {
  const auto offset = [](Bound b) {
    return b == Bound::kPreceding || b == Bound::kFollowing;
  };
  return offset(frame.start) || offset(frame.end);
}

}  // namespace

arrow::Result<WindowFrames> ComputeFrames(const WindowFrame& frame,
                                          const WindowLayout& layout,
                                          const arrow::Array* key) {
  Groups groups;
  if (frame.unit == WindowFrame::Unit::kGroups) groups = MakeGroups(layout);
  RangeKey range;
  if (frame.unit == WindowFrame::Unit::kRange && HasOffset(frame)) {
    if (key == nullptr) {
      return arrow::Status::Invalid("a RANGE frame with an offset needs an ORDER BY key");
    }
    ARROW_ASSIGN_OR_RAISE(range, MakeRangeKey(*key, frame.descending, layout));
  }
  const BoundResolver resolver(frame, layout, &groups, &range);
  WindowFrames out;
  out.lo.resize(static_cast<size_t>(layout.rows));
  out.hi.resize(static_cast<size_t>(layout.rows));
  for (int64_t i = 0; i < layout.rows; ++i) {
    const int64_t lo = resolver.Resolve(frame.start, frame.start_offset, true, i);
    const int64_t hi = resolver.Resolve(frame.end, frame.end_offset, false, i);
    out.lo[i] = lo;
    out.hi[i] = std::max(lo, hi);
  }
  return out;
}

}  // namespace sluice::exec
