#include "exec/hash_aggregate_node.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/query_context.h>
#include <arrow/acero/util.h>
#include <arrow/array/util.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/compute/row/grouper.h>
#include <arrow/type.h>
#include <arrow/util/bitmap_ops.h>

#include "exec/breaker_node.h"
#include "exec/coded_groups.h"
#include "exec/group_accumulator.h"
#include "exec/key_hashes.h"
#include "exec/key_layout.h"
#include "exec/ordered_groups.h"

namespace sluice::exec {

namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

constexpr int64_t kOutputBatchRows = 64 * 1024;
// At the end the groups are split by the top bits of their key's hash into partitions,
// merged across threads one partition per task, in parallel.
constexpr int kPartitionBits = 4;
constexpr int kPartitions = 1 << kPartitionBits;

// Whether row i of `column` (i > 0) holds what row i - 1 does (both NULL counts).
bool SameAsPrevious(const arrow::ArraySpan& column, int width, int64_t i) {
  const bool valid = column.IsValid(i);
  if (valid != column.IsValid(i - 1)) return false;
  if (!valid) return true;
  if (width > 0) {
    const uint8_t* values = column.buffers[1].data + column.offset * width;
    return std::memcmp(values + i * width, values + (i - 1) * width, width) == 0;
  }
  const int32_t* offsets = column.GetValues<int32_t>(1);
  const int32_t size = offsets[i + 1] - offsets[i];
  return size == offsets[i] - offsets[i - 1] &&
         std::memcmp(column.buffers[2].data + offsets[i],
                     column.buffers[2].data + offsets[i - 1], size) == 0;
}

// The first row of each run of rows with equal keys; false (and `starts` incomplete)
// where runs are too short to be worth collapsing (judged on the first rows, then as it
// goes).
bool RunStarts(const std::vector<arrow::ArraySpan>& keys, const std::vector<int>& widths,
               int64_t length, std::vector<uint32_t>* starts) {
  constexpr int64_t kSample = 256;
  starts->clear();
  for (int64_t i = 0; i < length; ++i) {
    bool same = i > 0;
    for (size_t c = 0; same && c < keys.size(); ++c) {
      same = SameAsPrevious(keys[c], widths[c], i);
    }
    if (same) continue;
    starts->push_back(static_cast<uint32_t>(i));
    const auto runs = static_cast<int64_t>(starts->size());
    if (runs * 2 > length || (i < kSample && runs * 2 > kSample)) return false;
  }
  return true;
}

// A dictionary type's value type; any other type as it is.
std::shared_ptr<arrow::DataType> ValueType(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() != arrow::Type::DICTIONARY) return type;
  return static_cast<const arrow::DictionaryType&>(*type).value_type();
}

// A dictionary-encoded key column's values as numbers: the distinct values a thread has
// seen, numbered by a grouper of their own, and the numbers of the last dictionary's
// entries.
struct ValueCodes {
  std::unique_ptr<cp::Grouper> values;
  std::shared_ptr<arrow::ArrayData> dictionary;  // whose entries `codes` numbers
  std::vector<uint32_t> codes;
};

// What one thread has grouped.
struct ThreadState {
  std::mutex mutex;
  // While the thread's keys come in ascending order, `ordered` numbers its groups;
  // after, `grouper` has them all (renumbered, see MoveToGrouper). So does `coded`
  // while every key's code is small.
  std::unique_ptr<OrderedGroups> ordered;
  std::unique_ptr<CodedGroups> coded;
  std::unique_ptr<cp::Grouper> grouper;
  std::vector<std::unique_ptr<GroupAccumulator>> accumulators;
  std::vector<ValueCodes> value_codes;  // by key column; for dictionary-encoded ones
  // Scratch of the batch being consumed.
  std::vector<uint32_t> starts;  // of runs of equal keys
  arrow::Datum ids;
  std::vector<uint32_t> groups;
  // At the end: the keys of its groups, and the groups of each partition.
  cp::ExecBatch uniques;
  std::array<std::vector<uint32_t>, kPartitions> partitions;

  int64_t num_groups() const {
    if (ordered) return ordered->num_groups();
    return coded ? coded->num_groups() : grouper->num_groups();
  }
};

class HashAggregateNode final : public BreakerNode {
 public:
  HashAggregateNode(ac::ExecPlan* plan, std::vector<ac::ExecNode*> inputs,
                    std::shared_ptr<arrow::Schema> output_schema, std::vector<int> keys,
                    std::vector<GroupedAggregateCall> calls, std::vector<int> call_inputs)
      : BreakerNode(plan, std::move(inputs), {"input"}, std::move(output_schema)),
        keys_(std::move(keys)),
        calls_(std::move(calls)),
        call_inputs_(std::move(call_inputs)),
        layout_(KeyTypes(*inputs_[0]->output_schema(), keys_)) {
    const auto& input = *inputs_[0]->output_schema();
    for (int field : call_inputs_) {
      input_types_.push_back(field < 0 ? nullptr : input.field(field)->type());
    }
    for (size_t i = 0; i < keys_.size(); ++i) {
      grouped_widths_.push_back(IsDictionary(i) ? 4 : layout_.widths()[i]);
    }
    orderable_ = keys_.size() == 1 && OrderedGroups::Supports(*layout_.types()[0]) &&
                 !IsDictionary(0);
    codable_ = CodedGroups::Supports(keys_.size());
    for (size_t i = 0; i < keys_.size(); ++i) codable_ = codable_ && IsDictionary(i);
  }

  static arrow::Result<ac::ExecNode*> Make(ac::ExecPlan* plan,
                                           std::vector<ac::ExecNode*> inputs,
                                           const ac::ExecNodeOptions& options) {
    ARROW_RETURN_NOT_OK(ac::ValidateExecNodeInputs(plan, inputs, 1, kHashAggregateNode));
    const auto& given = static_cast<const GroupedAggregateOptions&>(options);
    const auto& input = *inputs[0]->output_schema();
    if (!GroupedAggregateSupports(input, given.keys, given.calls)) {
      return arrow::Status::NotImplemented(kHashAggregateNode, ": not for these types");
    }
    std::vector<int> keys, call_inputs;
    std::vector<std::shared_ptr<arrow::DataType>> expected;
    for (const auto& key : given.keys) {
      keys.push_back(input.GetFieldIndex(key));
      expected.push_back(ValueType(input.field(keys.back())->type()));
    }
    for (const auto& call : given.calls) {
      call_inputs.push_back(call.input.empty() ? -1 : input.GetFieldIndex(call.input));
      const arrow::DataType* type = call_inputs.back() < 0
                                        ? nullptr
                                        : input.field(call_inputs.back())->type().get();
      expected.push_back(GroupAccumulator::ResultType(call.function, type));
    }
    const auto& output = *given.output_schema;
    for (int i = 0; i < output.num_fields(); ++i) {
      if (i >= static_cast<int>(expected.size()) ||
          !output.field(i)->type()->Equals(*expected[i])) {
        return arrow::Status::Invalid(kHashAggregateNode, ": output column ", i,
                                      " is not of the type computed");
      }
    }
    return plan->EmplaceNode<HashAggregateNode>(plan, std::move(inputs),
                                                given.output_schema, std::move(keys),
                                                given.calls, std::move(call_inputs));
  }

  const char* kind_name() const override { return "SluiceHashAggregateNode"; }

  arrow::Status Init() override {
    auto* context = plan_->query_context();
    split_group_ = context->RegisterTaskGroup(
        [this](size_t, int64_t state) { return Split(state); },
        [this](size_t) {
          return plan_->query_context()->StartTaskGroup(merge_group_, kPartitions);
        });
    merge_group_ = context->RegisterTaskGroup(
        [this](size_t, int64_t partition) { return EmitPartition(partition); },
        [this](size_t) { return EmitDone(); });
    return ac::ExecNode::Init();
  }

 private:
  // The keys' types, a dictionary's as its values'.
  static std::vector<std::shared_ptr<arrow::DataType>> KeyTypes(
      const arrow::Schema& input, const std::vector<int>& keys) {
    std::vector<std::shared_ptr<arrow::DataType>> types;
    for (int key : keys) types.push_back(ValueType(input.field(key)->type()));
    return types;
  }

  bool IsDictionary(size_t key) const {
    return inputs_[0]->output_schema()->field(keys_[key])->type()->id() ==
           arrow::Type::DICTIONARY;
  }

  cp::ExecContext* context() { return plan_->query_context()->exec_context(); }
  arrow::MemoryPool* pool() { return context()->memory_pool(); }

  // A grouper of keys as they are merged (values), or as a thread groups them
  // (dictionary-encoded keys as their values' numbers).
  arrow::Result<std::unique_ptr<cp::Grouper>> MakeGrouper(bool merging) {
    std::vector<arrow::TypeHolder> types;
    for (size_t i = 0; i < keys_.size(); ++i) {
      types.emplace_back(!merging && IsDictionary(i) ? arrow::uint32()
                                                     : layout_.types()[i]);
    }
    return cp::Grouper::Make(types, context());
  }

  arrow::Result<std::vector<std::unique_ptr<GroupAccumulator>>> MakeAccumulators() {
    std::vector<std::unique_ptr<GroupAccumulator>> accumulators;
    for (size_t i = 0; i < calls_.size(); ++i) {
      ARROW_ASSIGN_OR_RAISE(
          auto accumulator,
          GroupAccumulator::Make(calls_[i].function, input_types_[i], pool()));
      accumulators.push_back(std::move(accumulator));
    }
    return accumulators;
  }

  // The calling thread's state, made on its first batch.
  arrow::Result<ThreadState*> StateOfThisThread() {
    const size_t index = plan_->query_context()->GetThreadIndex();
    std::lock_guard<std::mutex> lock(states_mutex_);
    if (index >= states_.size()) states_.resize(index + 1);
    auto& state = states_[index];
    if (!state) {
      auto made = std::make_unique<ThreadState>();
      ARROW_ASSIGN_OR_RAISE(made->grouper, MakeGrouper(/*merging=*/false));
      ARROW_ASSIGN_OR_RAISE(made->accumulators, MakeAccumulators());
      if (orderable_) made->ordered = std::make_unique<OrderedGroups>(pool());
      if (codable_) made->coded = std::make_unique<CodedGroups>(keys_.size());
      made->value_codes.resize(keys_.size());
      for (size_t i = 0; i < keys_.size(); ++i) {
        if (!IsDictionary(i)) continue;
        ARROW_ASSIGN_OR_RAISE(made->value_codes[i].values,
                              cp::Grouper::Make({layout_.types()[i]}, context()));
      }
      state = std::move(made);
    }
    return state.get();
  }

  // Column `field` of `batch` as an array (a constant column made one).
  arrow::Result<std::shared_ptr<arrow::ArrayData>> ArrayOf(const cp::ExecBatch& batch,
                                                           int field) {
    const arrow::Datum& value = batch.values[field];
    if (value.is_array()) return value.array();
    ARROW_ASSIGN_OR_RAISE(
        auto made, arrow::MakeArrayFromScalar(*value.scalar(), batch.length, pool()));
    return made->data();
  }

