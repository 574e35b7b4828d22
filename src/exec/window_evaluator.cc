#include "exec/window_evaluator.h"

#include <cmath>
#include <cstring>
#include <deque>

#include <arrow/api.h>
#include <arrow/compute/api.h>

#include "exec/window_frames.h"

namespace sluice::exec {

namespace cp = arrow::compute;
using plan::WindowCall;
using plan::WindowFrame;

namespace {

// Ranges [start, end) from the rows where a new range begins.
void Spans(const std::vector<uint8_t>& begins, std::vector<int64_t>* start,
           std::vector<int64_t>* end) {
  const auto n = static_cast<int64_t>(begins.size());
  start->resize(begins.size());
  end->resize(begins.size());
  for (int64_t i = 0; i < n; ++i) (*start)[i] = begins[i] ? i : (*start)[i - 1];
  for (int64_t i = n - 1; i >= 0; --i) {
    (*end)[i] = (i + 1 == n || begins[i + 1]) ? i + 1 : (*end)[i + 1];
  }
}

arrow::Result<WindowLayout> MakeLayout(const arrow::RecordBatch& chunk,
                                       const std::vector<int64_t>& partition_starts,
                                       const std::vector<std::string>& order) {
  WindowLayout layout;
  layout.rows = chunk.num_rows();
  std::vector<uint8_t> begins(static_cast<size_t>(layout.rows), 0);
  for (int64_t start : partition_starts) begins[static_cast<size_t>(start)] = 1;
  Spans(begins, &layout.part_start, &layout.part_end);
  for (const auto& name : order) {
    ARROW_RETURN_NOT_OK(MarkChanges(*chunk.GetColumnByName(name), &begins));
  }
  Spans(begins, &layout.peer_start, &layout.peer_end);
  return layout;
}

arrow::Result<std::shared_ptr<arrow::Array>> Int64Array(
    const std::vector<int64_t>& values) {
  arrow::Int64Builder builder;
  ARROW_RETURN_NOT_OK(builder.AppendValues(values));
  return builder.Finish();
}

arrow::Result<std::shared_ptr<arrow::Array>> DoubleArray(
    const std::vector<double>& values, const std::vector<bool>* valid) {
  arrow::DoubleBuilder builder;
  if (valid) {
    ARROW_RETURN_NOT_OK(builder.AppendValues(values, *valid));
  } else {
    ARROW_RETURN_NOT_OK(builder.AppendValues(values));
  }
  return builder.Finish();
}

// `values` at each row's index; NULL where the index is negative.
arrow::Result<std::shared_ptr<arrow::Array>> TakeAt(
    const std::shared_ptr<arrow::Array>& values, const std::vector<int64_t>& indices) {
  arrow::Int64Builder builder;
  ARROW_RETURN_NOT_OK(builder.Reserve(static_cast<int64_t>(indices.size())));
  for (int64_t index : indices) {
    if (index < 0) {
      builder.UnsafeAppendNull();
    } else {
      builder.UnsafeAppend(index);
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto positions, builder.Finish());
  ARROW_ASSIGN_OR_RAISE(auto taken,
                        cp::Take(arrow::Datum(values), arrow::Datum(positions)));
  return taken.make_array();
}

// row_number, rank, dense_rank, percent_rank, cume_dist and ntile.
arrow::Result<std::shared_ptr<arrow::Array>> Ranking(const WindowCall& call,
                                                     const WindowLayout& layout) {
  const auto n = static_cast<size_t>(layout.rows);
  std::vector<int64_t> ints(n);
  std::vector<double> reals(n);
  int64_t dense = 0;
  for (int64_t i = 0; i < layout.rows; ++i) {
    const int64_t ps = layout.part_start[i];
    const int64_t size = layout.part_end[i] - ps;
    const int64_t position = i - ps;
    const int64_t rank = layout.peer_start[i] - ps + 1;
    if (call.function == "row_number") {
      ints[i] = position + 1;
    } else if (call.function == "rank") {
      ints[i] = rank;
    } else if (call.function == "dense_rank") {
      dense = i == ps ? 1 : dense + (layout.peer_start[i] == i ? 1 : 0);
      ints[i] = dense;
    } else if (call.function == "percent_rank") {
      reals[i] =
          size > 1 ? static_cast<double>(rank - 1) / static_cast<double>(size - 1) : 0;
    } else if (call.function == "cume_dist") {
      reals[i] = static_cast<double>(layout.peer_end[i] - ps) / static_cast<double>(size);
    } else {  // ntile: the first size % buckets buckets hold one row more
      const int64_t buckets = call.offset;
      const int64_t small = size / buckets, large_rows = (size % buckets) * (small + 1);
      ints[i] = position < large_rows
                    ? position / (small + 1) + 1
                    : size % buckets + (position - large_rows) / small + 1;
    }
  }
  if (call.function == "percent_rank" || call.function == "cume_dist") {
    return DoubleArray(reals, nullptr);
  }
  return Int64Array(ints);
}

// lag and lead: the row `offset` rows before or after in the partition, else the
// fallback column (or NULL).
arrow::Result<std::shared_ptr<arrow::Array>> Shifted(const WindowCall& call,
                                                     const arrow::RecordBatch& chunk,
                                                     const WindowLayout& layout) {
  const int64_t step = call.function == "lag" ? -call.offset : call.offset;
  std::vector<int64_t> indices(static_cast<size_t>(layout.rows));
  arrow::BooleanBuilder found;
  ARROW_RETURN_NOT_OK(found.Reserve(layout.rows));
  for (int64_t i = 0; i < layout.rows; ++i) {
    const int64_t j = i + step;
    const bool inside = j >= layout.part_start[i] && j < layout.part_end[i];
    indices[i] = inside ? j : -1;
    found.UnsafeAppend(inside);
  }
  ARROW_ASSIGN_OR_RAISE(auto taken, TakeAt(chunk.GetColumnByName(call.input), indices));
  if (call.fallback.empty()) return taken;
  ARROW_ASSIGN_OR_RAISE(auto mask, found.Finish());
  ARROW_ASSIGN_OR_RAISE(
      auto chosen,
      cp::CallFunction("if_else", {mask, taken, chunk.GetColumnByName(call.fallback)}));
  return chosen.make_array();
}

// first_value, last_value and nth_value: a row of the frame.
arrow::Result<std::shared_ptr<arrow::Array>> FrameValue(const WindowCall& call,
                                                        const arrow::RecordBatch& chunk,
                                                        const WindowFrames& frames) {
  std::vector<int64_t> indices(frames.lo.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t lo = frames.lo[i], hi = frames.hi[i];
    int64_t index = -1;
    if (call.function == "first_value") {
      index = lo < hi ? lo : -1;
    } else if (call.function == "last_value") {
      index = lo < hi ? hi - 1 : -1;
    } else {
      index = lo + call.offset - 1 < hi ? lo + call.offset - 1 : -1;
    }
    indices[i] = index;
  }
  return TakeAt(chunk.GetColumnByName(call.input), indices);
}

// Visits each row's frame [lo, hi) as a window sliding forward: add(j) for rows entering,
// remove(j) for rows leaving, then emit(i). Frames of one partition only move forward;
// a new partition starts an empty window (reset()).
template <typename Add, typename Remove, typename Reset, typename Emit>
arrow::Status Slide(const WindowFrames& frames, Add&& add, Remove&& remove, Reset&& reset,
                    Emit&& emit) {
  int64_t lo = 0, hi = 0;
  for (size_t i = 0; i < frames.lo.size(); ++i) {
    if (frames.lo[i] >= hi || frames.hi[i] < hi || frames.lo[i] < lo) {
      reset();
      lo = hi = frames.lo[i];
    }
    for (; hi < frames.hi[i]; ++hi) ARROW_RETURN_NOT_OK(add(hi));
    for (; lo < frames.lo[i]; ++lo) ARROW_RETURN_NOT_OK(remove(lo));
    emit(i);
  }
  return arrow::Status::OK();
}

// count(*) and count(x).
arrow::Result<std::shared_ptr<arrow::Array>> Count(const WindowCall& call,
                                                   const arrow::RecordBatch& chunk,
                                                   const WindowFrames& frames) {
  std::vector<int64_t> counts(frames.lo.size());
  if (call.function == "count_all") {
    for (size_t i = 0; i < counts.size(); ++i) counts[i] = frames.hi[i] - frames.lo[i];
    return Int64Array(counts);
  }
  const arrow::Array& values = *chunk.GetColumnByName(call.input);
  std::vector<int64_t> prefix(frames.lo.size() + 1, 0);
  for (int64_t i = 0; i < values.length(); ++i) {
    prefix[i + 1] = prefix[i] + (values.IsValid(i) ? 1 : 0);
  }
  for (size_t i = 0; i < counts.size(); ++i) {
    counts[i] = prefix[frames.hi[i]] - prefix[frames.lo[i]];
  }
  return Int64Array(counts);
}

// sum and avg of integers and DECIMALs, exactly, in 128 bits.
arrow::Result<std::shared_ptr<arrow::Array>> ExactSum(const WindowCall& call,
                                                      const arrow::Array& values,
                                                      const arrow::DataType& result,
                                                      const WindowFrames& frames) {
  const bool decimal = values.type_id() == arrow::Type::DECIMAL128;
  std::shared_ptr<arrow::Array> ints;
  if (!decimal) {
    ARROW_ASSIGN_OR_RAISE(ints, cp::Cast(values, arrow::int64()));
  }
  auto value = [&](int64_t j) -> __int128 {
    if (!decimal) return static_cast<const arrow::Int64Array&>(*ints).Value(j);
    __int128 v;
    std::memcpy(&v, static_cast<const arrow::Decimal128Array&>(values).GetValue(j), 16);
    return v;
  };
  const auto n = frames.lo.size();
  std::vector<__int128> sums(n);
  std::vector<int64_t> counts(n);
  __int128 sum = 0;
  int64_t count = 0;
  const arrow::Status overflow =
      arrow::Status::Invalid(decimal ? "numeric" : "bigint",
                             " out of range: sum() over a window does not fit in ",
                             decimal ? "DECIMAL(38)" : "BIGINT");
  ARROW_RETURN_NOT_OK(Slide(
      frames,
      [&](int64_t j) {
        if (values.IsNull(j)) return arrow::Status::OK();
        ++count;
        return __builtin_add_overflow(sum, value(j), &sum) ? overflow
                                                           : arrow::Status::OK();
      },
      [&](int64_t j) {
        if (values.IsNull(j)) return arrow::Status::OK();
        --count;
        sum -= value(j);
        return arrow::Status::OK();
      },
      [&] { sum = 0, count = 0; }, [&](size_t i) { sums[i] = sum, counts[i] = count; }));
  const double scale =
      decimal
          ? std::pow(10.0,
                     static_cast<const arrow::Decimal128Type&>(*values.type()).scale())
          : 1.0;
  if (call.function == "mean") {
    std::vector<double> means(n);
    std::vector<bool> valid(n);
    for (size_t i = 0; i < n; ++i) {
      valid[i] = counts[i] > 0;
      means[i] = valid[i] ? static_cast<double>(sums[i]) / scale / counts[i] : 0;
    }
    return DoubleArray(means, &valid);
  }
  if (!decimal) {
    arrow::Int64Builder out;
    for (size_t i = 0; i < n; ++i) {
      if (counts[i] == 0) {
        ARROW_RETURN_NOT_OK(out.AppendNull());
      } else if (sums[i] > INT64_MAX || sums[i] < INT64_MIN) {
        return overflow;
      } else {
        ARROW_RETURN_NOT_OK(out.Append(static_cast<int64_t>(sums[i])));
      }
    }
    return out.Finish();
  }
  arrow::Decimal128Builder out(result.GetSharedPtr());
  for (size_t i = 0; i < n; ++i) {
    if (counts[i] == 0) {
      ARROW_RETURN_NOT_OK(out.AppendNull());
      continue;
    }
    const auto bits = static_cast<unsigned __int128>(sums[i]);
    const arrow::Decimal128 decimal_sum(static_cast<int64_t>(bits >> 64),
                                        static_cast<uint64_t>(bits));
    if (!decimal_sum.FitsInPrecision(38)) return overflow;
    ARROW_RETURN_NOT_OK(out.Append(decimal_sum));
  }
  return out.Finish();
}

// sum and avg of floating point values. A frame that only grows (or, walking back, only
// grows from the end) is summed as it goes; other frames are summed afresh, so no
// rounding error from subtraction creeps in.
arrow::Result<std::shared_ptr<arrow::Array>> FloatSum(const WindowCall& call,
                                                      const arrow::Array& values,
                                                      const WindowFrames& frames,
                                                      const WindowLayout& layout) {
  ARROW_ASSIGN_OR_RAISE(auto cast, cp::Cast(values, arrow::float64()));
  const auto& doubles = static_cast<const arrow::DoubleArray&>(*cast);
  const auto n = frames.lo.size();
  std::vector<double> sums(n, 0);
  std::vector<int64_t> counts(n, 0);
  bool growing = true, shrinking = true;
  for (size_t i = 0; i < n; ++i) {
    growing &= frames.lo[i] == layout.part_start[i];
    shrinking &= frames.hi[i] == layout.part_end[i];
  }
  auto sum_range = [&](int64_t from, int64_t to, double* sum, int64_t* count) {
    for (int64_t j = from; j < to; ++j) {
      if (doubles.IsValid(j)) *sum += doubles.Value(j), ++*count;
    }
  };
  if (growing || shrinking) {
    // Walk each partition from the side that stays fixed.
    for (size_t i = 0; i < n;) {
      const auto end = static_cast<size_t>(layout.part_end[i]);
      double sum = 0;
      int64_t count = 0;
      if (growing) {
        int64_t reached = static_cast<int64_t>(i);
        for (size_t k = i; k < end; ++k) {
          sum_range(reached, frames.hi[k], &sum, &count);
          reached = std::max(reached, frames.hi[k]);
          sums[k] = sum, counts[k] = count;
        }
      } else {
        int64_t reached = static_cast<int64_t>(end);
        for (size_t k = end; k-- > i;) {
          sum_range(frames.lo[k], reached, &sum, &count);
          reached = std::min(reached, frames.lo[k]);
          sums[k] = sum, counts[k] = count;
        }
      }
      i = end;
    }
  } else {
    for (size_t i = 0; i < n; ++i)
      sum_range(frames.lo[i], frames.hi[i], &sums[i], &counts[i]);
  }
  std::vector<bool> valid(n);
  for (size_t i = 0; i < n; ++i) {
    valid[i] = counts[i] > 0;
    if (call.function == "mean" && valid[i]) sums[i] /= static_cast<double>(counts[i]);
  }
  return DoubleArray(sums, &valid);
}

// min and max of any orderable type: the values are ranked once, and a monotonic queue of
// ranks finds each frame's extreme row.
arrow::Result<std::shared_ptr<arrow::Array>> Extreme(const WindowCall& call,
                                                     const arrow::RecordBatch& chunk,
                                                     const WindowFrames& frames) {
  const auto& values = chunk.GetColumnByName(call.input);
  cp::RankOptions options(cp::SortOrder::Ascending, cp::NullPlacement::AtEnd,
                          cp::RankOptions::Dense);
  ARROW_ASSIGN_OR_RAISE(auto ranked, cp::CallFunction("rank", {values}, &options));
  const auto rank_array = ranked.make_array();
  const auto& ranks = static_cast<const arrow::UInt64Array&>(*rank_array);
  const bool want_max = call.function == "max";
  // Keeps `a` before `b` in the queue when a is at least as extreme.
  auto beats = [&](int64_t a, int64_t b) {
    return want_max ? ranks.Value(a) >= ranks.Value(b) : ranks.Value(a) <= ranks.Value(b);
  };
  std::deque<int64_t> queue;  // candidate rows, most extreme first
  std::vector<int64_t> chosen(frames.lo.size(), -1);
  ARROW_RETURN_NOT_OK(Slide(
      frames,
      [&](int64_t j) {
        if (values->IsNull(j)) return arrow::Status::OK();
        while (!queue.empty() && beats(j, queue.back())) queue.pop_back();
        queue.push_back(j);
        return arrow::Status::OK();
      },
      [&](int64_t j) {
        if (!queue.empty() && queue.front() == j) queue.pop_front();
        return arrow::Status::OK();
      },
      [&] { queue.clear(); },
      [&](size_t i) { chosen[i] = queue.empty() ? -1 : queue.front(); }));
  return TakeAt(values, chosen);
}

arrow::Result<std::shared_ptr<arrow::Array>> Aggregate(
    const WindowCall& call, const arrow::RecordBatch& chunk,
    const arrow::DataType& result, const WindowLayout& layout,
    const std::vector<std::string>& order) {
  const arrow::Array* key =
      order.empty() ? nullptr : chunk.GetColumnByName(order.front()).get();
  ARROW_ASSIGN_OR_RAISE(const WindowFrames frames,
                        ComputeFrames(call.frame, layout, key));
  if (call.function == "count" || call.function == "count_all") {
    return Count(call, chunk, frames);
  }
  if (call.function == "min" || call.function == "max")
    return Extreme(call, chunk, frames);
  if (call.function == "first_value" || call.function == "last_value" ||
      call.function == "nth_value") {
    return FrameValue(call, chunk, frames);
  }
  const auto& values = *chunk.GetColumnByName(call.input);
  if (arrow::is_floating(values.type_id())) return FloatSum(call, values, frames, layout);
  return ExactSum(call, values, result, frames);
}

}  // namespace

arrow::Status MarkChanges(const arrow::Array& column, std::vector<uint8_t>* changed) {
  const int64_t n = column.length();
  if (n < 2) return arrow::Status::OK();
  auto after = column.Slice(1);
  auto before = column.Slice(0, n - 1);
  ARROW_ASSIGN_OR_RAISE(auto differ, cp::CallFunction("not_equal", {after, before}));
  const auto differ_array = differ.make_array();
  const auto& flags = static_cast<const arrow::BooleanArray&>(*differ_array);
  for (int64_t i = 0; i + 1 < n; ++i) {
    const bool a = after->IsValid(i), b = before->IsValid(i);
    if (a != b || (a && b && flags.Value(i))) (*changed)[static_cast<size_t>(i + 1)] = 1;
  }
  return arrow::Status::OK();
}

WindowEvaluator::WindowEvaluator(std::vector<std::string> order,
                                 std::vector<plan::WindowCall> calls,
                                 std::shared_ptr<arrow::Schema> output)
    : order_(std::move(order)), calls_(std::move(calls)), output_(std::move(output)) {}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> WindowEvaluator::Evaluate(
    const std::shared_ptr<arrow::RecordBatch>& chunk,
    const std::vector<int64_t>& partition_starts) const {
  ARROW_ASSIGN_OR_RAISE(auto layout, MakeLayout(*chunk, partition_starts, order_));
  arrow::ArrayVector columns = chunk->columns();
  for (size_t k = 0; k < calls_.size(); ++k) {
    const WindowCall& call = calls_[k];
    const auto& type =
        *output_->field(chunk->num_columns() + static_cast<int>(k))->type();
    std::shared_ptr<arrow::Array> column;
    if (call.input.empty() && call.function != "count_all") {
      ARROW_ASSIGN_OR_RAISE(column, Ranking(call, layout));
    } else if (call.function == "lag" || call.function == "lead") {
      ARROW_ASSIGN_OR_RAISE(column, Shifted(call, *chunk, layout));
    } else {
      ARROW_ASSIGN_OR_RAISE(column, Aggregate(call, *chunk, type, layout, order_));
    }
    columns.push_back(std::move(column));
  }
  return arrow::RecordBatch::Make(output_, chunk->num_rows(), std::move(columns));
}

}  // namespace sluice::exec
