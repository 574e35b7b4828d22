#include "common/decimal_sum.h"

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <arrow/array/builder_decimal.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/scalar.h>
#include <arrow/util/decimal.h>

#include "common/int128.h"

namespace sluice {

namespace cp = arrow::compute;

namespace {

constexpr int32_t kMaxPrecision = 38;

// Sums and counts by group (one group for the ungrouped functions). Acero gives each
// thread a state and merges, finalizes and destroys them on whichever thread finishes,
// ordered by atomics inside libarrow_acero; every call (and the destructor) takes the
// uncontended lock so that ThreadSanitizer sees that order too.
struct SumState : cp::KernelState {
  ~SumState() override { std::lock_guard<std::mutex> lock(mutex); }

  std::mutex mutex;
  int32_t scale = 0;
  std::vector<Int128> sums;
  std::vector<int64_t> counts;
};

arrow::Result<std::unique_ptr<cp::KernelState>> Init(cp::KernelContext*,
                                                     const cp::KernelInitArgs& args) {
  auto state = std::make_unique<SumState>();
  state->scale = static_cast<const arrow::Decimal128Type&>(*args.inputs[0]).scale();
  return state;
}

// Adds each non-NULL value of `input` (a column or a repeated scalar) to its group:
// `groups[i]`, or group 0 without groups. Overflow is checked once per call.
arrow::Status AddAll(SumState* state, const cp::ExecValue& input, int64_t length,
                     const uint32_t* groups) {
  Int128* sums = state->sums.data();
  int64_t* counts = state->counts.data();
  bool overflow = false;
  auto add = [&](int64_t i, Int128 value) {
    const size_t group = groups ? groups[i] : 0;
    overflow |= __builtin_add_overflow(sums[group], value, &sums[group]);
    ++counts[group];
  };
  if (input.is_scalar()) {
    if (!input.scalar->is_valid) return arrow::Status::OK();
    const auto& scalar = static_cast<const arrow::Decimal128Scalar&>(*input.scalar);
    const Int128 value = ToInt128(scalar.value);
    for (int64_t i = 0; i < length; ++i) add(i, value);
    return overflow ? DecimalSumOverflow() : arrow::Status::OK();
  }
  const auto& array = input.array;
  const uint8_t* values = array.buffers[1].data + array.offset * 16;
  if (array.null_count == 0 || array.buffers[0].data == nullptr) {
    for (int64_t i = 0; i < array.length; ++i) add(i, DecimalAt(values, i));
  } else {
    for (int64_t i = 0; i < array.length; ++i) {
      if (array.IsValid(i)) add(i, DecimalAt(values, i));
    }
  }
  return overflow ? DecimalSumOverflow() : arrow::Status::OK();
}

// Adds `from`'s group i into `into`'s group `groups[i]` (or i without a mapping).
arrow::Status MergeInto(SumState&& from, SumState* into, const uint32_t* groups) {
  std::scoped_lock lock(from.mutex, into->mutex);
  for (size_t i = 0; i < from.sums.size(); ++i) {
    const size_t target = groups ? groups[i] : i;
    if (__builtin_add_overflow(into->sums[target], from.sums[i], &into->sums[target])) {
      return DecimalSumOverflow();
    }
    into->counts[target] += from.counts[i];
  }
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::Array>> Sums(const SumState& state,
                                                  arrow::MemoryPool* pool) {
  static const Int128 bound = PowerOfTen(kMaxPrecision);  // DECIMAL(38) can't hold it
  arrow::Decimal128Builder builder(arrow::decimal128(kMaxPrecision, state.scale), pool);
  ARROW_RETURN_NOT_OK(builder.Reserve(static_cast<int64_t>(state.sums.size())));
  for (size_t i = 0; i < state.sums.size(); ++i) {
    if (state.counts[i] == 0) {
      builder.UnsafeAppendNull();
      continue;
    }
    const Int128 sum = state.sums[i];
    if (sum >= bound || sum <= -bound) return DecimalSumOverflow();
    uint8_t bytes[16];
    std::memcpy(bytes, &sum, 16);
    builder.UnsafeAppend(arrow::Decimal128(bytes));
  }
  return builder.Finish();
}

arrow::Result<std::shared_ptr<arrow::Array>> Means(const SumState& state,
                                                   arrow::MemoryPool* pool) {
  arrow::DoubleBuilder builder(pool);
  ARROW_RETURN_NOT_OK(builder.Reserve(static_cast<int64_t>(state.sums.size())));
  for (size_t i = 0; i < state.sums.size(); ++i) {
    if (state.counts[i] == 0) {
      builder.UnsafeAppendNull();
      continue;
    }
    uint8_t bytes[16];
    std::memcpy(bytes, &state.sums[i], 16);
    const double sum = arrow::Decimal128(bytes).ToDouble(state.scale);
    builder.UnsafeAppend(sum / static_cast<double>(state.counts[i]));
  }
  return builder.Finish();
}

template <bool kMean>
arrow::Status Finish(cp::KernelContext* ctx, bool grouped, arrow::Datum* out) {
  auto* state = static_cast<SumState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  ARROW_ASSIGN_OR_RAISE(auto array, kMean ? Means(*state, ctx->memory_pool())
                                          : Sums(*state, ctx->memory_pool()));
  if (grouped) {
    *out = std::move(array);
  } else {
    ARROW_ASSIGN_OR_RAISE(auto scalar, array->GetScalar(0));
    *out = std::move(scalar);
  }
  return arrow::Status::OK();
}

arrow::Result<std::unique_ptr<cp::KernelState>> ScalarInit(
    cp::KernelContext* ctx, const cp::KernelInitArgs& args) {
  ARROW_ASSIGN_OR_RAISE(auto state, Init(ctx, args));
  auto* sums = static_cast<SumState*>(state.get());
  sums->sums.assign(1, 0);
  sums->counts.assign(1, 0);
  return state;
}

arrow::Status ScalarConsume(cp::KernelContext* ctx, const cp::ExecSpan& batch) {
  auto* state = static_cast<SumState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  return AddAll(state, batch[0], batch.length, nullptr);
}

arrow::Status ScalarMerge(cp::KernelContext*, cp::KernelState&& from,
                          cp::KernelState* into) {
  return MergeInto(static_cast<SumState&&>(from), static_cast<SumState*>(into), nullptr);
}

arrow::Status HashResize(cp::KernelContext* ctx, int64_t groups) {
  auto* state = static_cast<SumState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  state->sums.resize(static_cast<size_t>(groups), 0);
  state->counts.resize(static_cast<size_t>(groups), 0);
  return arrow::Status::OK();
}

arrow::Status HashConsume(cp::KernelContext* ctx, const cp::ExecSpan& batch) {
  auto* state = static_cast<SumState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  return AddAll(state, batch[0], batch.length, batch[1].array.GetValues<uint32_t>(1));
}

arrow::Status HashMerge(cp::KernelContext* ctx, cp::KernelState&& from,
                        const arrow::ArrayData& mapping) {
  return MergeInto(static_cast<SumState&&>(from), static_cast<SumState*>(ctx->state()),
                   mapping.GetValues<uint32_t>(1));
}

arrow::Result<arrow::TypeHolder> SumType(cp::KernelContext*,
                                         const std::vector<arrow::TypeHolder>& types) {
  const auto& input = static_cast<const arrow::Decimal128Type&>(*types[0]);
  return arrow::TypeHolder(arrow::decimal128(kMaxPrecision, input.scale()));
}

template <bool kMean>
arrow::Status AddFunctions(cp::FunctionRegistry* registry, const std::string& name,
                           const cp::FunctionDoc& doc) {
  const cp::OutputType output =
      kMean ? cp::OutputType(arrow::float64()) : cp::OutputType(SumType);
  auto scalar =
      std::make_shared<cp::ScalarAggregateFunction>(name, cp::Arity::Unary(), doc);
  ARROW_RETURN_NOT_OK(scalar->AddKernel(cp::ScalarAggregateKernel(
      {cp::InputType(arrow::Type::DECIMAL128)}, output, ScalarInit, ScalarConsume,
      ScalarMerge,
      [](cp::KernelContext* ctx, arrow::Datum* out) {
        return Finish<kMean>(ctx, /*grouped=*/false, out);
      },
      /*ordered=*/false)));
  auto hash = std::make_shared<cp::HashAggregateFunction>("hash_" + name,
                                                          cp::Arity::Binary(), doc);
  ARROW_RETURN_NOT_OK(hash->AddKernel(cp::HashAggregateKernel(
      {cp::InputType(arrow::Type::DECIMAL128), cp::InputType(arrow::Type::UINT32)},
      output, Init, HashConsume, HashResize, HashMerge,
      [](cp::KernelContext* ctx, arrow::Datum* out) {
        return Finish<kMean>(ctx, /*grouped=*/true, out);
      },
      /*ordered=*/false)));
  ARROW_RETURN_NOT_OK(registry->AddFunction(std::move(scalar)));
  return registry->AddFunction(std::move(hash));
}

arrow::Status Register() {
  auto* registry = cp::GetFunctionRegistry();
  ARROW_RETURN_NOT_OK(AddFunctions<false>(
      registry, kDecimalSum,
      cp::FunctionDoc("Exact sum of DECIMAL128 values", "", {"values"})));
  return AddFunctions<true>(
      registry, kDecimalMean,
      cp::FunctionDoc("Mean of DECIMAL128 values, as DOUBLE", "", {"values"}));
}

}  // namespace

arrow::Status DecimalSumOverflow() {
  return arrow::Status::Invalid("decimal sum overflow: the total needs more than ",
                                kMaxPrecision, " digits");
}

arrow::Status RegisterDecimalSum() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice
