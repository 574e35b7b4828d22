#include "common/string_agg.h"

#include <algorithm>
#include <mutex>
#include <string_view>
#include <vector>

#include <arrow/array/builder_binary.h>
#include <arrow/compute/api_aggregate.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/scalar.h>

namespace sluice {

namespace cp = arrow::compute;

namespace {

class StringAggOptionsType : public cp::FunctionOptionsType {
 public:
  const char* type_name() const override { return "SluiceStringAggOptions"; }
  std::string Stringify(const cp::FunctionOptions& options) const override {
    const auto& o = static_cast<const StringAggOptions&>(options);
    return "StringAggOptions(separator=" + o.separator +
           ", order=" + std::to_string(static_cast<int>(o.order)) + ")";
  }
  bool Compare(const cp::FunctionOptions& a,
               const cp::FunctionOptions& b) const override {
    const auto& x = static_cast<const StringAggOptions&>(a);
    const auto& y = static_cast<const StringAggOptions&>(b);
    return x.separator == y.separator && x.order == y.order;
  }
  std::unique_ptr<cp::FunctionOptions> Copy(
      const cp::FunctionOptions& options) const override {
    const auto& o = static_cast<const StringAggOptions&>(options);
    return std::make_unique<StringAggOptions>(o.separator, o.order);
  }
};

// The values of one group, joined only at the end (so they can be ordered).
using Values = std::vector<std::string>;

std::string_view ValueAt(const arrow::ArraySpan& strings, int64_t i) {
  const auto index = strings.offset + i;
  if (strings.type->id() == arrow::Type::LARGE_STRING) {
    const auto* offsets = strings.buffers[1].data_as<int64_t>();
    return {strings.buffers[2].data_as<char>() + offsets[index],
            static_cast<size_t>(offsets[index + 1] - offsets[index])};
  }
  const auto* offsets = strings.buffers[1].data_as<int32_t>();
  return {strings.buffers[2].data_as<char>() + offsets[index],
          static_cast<size_t>(offsets[index + 1] - offsets[index])};
}

// Calls add(row, value) for each non-NULL value of a column (or a repeated scalar).
template <typename Add>
void ForEachValue(const cp::ExecValue& input, int64_t length, Add&& add) {
  if (input.is_scalar()) {
    if (!input.scalar->is_valid) return;
    const auto& value = static_cast<const arrow::BaseBinaryScalar&>(*input.scalar);
    for (int64_t i = 0; i < length; ++i) add(i, std::string_view(value.view()));
    return;
  }
  for (int64_t i = 0; i < input.array.length; ++i) {
    if (input.array.IsValid(i)) add(i, ValueAt(input.array, i));
  }
}

arrow::Status Join(const StringAggOptions& options, Values* values,
                   arrow::LargeStringBuilder* out) {
  if (values->empty()) return out->AppendNull();
  if (options.order == StringAggOptions::Order::kAscending) {
    std::sort(values->begin(), values->end());
  } else if (options.order == StringAggOptions::Order::kDescending) {
    std::sort(values->begin(), values->end(), std::greater<>());
  }
  std::string joined;
  for (size_t i = 0; i < values->size(); ++i) {
    if (i > 0) joined += options.separator;
    joined += (*values)[i];
  }
  return out->Append(joined);
}

// Acero gives each thread a state of its own and merges, finalizes and destroys them on
// whichever thread finishes, ordered by atomic counters inside libarrow_acero. Every
// call, and the destructor before the members go, takes the state's lock (once per
// batch, never contended) so that this order is also visible to ThreadSanitizer, which
// cannot see into the uninstrumented library.
struct ScalarState : cp::KernelState {
  ~ScalarState() override { std::lock_guard<std::mutex> lock(mutex); }
  std::mutex mutex;
  StringAggOptions options{"", StringAggOptions::Order::kNone};
  Values values;
};

struct HashState : cp::KernelState {
  ~HashState() override { std::lock_guard<std::mutex> lock(mutex); }
  std::mutex mutex;
  StringAggOptions options{"", StringAggOptions::Order::kNone};
  std::vector<Values> groups;
};

template <typename State>
arrow::Result<std::unique_ptr<cp::KernelState>> Init(cp::KernelContext*,
                                                     const cp::KernelInitArgs& args) {
  auto state = std::make_unique<State>();
  if (args.options == nullptr) {
    return arrow::Status::Invalid(kStringAgg, " needs StringAggOptions");
  }
  state->options = static_cast<const StringAggOptions&>(*args.options);
  return state;
}

arrow::Status ScalarConsume(cp::KernelContext* ctx, const cp::ExecSpan& batch) {
  auto* state = static_cast<ScalarState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  ForEachValue(batch[0], batch.length, [&](int64_t, std::string_view value) {
    state->values.emplace_back(value);
  });
  return arrow::Status::OK();
}

arrow::Status ScalarMerge(cp::KernelContext*, cp::KernelState&& from,
                          cp::KernelState* into) {
  auto& source_state = static_cast<ScalarState&>(from);
  auto* target_state = static_cast<ScalarState*>(into);
  std::scoped_lock lock(source_state.mutex, target_state->mutex);
  auto& source = source_state.values;
  auto& target = target_state->values;
  std::move(source.begin(), source.end(), std::back_inserter(target));
  return arrow::Status::OK();
}

arrow::Status ScalarFinalize(cp::KernelContext* ctx, arrow::Datum* out) {
  auto* state = static_cast<ScalarState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  arrow::LargeStringBuilder builder(ctx->memory_pool());
  ARROW_RETURN_NOT_OK(Join(state->options, &state->values, &builder));
  ARROW_ASSIGN_OR_RAISE(auto array, builder.Finish());
  ARROW_ASSIGN_OR_RAISE(auto scalar, array->GetScalar(0));
  *out = std::move(scalar);
  return arrow::Status::OK();
}

arrow::Status HashResize(cp::KernelContext* ctx, int64_t groups) {
  auto* state = static_cast<HashState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  state->groups.resize(static_cast<size_t>(groups));
  return arrow::Status::OK();
}

arrow::Status HashConsume(cp::KernelContext* ctx, const cp::ExecSpan& batch) {
  auto* state = static_cast<HashState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  const auto* ids = batch[1].array.GetValues<uint32_t>(1);
  ForEachValue(batch[0], batch.length, [&](int64_t i, std::string_view value) {
    state->groups[ids[i]].emplace_back(value);
  });
  return arrow::Status::OK();
}

arrow::Status HashMerge(cp::KernelContext* ctx, cp::KernelState&& from,
                        const arrow::ArrayData& mapping) {
  auto* target_state = static_cast<HashState*>(ctx->state());
  auto& source_state = static_cast<HashState&>(from);
  std::scoped_lock lock(source_state.mutex, target_state->mutex);
  auto& target = target_state->groups;
  auto& source = source_state.groups;
  const auto* ids = mapping.GetValues<uint32_t>(1);
  for (size_t i = 0; i < source.size(); ++i) {
    auto& group = target[ids[i]];
    std::move(source[i].begin(), source[i].end(), std::back_inserter(group));
  }
  return arrow::Status::OK();
}

arrow::Status HashFinalize(cp::KernelContext* ctx, arrow::Datum* out) {
  auto* state = static_cast<HashState*>(ctx->state());
  std::lock_guard<std::mutex> lock(state->mutex);
  arrow::LargeStringBuilder builder(ctx->memory_pool());
  for (auto& group : state->groups) {
    ARROW_RETURN_NOT_OK(Join(state->options, &group, &builder));
  }
  ARROW_ASSIGN_OR_RAISE(auto array, builder.Finish());
  *out = std::move(array);
  return arrow::Status::OK();
}

arrow::Status Register() {
  auto* registry = cp::GetFunctionRegistry();
  ARROW_RETURN_NOT_OK(registry->AddFunctionOptionsType(StringAggOptions::Type()));
  const cp::FunctionDoc doc("Joins the non-NULL strings with a separator", "",
                            {"strings"});
  auto scalar =
      std::make_shared<cp::ScalarAggregateFunction>(kStringAgg, cp::Arity::Unary(), doc);
  auto hash = std::make_shared<cp::HashAggregateFunction>(
      std::string("hash_") + kStringAgg, cp::Arity::Binary(), doc);
  for (auto id : {arrow::Type::STRING, arrow::Type::LARGE_STRING}) {
    ARROW_RETURN_NOT_OK(scalar->AddKernel(cp::ScalarAggregateKernel(
        {cp::InputType(id)}, arrow::large_utf8(), Init<ScalarState>, ScalarConsume,
        ScalarMerge, ScalarFinalize, /*ordered=*/false)));
    ARROW_RETURN_NOT_OK(hash->AddKernel(cp::HashAggregateKernel(
        {cp::InputType(id), cp::InputType(arrow::Type::UINT32)}, arrow::large_utf8(),
        Init<HashState>, HashConsume, HashResize, HashMerge, HashFinalize,
        /*ordered=*/false)));
  }
  ARROW_RETURN_NOT_OK(registry->AddFunction(std::move(scalar)));
  return registry->AddFunction(std::move(hash));
}

}  // namespace

StringAggOptions::StringAggOptions(std::string separator, Order order)
    : cp::FunctionOptions(Type()), separator(std::move(separator)), order(order) {}

const cp::FunctionOptionsType* StringAggOptions::Type() {
  static const StringAggOptionsType type;
  return &type;
}

arrow::Status RegisterStringAgg() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice
