#include "exec/group_accumulator.h"

#include <cstring>
#include <limits>

#include <arrow/buffer.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/decimal.h>

#include "common/decimal_sum.h"
#include "common/int128.h"
#include "exec/pool_vector.h"

namespace sluice::exec {

namespace {

// Calls fn(i) for each row i in [0, n) of `values` that is not NULL.
template <typename Fn>
void ForEachValid(const arrow::ArraySpan& values, int64_t n, Fn&& fn) {
  const uint8_t* bits = values.buffers[0].data;
  if (bits == nullptr || values.null_count == 0) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (arrow::bit_util::GetBit(bits, values.offset + i)) fn(i);
  }
}

template <typename T>
const T* ValuesOf(const arrow::ArraySpan& values) {
  return reinterpret_cast<const T*>(values.buffers[1].data) + values.offset;
}

// A column of `type` from `n` values of T, NULL where `present` is 0 (no bitmap if
// `present` is null).
template <typename T>
arrow::Result<std::shared_ptr<arrow::ArrayData>> Column(
    std::shared_ptr<arrow::DataType> type, const T* values, const uint8_t* present,
    int64_t n, arrow::MemoryPool* pool) {
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> data,
                        arrow::AllocateBuffer(n * static_cast<int64_t>(sizeof(T)), pool));
  if (n > 0) std::memcpy(data->mutable_data(), values, n * sizeof(T));
  std::shared_ptr<arrow::Buffer> validity;
  int64_t nulls = 0;
  if (present) {
    ARROW_ASSIGN_OR_RAISE(validity, arrow::AllocateEmptyBitmap(n, pool));
    for (int64_t i = 0; i < n; ++i) {
      if (present[i]) {
        arrow::bit_util::SetBit(validity->mutable_data(), i);
      } else {
        ++nulls;
      }
    }
    if (nulls == 0) validity = nullptr;
  }
  return arrow::ArrayData::Make(std::move(type), n, {validity, data}, nulls);
}

class Count final : public GroupAccumulator {
 public:
  explicit Count(arrow::MemoryPool* pool) : pool_(pool), counts_(pool) {}

  arrow::Status Resize(int64_t groups) override { return counts_.Resize(groups, 0); }

  arrow::Status Consume(const arrow::ArraySpan* values, const uint32_t* groups,
                        int64_t n) override {
    int64_t* counts = counts_.data();
    if (values == nullptr) {
      for (int64_t i = 0; i < n; ++i) ++counts[groups[i]];
    } else {
      ForEachValid(*values, n, [&](int64_t i) { ++counts[groups[i]]; });
    }
    return arrow::Status::OK();
  }

  arrow::Status Merge(const GroupAccumulator& other, const uint32_t* from,
                      const uint32_t* to, int64_t n) override {
    const auto& counts = static_cast<const Count&>(other).counts_;
    for (int64_t k = 0; k < n; ++k) counts_[to[k]] += counts[from[k]];
    return arrow::Status::OK();
  }

  arrow::Result<std::shared_ptr<arrow::ArrayData>> Finish() override {
    return Column<int64_t>(arrow::int64(), counts_.data(), nullptr, counts_.size(),
                           pool_);
  }

 private:
  arrow::MemoryPool* pool_;
  PoolVector<int64_t> counts_;
};

// Sums (and counts, for the mean and for NULL groups) in Acc of inputs of In.
template <typename In, typename Acc>
class Sum final : public GroupAccumulator {
 public:
  Sum(bool mean, std::shared_ptr<arrow::DataType> input, arrow::MemoryPool* pool)
      : mean_(mean), input_(std::move(input)), pool_(pool), sums_(pool), counts_(pool) {}

  arrow::Status Resize(int64_t groups) override {
    ARROW_RETURN_NOT_OK(sums_.Resize(groups, 0));
    return counts_.Resize(groups, 0);
  }

  arrow::Status Consume(const arrow::ArraySpan* values, const uint32_t* groups,
                        int64_t n) override {
    Acc* sums = sums_.data();
    int64_t* counts = counts_.data();
    const uint8_t* raw = values->buffers[1].data + values->offset * sizeof(In);
    bool overflow = false;
    ForEachValid(*values, n, [&](int64_t i) {
      In value;
      std::memcpy(&value, raw + i * sizeof(In), sizeof(In));
      overflow |= Add(&sums[groups[i]], static_cast<Acc>(value));
      ++counts[groups[i]];
    });
    return overflow ? OverflowError() : arrow::Status::OK();
  }