  arrow::Status Consume(cp::ExecBatch batch) override {
    ARROW_ASSIGN_OR_RAISE(ThreadState * state, StateOfThisThread());
    std::vector<arrow::Datum> keys;
    for (int key : keys_) {
      ARROW_ASSIGN_OR_RAISE(auto array, ArrayOf(batch, key));
      keys.emplace_back(std::move(array));
    }
    std::lock_guard<std::mutex> lock(state->mutex);
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (!IsDictionary(i)) continue;
      ARROW_ASSIGN_OR_RAISE(keys[i],
                            ValueNumbers(*keys[i].array(), &state->value_codes[i]));
    }
    std::vector<std::shared_ptr<arrow::ArrayData>> inputs;
    for (int field : call_inputs_) {
      std::shared_ptr<arrow::ArrayData> array;
      if (field >= 0) {
        ARROW_ASSIGN_OR_RAISE(array, ArrayOf(batch, field));
      }
      inputs.push_back(std::move(array));
    }
    ARROW_ASSIGN_OR_RAISE(const uint32_t* groups,
                          GroupsOf(std::move(keys), batch.length, state));
    for (size_t i = 0; i < calls_.size(); ++i) {
      auto& accumulator = *state->accumulators[i];
      ARROW_RETURN_NOT_OK(accumulator.Resize(state->num_groups()));
      if (!inputs[i]) {
        ARROW_RETURN_NOT_OK(accumulator.Consume(nullptr, groups, batch.length));
        continue;
      }
      const arrow::ArraySpan values(*inputs[i]);
      ARROW_RETURN_NOT_OK(accumulator.Consume(&values, groups, batch.length));
    }
    return arrow::Status::OK();
  }

  // A dictionary-encoded column as its values' numbers (NULL where it is NULL).
  arrow::Result<std::shared_ptr<arrow::ArrayData>> ValueNumbers(
      const arrow::ArrayData& column, ValueCodes* codes) {
    if (codes->dictionary != column.dictionary) {
      const cp::ExecBatch entries({arrow::Datum(column.dictionary)},
                                  column.dictionary->length);
      ARROW_ASSIGN_OR_RAISE(arrow::Datum numbers,
                            codes->values->Consume(cp::ExecSpan(entries)));
      const uint32_t* first = numbers.array()->GetValues<uint32_t>(1);
      codes->codes.assign(first, first + entries.length);
      codes->dictionary = column.dictionary;
    }
    const int64_t length = column.length;
    ARROW_ASSIGN_OR_RAISE(auto data, arrow::AllocateBuffer(length * 4, pool()));
    auto* out = reinterpret_cast<uint32_t*>(data->mutable_data());
    const int32_t* indices = column.GetValues<int32_t>(1);
    const auto entries = static_cast<uint32_t>(codes->codes.size());
    for (int64_t i = 0; i < length; ++i) {
      if (!column.IsValid(i)) {
        out[i] = 0;
        continue;
      }
      const auto index = static_cast<uint32_t>(indices[i]);
      if (index >= entries) {
        return arrow::Status::Invalid("dictionary index ", indices[i], " out of range");
      }
      out[i] = codes->codes[index];
    }
    std::shared_ptr<arrow::Buffer> validity;
    if (column.MayHaveNulls()) {
      ARROW_ASSIGN_OR_RAISE(validity,
                            arrow::internal::CopyBitmap(pool(), column.buffers[0]->data(),
                                                        column.offset, length));
    }
    return arrow::ArrayData::Make(arrow::uint32(), length,
                                  {std::move(validity), std::move(data)},
                                  column.GetNullCount());
  }

  // The group of each row of `keys`: while they are in order, by comparing each with the
  // last. Else where runs of rows share a key (input clustered on it) and there are
  // enough groups that lookups miss the cache, only each run's first row is looked up.
  arrow::Result<const uint32_t*> GroupsOf(std::vector<arrow::Datum> keys, int64_t length,
                                          ThreadState* state) {
    constexpr uint32_t kManyGroups = 64 * 1024;
    std::vector<arrow::ArraySpan> spans;
    for (const auto& key : keys) spans.emplace_back(*key.array());
    if (state->ordered) {
      state->groups.resize(static_cast<size_t>(length));
      ARROW_ASSIGN_OR_RAISE(bool in_order,
                            state->ordered->Consume(spans[0], state->groups.data()));
      if (in_order) return state->groups.data();
      ARROW_RETURN_NOT_OK(LeaveOrder(state));
    }
    if (state->coded) {
      state->groups.resize(static_cast<size_t>(length));
      if (state->coded->Consume(spans, length, state->groups.data())) {
        return state->groups.data();
      }
      ARROW_RETURN_NOT_OK(LeaveCodes(state));
    }
    if (state->grouper->num_groups() < kManyGroups ||
        !RunStarts(spans, grouped_widths_, length, &state->starts)) {
      const cp::ExecBatch batch(std::move(keys), length);
      ARROW_ASSIGN_OR_RAISE(state->ids, state->grouper->Consume(cp::ExecSpan(batch)));
      return state->ids.array()->GetValues<uint32_t>(1);
    }
    auto indices = std::make_shared<arrow::UInt32Array>(
        static_cast<int64_t>(state->starts.size()), arrow::Buffer::Wrap(state->starts));
    for (auto& key : keys) {
      ARROW_ASSIGN_OR_RAISE(
          key, cp::Take(key, indices, cp::TakeOptions::NoBoundsCheck(), context()));
    }
    const cp::ExecBatch firsts(std::move(keys), indices->length());
    ARROW_ASSIGN_OR_RAISE(state->ids, state->grouper->Consume(cp::ExecSpan(firsts)));
    const uint32_t* run_groups = state->ids.array()->GetValues<uint32_t>(1);
    state->groups.resize(static_cast<size_t>(length));
    size_t run = 0;
    for (int64_t i = 0; i < length; ++i) {
      if (run + 1 < state->starts.size() && state->starts[run + 1] == i) ++run;
      state->groups[i] = run_groups[run];
    }
    return state->groups.data();
  }

  // The thread's ordered groups moved to its grouper.
  arrow::Status LeaveOrder(ThreadState* state) {
    const int64_t groups = state->ordered->num_groups();
    if (groups > 0) {
      ARROW_ASSIGN_OR_RAISE(auto keys,
                            state->ordered->Keys(layout_.types()[0], 0, groups));
      ARROW_RETURN_NOT_OK(
          MoveToGrouper(cp::ExecBatch({arrow::Datum(std::move(keys))}, groups), state));
    }
    state->ordered.reset();
    return arrow::Status::OK();
  }

  // The thread's coded groups moved to its grouper.
  arrow::Status LeaveCodes(ThreadState* state) {
    const int64_t groups = state->coded->num_groups();
    if (groups > 0) {
      ARROW_ASSIGN_OR_RAISE(auto keys, state->coded->Keys(pool()));
      ARROW_RETURN_NOT_OK(MoveToGrouper(cp::ExecBatch(std::move(keys), groups), state));
    }
    state->coded.reset();
    return arrow::Status::OK();
  }

  // The thread's groups so far, numbered 0.. with keys `keys`, given to its grouper.
  // The grouper numbers them its own way (in no promised order, and a key in more than
  // one ordered segment once), so the aggregates' states are moved to its numbers.
  arrow::Status MoveToGrouper(const cp::ExecBatch& keys, ThreadState* state) {
    ARROW_ASSIGN_OR_RAISE(auto ids, state->grouper->Consume(cp::ExecSpan(keys)));
    const uint32_t* to = ids.array()->GetValues<uint32_t>(1);
    std::vector<uint32_t> from(static_cast<size_t>(keys.length));
    for (size_t i = 0; i < from.size(); ++i) from[i] = static_cast<uint32_t>(i);
    ARROW_ASSIGN_OR_RAISE(auto moved, MakeAccumulators());
    for (size_t i = 0; i < calls_.size(); ++i) {
      ARROW_RETURN_NOT_OK(moved[i]->Resize(state->grouper->num_groups()));
      ARROW_RETURN_NOT_OK(
          moved[i]->Merge(*state->accumulators[i], from.data(), to, keys.length));
    }
    state->accumulators = std::move(moved);
    return arrow::Status::OK();
  }

  // Once all input is in: each thread's groups split into partitions (a task per
  // thread), then the partitions merged and emitted (a task per partition).
  //
  // The scheduler orders each step after the one before, by synchronization inside
  // Arrow; the release/acquire pairs on `steps_` say so where ThreadSanitizer can see it.
  arrow::Status Finish() override {
    int64_t states;
    {
      std::lock_guard<std::mutex> lock(states_mutex_);
      std::erase_if(states_, [](const auto& state) { return state == nullptr; });
      states = static_cast<int64_t>(states_.size());
    }
    if (states == 0) return output_->InputFinished(this, 0);
    by_ranges_ = SplitByRanges();
    steps_.fetch_add(1, std::memory_order_release);
    if (by_ranges_)
      return plan_->query_context()->StartTaskGroup(merge_group_, kPartitions);
    return plan_->query_context()->StartTaskGroup(split_group_, states);
  }

  // When every thread's groups are ordered: partitions as ranges of keys, cut at
  // quantiles of the longest segment, and where each range begins in each segment of
  // each thread. False (and nothing done) otherwise.
  bool SplitByRanges() {
    for (auto& state : states_) {
      std::lock_guard<std::mutex> lock(state->mutex);  // after the thread's last batch
      if (!state->ordered) return false;
    }
    for (size_t t = 0; t < states_.size(); ++t) {
      const auto& segments = states_[t]->ordered->segments();
      for (size_t k = 0; k + 1 < segments.size(); ++k) {
        segments_.push_back({t, segments[k], segments[k + 1], {}});
      }
    }
    const auto longest = std::max_element(
        segments_.begin(), segments_.end(),
        [](const auto& a, const auto& b) { return a.end - a.begin < b.end - b.begin; });
    const int64_t* cuts = states_[longest->thread]->ordered->keys() + longest->begin;
    const int64_t n = longest->end - longest->begin;
    for (auto& segment : segments_) {
      const int64_t* keys = states_[segment.thread]->ordered->keys();
      segment.bounds[0] = segment.begin;
      segment.bounds[kPartitions] = segment.end;
      for (int p = 1; p < kPartitions; ++p) {
        segment.bounds[p] = std::lower_bound(keys + segment.begin, keys + segment.end,
                                             cuts[p * n / kPartitions]) -
                            keys;
      }
    }
    return true;
  }

  // A thread's groups, by the partition of their key's hash.
  arrow::Status Split(int64_t index) {
    steps_.load(std::memory_order_acquire);
    ThreadState& state = *states_[index];
    std::lock_guard<std::mutex> lock(state.mutex);  // after the thread's last batch
    ARROW_RETURN_NOT_OK(SplitGroups(state));
    steps_.fetch_add(1, std::memory_order_release);
    return arrow::Status::OK();
  }

  arrow::Status SplitGroups(ThreadState& state) {
    if (state.ordered) ARROW_RETURN_NOT_OK(LeaveOrder(&state));
    if (state.coded) ARROW_RETURN_NOT_OK(LeaveCodes(&state));
    ARROW_ASSIGN_OR_RAISE(state.uniques, state.grouper->GetUniques());
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (!IsDictionary(i)) continue;
      ARROW_ASSIGN_OR_RAISE(auto values, state.value_codes[i].values->GetUniques());
      ARROW_ASSIGN_OR_RAISE(state.uniques.values[i],
                            cp::Take(values.values[0], state.uniques.values[i],
                                     cp::TakeOptions::Defaults(), context()));
    }
    std::vector<arrow::ArraySpan> spans;
    for (const auto& value : state.uniques.values) spans.emplace_back(*value.array());
    std::vector<const arrow::ArraySpan*> keys;
    for (const auto& span : spans) keys.push_back(&span);
    KeyHashes hashes(&layout_);
    const auto& hash = hashes.Compute(keys, state.uniques.length);
    for (int64_t group = 0; group < state.uniques.length; ++group) {
      state.partitions[hash[group] >> (64 - kPartitionBits)].push_back(
          static_cast<uint32_t>(group));
    }
    state.grouper.reset();
    return arrow::Status::OK();
  }

  // Partition p of every thread merged into one grouper, and emitted.
  arrow::Status EmitPartition(int64_t p) {
    steps_.load(std::memory_order_acquire);
    ARROW_RETURN_NOT_OK(by_ranges_ ? MergeRange(p) : MergePartition(p));
    steps_.fetch_add(1, std::memory_order_release);
    return arrow::Status::OK();
  }

  arrow::Status MergePartition(int64_t p) {
    ARROW_ASSIGN_OR_RAISE(auto grouper, MakeGrouper(/*merging=*/true));
    ARROW_ASSIGN_OR_RAISE(auto accumulators, MakeAccumulators());
    for (auto& state : states_) {
      const std::vector<uint32_t>& from = state->partitions[p];
      if (from.empty()) continue;
      auto indices = std::make_shared<arrow::UInt32Array>(
          static_cast<int64_t>(from.size()), arrow::Buffer::Wrap(from));
      std::vector<arrow::Datum> keys;
      for (const auto& column : state->uniques.values) {
        ARROW_ASSIGN_OR_RAISE(
            auto taken,
            cp::Take(column, indices, cp::TakeOptions::NoBoundsCheck(), context()));
        keys.push_back(std::move(taken));
      }
      const cp::ExecBatch batch(std::move(keys), indices->length());
      ARROW_ASSIGN_OR_RAISE(arrow::Datum to, grouper->Consume(cp::ExecSpan(batch)));
      for (size_t i = 0; i < calls_.size(); ++i) {
        ARROW_RETURN_NOT_OK(accumulators[i]->Resize(grouper->num_groups()));
        ARROW_RETURN_NOT_OK(accumulators[i]->Merge(*state->accumulators[i], from.data(),
                                                   to.array()->GetValues<uint32_t>(1),
                                                   indices->length()));
      }
    }
    if (grouper->num_groups() == 0) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(cp::ExecBatch uniques, grouper->GetUniques());
    std::vector<std::shared_ptr<arrow::ArrayData>> columns;
    for (const auto& value : uniques.values) columns.push_back(value.array());
    return Emit(std::move(columns), accumulators, grouper->num_groups());
  }

  // Key range p of every thread's ordered segments merged in key order, and emitted.
  arrow::Status MergeRange(int64_t p) {
    const size_t threads = states_.size();
    std::vector<std::vector<uint32_t>> from(threads), to(threads);
    std::vector<int64_t> next;
    for (const auto& segment : segments_) next.push_back(segment.bounds[p]);
    OrderedGroups merged(pool());
    while (true) {
      int chosen = -1;
      int64_t key = 0;
      for (size_t k = 0; k < segments_.size(); ++k) {
        const auto& segment = segments_[k];
        if (next[k] == segment.bounds[p + 1]) continue;
        const int64_t candidate = states_[segment.thread]->ordered->keys()[next[k]];
        if (chosen < 0 || candidate < key) {
          chosen = static_cast<int>(k);
          key = candidate;
        }
      }
      if (chosen < 0) break;
      const int64_t groups = merged.num_groups();
      if (groups == 0 || merged.keys()[groups - 1] != key) {
        ARROW_RETURN_NOT_OK(merged.Append(key));
      }
      const size_t thread = segments_[chosen].thread;
      from[thread].push_back(static_cast<uint32_t>(next[chosen]++));
      to[thread].push_back(static_cast<uint32_t>(merged.num_groups() - 1));
    }
    const int64_t groups = merged.num_groups();
    if (groups == 0) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(auto accumulators, MakeAccumulators());
    for (size_t t = 0; t < threads; ++t) {
      for (size_t i = 0; i < calls_.size(); ++i) {
        ARROW_RETURN_NOT_OK(accumulators[i]->Resize(groups));
        ARROW_RETURN_NOT_OK(accumulators[i]->Merge(*states_[t]->accumulators[i],
                                                   from[t].data(), to[t].data(),
                                                   static_cast<int64_t>(from[t].size())));
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto keys, merged.Keys(layout_.types()[0], 0, groups));
    return Emit({std::move(keys)}, accumulators, groups);
  }

  // `keys` (columns of `groups` rows) and the accumulators' results, in batches.
  arrow::Status Emit(std::vector<std::shared_ptr<arrow::ArrayData>> columns,
                     std::vector<std::unique_ptr<GroupAccumulator>>& accumulators,
                     int64_t groups) {
    for (auto& accumulator : accumulators) {
      ARROW_ASSIGN_OR_RAISE(auto column, accumulator->Finish());
      columns.push_back(std::move(column));
    }
    for (int64_t offset = 0; offset < groups; offset += kOutputBatchRows) {
      const int64_t length = std::min(kOutputBatchRows, groups - offset);
      std::vector<arrow::Datum> values;
      for (const auto& column : columns)
        values.emplace_back(column->Slice(offset, length));
      ARROW_RETURN_NOT_OK(output_->InputReceived(this, cp::ExecBatch(values, length)));
      ++batches_;
    }
    return arrow::Status::OK();
  }

  arrow::Status EmitDone() {
    steps_.load(std::memory_order_acquire);
    states_.clear();
    return output_->InputFinished(this, batches_.load());
  }

  std::vector<int> keys_;
  std::vector<GroupedAggregateCall> calls_;
  std::vector<int> call_inputs_;  // -1 for count_all
  KeyLayout layout_;
  std::vector<int> grouped_widths_;  // of the keys a thread groups (value numbers: 4)
  std::vector<std::shared_ptr<arrow::DataType>> input_types_;

  std::mutex states_mutex_;
  std::vector<std::unique_ptr<ThreadState>> states_;  // by thread index
  bool orderable_ = false;  // one key, of a type OrderedGroups numbers
  bool codable_ = false;    // one or two keys, each dictionary-encoded
  bool by_ranges_ = false;  // partitions are ranges of ordered keys
  // When they are: each ascending segment of each thread's groups, and where each
  // partition's range begins in it.
  struct Segment {
    size_t thread;
    int64_t begin, end;
    std::array<int64_t, kPartitions + 1> bounds;
  };
  std::vector<Segment> segments_;
  int split_group_ = -1;
  int merge_group_ = -1;
  std::atomic<int> batches_{0};
  std::atomic<int64_t> steps_{0};  // Finish, Split and merge tasks done
};