  arrow::Status Merge(const GroupAccumulator& other, const uint32_t* from,
                      const uint32_t* to, int64_t n) override {
    const auto& state = static_cast<const Sum&>(other);
    bool overflow = false;
    for (int64_t k = 0; k < n; ++k) {
      overflow |= Add(&sums_[to[k]], state.sums_[from[k]]);
      counts_[to[k]] += state.counts_[from[k]];
    }
    return overflow ? OverflowError() : arrow::Status::OK();
  }

  arrow::Result<std::shared_ptr<arrow::ArrayData>> Finish() override {
    const int64_t n = sums_.size();
    std::vector<uint8_t> present(static_cast<size_t>(n));
    for (int64_t g = 0; g < n; ++g) present[g] = counts_[g] > 0;
    if (mean_) {
      std::vector<double> means(static_cast<size_t>(n), 0.0);
      for (int64_t g = 0; g < n; ++g) {
        if (present[g]) means[g] = AsDouble(sums_[g]) / static_cast<double>(counts_[g]);
      }
      return Column<double>(arrow::float64(), means.data(), present.data(), n, pool_);
    }
    if constexpr (std::is_same_v<Acc, Int128>) {
      static const Int128 bound = PowerOfTen(38);
      for (int64_t g = 0; g < n; ++g) {
        if (sums_[g] >= bound || sums_[g] <= -bound) return DecimalSumOverflow();
      }
      const int32_t scale = static_cast<const arrow::Decimal128Type&>(*input_).scale();
      return Column<Int128>(arrow::decimal128(38, scale), sums_.data(), present.data(), n,
                            pool_);
    } else if constexpr (std::is_same_v<Acc, int64_t>) {
      return Column<int64_t>(arrow::int64(), sums_.data(), present.data(), n, pool_);
    } else {
      return Column<double>(arrow::float64(), sums_.data(), present.data(), n, pool_);
    }
  }

 private:
  // Adds `value` to `*sum`; true where it overflowed.
  static bool Add(Acc* sum, Acc value) {
    if constexpr (std::is_floating_point_v<Acc>) {
      *sum += value;
      return false;
    } else {
      return __builtin_add_overflow(*sum, value, sum);
    }
  }

  static arrow::Status OverflowError() {
    if constexpr (std::is_same_v<Acc, Int128>) return DecimalSumOverflow();
    return arrow::Status::Invalid("integer sum overflow: the total does not fit BIGINT");
  }

  double AsDouble(Acc sum) const {
    if constexpr (std::is_same_v<Acc, Int128>) {
      uint8_t bytes[16];
      std::memcpy(bytes, &sum, 16);
      return arrow::Decimal128(bytes).ToDouble(
          static_cast<const arrow::Decimal128Type&>(*input_).scale());
    } else {
      return static_cast<double>(sum);
    }
  }

  bool mean_;
  std::shared_ptr<arrow::DataType> input_;
  arrow::MemoryPool* pool_;
  PoolVector<Acc> sums_;
  PoolVector<int64_t> counts_;
};

// The least or greatest value of T (compared as T) of each group.
template <typename T, bool kMax>
class Extreme final : public GroupAccumulator {
 public:
  Extreme(std::shared_ptr<arrow::DataType> type, arrow::MemoryPool* pool)
      : type_(std::move(type)), pool_(pool), values_(pool), present_(pool) {}

  arrow::Status Resize(int64_t groups) override {
    ARROW_RETURN_NOT_OK(values_.Resize(groups, T{}));
    return present_.Resize(groups, 0);
  }

  arrow::Status Consume(const arrow::ArraySpan* values, const uint32_t* groups,
                        int64_t n) override {
    const uint8_t* raw = values->buffers[1].data + values->offset * sizeof(T);
    ForEachValid(*values, n, [&](int64_t i) {
      T value;
      std::memcpy(&value, raw + i * sizeof(T), sizeof(T));
      Offer(groups[i], value);
    });
    return arrow::Status::OK();
  }

  arrow::Status Merge(const GroupAccumulator& other, const uint32_t* from,
                      const uint32_t* to, int64_t n) override {
    const auto& state = static_cast<const Extreme&>(other);
    for (int64_t k = 0; k < n; ++k) {
      if (state.present_[from[k]]) Offer(to[k], state.values_[from[k]]);
    }
    return arrow::Status::OK();
  }

  arrow::Result<std::shared_ptr<arrow::ArrayData>> Finish() override {
    return Column<T>(type_, values_.data(), present_.data(), values_.size(), pool_);
  }

 private:
  void Offer(uint32_t group, T value) {
    T& current = values_[group];
    if (!present_[group] || (kMax ? value > current : value < current)) {
      current = value;
      present_[group] = 1;
    }
  }

  std::shared_ptr<arrow::DataType> type_;
  arrow::MemoryPool* pool_;
  PoolVector<T> values_;
  PoolVector<uint8_t> present_;
};

template <bool kMax>
std::unique_ptr<GroupAccumulator> MakeExtreme(
    const std::shared_ptr<arrow::DataType>& type, arrow::MemoryPool* pool) {
  if (type->id() == arrow::Type::DECIMAL128) {
    return std::make_unique<Extreme<Int128, kMax>>(type, pool);
  }
  const bool is_unsigned = arrow::is_unsigned_integer(type->id());
  switch (type->byte_width()) {
    case 1:
      if (is_unsigned) return std::make_unique<Extreme<uint8_t, kMax>>(type, pool);
      return std::make_unique<Extreme<int8_t, kMax>>(type, pool);
    case 2:
      if (is_unsigned) return std::make_unique<Extreme<uint16_t, kMax>>(type, pool);
      return std::make_unique<Extreme<int16_t, kMax>>(type, pool);
    case 4:
      if (is_unsigned) return std::make_unique<Extreme<uint32_t, kMax>>(type, pool);
      return std::make_unique<Extreme<int32_t, kMax>>(type, pool);
    default:
      if (is_unsigned) return std::make_unique<Extreme<uint64_t, kMax>>(type, pool);
      return std::make_unique<Extreme<int64_t, kMax>>(type, pool);
  }
}

// Types whose order is their physical integer's (or DECIMAL128's unscaled value's).
bool OrderedAsInteger(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::DATE32:
    case arrow::Type::DATE64:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::DURATION:
    case arrow::Type::DECIMAL128:
      return true;
    default:
      return arrow::is_integer(type.id());
  }
}

bool IsSmallSignedInteger(arrow::Type::type id) {
  return id == arrow::Type::INT8 || id == arrow::Type::INT16 || id == arrow::Type::INT32;
}

}  // namespace

bool GroupAccumulator::Supports(const std::string& function,
                                const arrow::DataType* input) {
  if (function == "count_all") return input == nullptr;
  if (input == nullptr) return false;
  const auto id = input->id();
  if (function == "count") return true;
  if (function == "sum") {
    return id == arrow::Type::DECIMAL128 || IsSmallSignedInteger(id) ||
           arrow::is_floating(id);
  }
  if (function == "mean") return id == arrow::Type::DECIMAL128 || arrow::is_floating(id);
  if (function == "min" || function == "max") return OrderedAsInteger(*input);
  return false;
}

std::shared_ptr<arrow::DataType> GroupAccumulator::ResultType(
    const std::string& function, const arrow::DataType* input) {
  if (function == "count_all" || function == "count") return arrow::int64();
  if (function == "mean") return arrow::float64();
  if (function == "min" || function == "max") return input->GetSharedPtr();
  if (input->id() == arrow::Type::DECIMAL128) {
    return arrow::decimal128(38,
                             static_cast<const arrow::Decimal128Type&>(*input).scale());
  }
  return arrow::is_floating(input->id()) ? arrow::float64() : arrow::int64();
}

arrow::Result<std::unique_ptr<GroupAccumulator>> GroupAccumulator::Make(
    const std::string& function, const std::shared_ptr<arrow::DataType>& input,
    arrow::MemoryPool* pool) {
  if (!Supports(function, input.get())) {
    return arrow::Status::NotImplemented("grouped ", function, " of ",
                                         input ? input->ToString() : "no input");
  }
  if (function == "count_all" || function == "count")
    return std::make_unique<Count>(pool);
  if (function == "min") return MakeExtreme<false>(input, pool);
  if (function == "max") return MakeExtreme<true>(input, pool);
  const bool mean = function == "mean";
  switch (input->id()) {
    case arrow::Type::DECIMAL128:
      return std::make_unique<Sum<Int128, Int128>>(mean, input, pool);
    case arrow::Type::INT8:
      return std::make_unique<Sum<int8_t, int64_t>>(mean, input, pool);
    case arrow::Type::INT16:
      return std::make_unique<Sum<int16_t, int64_t>>(mean, input, pool);
    case arrow::Type::INT32:
      return std::make_unique<Sum<int32_t, int64_t>>(mean, input, pool);
    case arrow::Type::FLOAT:
      return std::make_unique<Sum<float, double>>(mean, input, pool);
    default:
      return std::make_unique<Sum<double, double>>(mean, input, pool);
  }
}

}  // namespace sluice::exec