arrow::Status Register() {
  return ac::default_exec_factory_registry()->AddFactory(kHashAggregateNode,
                                                         HashAggregateNode::Make);
}

}  // namespace

GroupedAggregateOptions::GroupedAggregateOptions(
    std::vector<std::string> keys, std::vector<GroupedAggregateCall> calls,
    std::shared_ptr<arrow::Schema> output_schema)
    : keys(std::move(keys)),
      calls(std::move(calls)),
      output_schema(std::move(output_schema)) {}

bool GroupedAggregateSupports(const arrow::Schema& input,
                              const std::vector<std::string>& keys,
                              const std::vector<GroupedAggregateCall>& calls) {
  if (keys.empty()) return false;
  for (const auto& key : keys) {
    auto field = input.GetFieldByName(key);
    if (!field) return false;
    const auto& type = *field->type();
    if (type.id() == arrow::Type::DICTIONARY) {
      const auto& dictionary = static_cast<const arrow::DictionaryType&>(type);
      if (dictionary.index_type()->id() != arrow::Type::INT32 ||
          !arrow::is_base_binary_like(dictionary.value_type()->id()) ||
          !KeyLayout::SupportsKey(*dictionary.value_type())) {
        return false;
      }
    } else if (!KeyLayout::SupportsKey(type)) {
      return false;
    }
  }
  for (const auto& call : calls) {
    const arrow::DataType* type = nullptr;
    if (!call.input.empty()) {
      auto field = input.GetFieldByName(call.input);
      if (!field) return false;
      type = field->type().get();
    }
    if (!GroupAccumulator::Supports(call.function, type)) return false;
  }
  return true;
}

arrow::Status RegisterHashAggregateNode() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice::exec
