#include "exec/integer_join_node.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/query_context.h>
#include <arrow/acero/util.h>
#include <arrow/array/concatenate.h>
#include <arrow/array/util.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/type.h>

#include "exec/integer_key_table.h"

namespace sluice::exec {

namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

constexpr int64_t kOutputBatchRows = 64 * 1024;

// Whether `rows` is 0, 1, 2, ...
bool EachOnceInOrder(const std::vector<uint32_t>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] != i) return false;
  }
  return true;
}

// rows[0..length) as indices for Arrow's take, not copied.
std::shared_ptr<arrow::UInt32Array> Indices(const uint32_t* rows, int64_t length) {
  return std::make_shared<arrow::UInt32Array>(
      length, arrow::Buffer::Wrap(rows, static_cast<size_t>(length)));
}

class IntegerJoinNode final : public ac::ExecNode {
 public:
  IntegerJoinNode(ac::ExecPlan* plan, std::vector<ac::ExecNode*> inputs,
                  std::shared_ptr<arrow::Schema> output_schema, int probe_key,
                  int build_key, bool keep_unmatched_build)
      : ExecNode(plan, std::move(inputs), {"probe", "build"}, std::move(output_schema)),
        probe_key_(probe_key),
        build_key_(build_key),
        keep_unmatched_build_(keep_unmatched_build),
        table_(plan->query_context()->exec_context()->memory_pool()) {}

  static arrow::Result<ac::ExecNode*> Make(ac::ExecPlan* plan,
                                           std::vector<ac::ExecNode*> inputs,
                                           const ac::ExecNodeOptions& options) {
    ARROW_RETURN_NOT_OK(ac::ValidateExecNodeInputs(plan, inputs, 2, kIntegerJoinNode));
    const auto& given = static_cast<const IntegerJoinOptions&>(options);
    const auto& probe = *inputs[0]->output_schema();
    const auto& build = *inputs[1]->output_schema();
    if (!IntegerJoinSupports(probe, given.probe_key, build, given.build_key)) {
      return arrow::Status::NotImplemented(kIntegerJoinNode, ": not for these keys");
    }
    arrow::FieldVector fields;
    for (const auto& field : probe.fields()) {
      fields.push_back(given.keep_unmatched_build ? field->WithNullable(true) : field);
    }
    for (const auto& field : build.fields()) fields.push_back(field);
    return plan->EmplaceNode<IntegerJoinNode>(
        plan, std::move(inputs), arrow::schema(std::move(fields)),
        probe.GetFieldIndex(given.probe_key), build.GetFieldIndex(given.build_key),
        given.keep_unmatched_build);
  }

  const char* kind_name() const override { return "SluiceIntegerJoinNode"; }

  arrow::Status InputReceived(ac::ExecNode* input, cp::ExecBatch batch) override {
    if (input == inputs_[1]) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        build_batches_.push_back(std::move(batch));
      }
      return build_counter_.Increment() ? Build() : arrow::Status::OK();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!built_) {
        waiting_.push_back(std::move(batch));
        return arrow::Status::OK();
      }
    }
    return ProbeAndCount(batch);
  }

  arrow::Status InputFinished(ac::ExecNode* input, int total_batches) override {
    if (input == inputs_[1]) {
      return build_counter_.SetTotal(total_batches) ? Build() : arrow::Status::OK();
    }
    return probe_counter_.SetTotal(total_batches) ? PartDone() : arrow::Status::OK();
  }

  arrow::Status StartProducing() override { return arrow::Status::OK(); }
  void PauseProducing(ac::ExecNode* output, int32_t counter) override {
    inputs_[0]->PauseProducing(this, counter);
  }
  void ResumeProducing(ac::ExecNode* output, int32_t counter) override {
    inputs_[0]->ResumeProducing(this, counter);
  }

 protected:
  arrow::Status StopProducingImpl() override { return arrow::Status::OK(); }

 private:
  arrow::MemoryPool* pool() {
    return plan_->query_context()->exec_context()->memory_pool();
  }
  cp::ExecContext* context() { return plan_->query_context()->exec_context(); }

  // The build side's columns made one array each, its rows indexed by key; then the
  // probe batches that waited.
  arrow::Status Build() {
    std::vector<cp::ExecBatch> batches;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      batches = std::move(build_batches_);
    }
    const auto& schema = *inputs_[1]->output_schema();
    for (int c = 0; c < schema.num_fields(); ++c) {
      arrow::ArrayVector pieces;
      for (const auto& batch : batches) {
        const arrow::Datum& value = batch.values[c];
        if (value.is_array()) {
          pieces.push_back(value.make_array());
          continue;
        }
        ARROW_ASSIGN_OR_RAISE(
            auto made, arrow::MakeArrayFromScalar(*value.scalar(), batch.length, pool()));
        pieces.push_back(std::move(made));
      }
      if (pieces.empty()) {
        ARROW_ASSIGN_OR_RAISE(auto empty,
                              arrow::MakeEmptyArray(schema.field(c)->type(), pool()));
        pieces.push_back(std::move(empty));
      }
      ARROW_ASSIGN_OR_RAISE(auto column, arrow::Concatenate(pieces, pool()));
      build_columns_.push_back(column->data());
    }
    batches.clear();
    ARROW_RETURN_NOT_OK(table_.Build(arrow::ArraySpan(*build_columns_[build_key_])));
    if (keep_unmatched_build_) {
      matched_ = std::make_unique<std::atomic<uint8_t>[]>(
          static_cast<size_t>(build_columns_[build_key_]->length));
    }
    std::vector<cp::ExecBatch> waiting;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      built_ = true;
      waiting = std::move(waiting_);
    }
    for (auto& batch : waiting) ARROW_RETURN_NOT_OK(ProbeAndCount(batch));
    return PartDone();
  }

  arrow::Status ProbeAndCount(const cp::ExecBatch& batch) {
    ARROW_RETURN_NOT_OK(Probe(batch));
    return probe_counter_.Increment() ? PartDone() : arrow::Status::OK();
  }

  // The joined rows of one probe batch, in batches of at most kOutputBatchRows.
  arrow::Status Probe(const cp::ExecBatch& batch) {
    const arrow::Datum& key = batch.values[probe_key_];
    std::shared_ptr<arrow::ArrayData> keys;
    if (key.is_array()) {
      keys = key.array();
    } else {
      ARROW_ASSIGN_OR_RAISE(
          auto made, arrow::MakeArrayFromScalar(*key.scalar(), batch.length, pool()));
      keys = made->data();
    }
    std::vector<uint32_t> probe_rows, build_rows;
    table_.Probe(arrow::ArraySpan(*keys), &probe_rows, &build_rows);
    if (matched_) {
      for (uint32_t row : build_rows) {
        if (!matched_[row].load(std::memory_order_relaxed)) {
          matched_[row].store(1, std::memory_order_relaxed);
        }
      }
    }
    const auto matches = static_cast<int64_t>(probe_rows.size());
    const bool all_once = matches == batch.length && matches <= kOutputBatchRows &&
                          EachOnceInOrder(probe_rows);
    for (int64_t offset = 0; offset < matches; offset += kOutputBatchRows) {
      const int64_t length = std::min(kOutputBatchRows, matches - offset);
      ARROW_ASSIGN_OR_RAISE(auto joined,
                            Joined(batch, probe_rows.data() + offset,
                                   build_rows.data() + offset, length, all_once));
      ARROW_RETURN_NOT_OK(output_->InputReceived(this, std::move(joined)));
      ++output_batches_;
    }
    return arrow::Status::OK();
  }

  // `length` joined rows: probe rows `probe_rows` of `batch` beside build rows
  // `build_rows`. `all_once`: every probe row matched once, in order.
  arrow::Result<cp::ExecBatch> Joined(const cp::ExecBatch& batch,
                                      const uint32_t* probe_rows,
                                      const uint32_t* build_rows, int64_t length,
                                      bool all_once) {
    std::vector<arrow::Datum> values;
    const auto probe_indices = Indices(probe_rows, length);
    for (const auto& value : batch.values) {
      if (all_once || value.is_scalar()) {
        values.push_back(value);
        continue;
      }
      ARROW_ASSIGN_OR_RAISE(
          auto taken,
          cp::Take(value, probe_indices, cp::TakeOptions::NoBoundsCheck(), context()));
      values.push_back(std::move(taken));
    }
    ARROW_RETURN_NOT_OK(TakeBuildColumns(build_rows, length, &values));
    return cp::ExecBatch(std::move(values), length);
  }

  // Appends to `values` the build side's columns at rows `rows[0..length)`.
  arrow::Status TakeBuildColumns(const uint32_t* rows, int64_t length,
                                 std::vector<arrow::Datum>* values) {
    const auto indices = Indices(rows, length);
    for (const auto& column : build_columns_) {
      ARROW_ASSIGN_OR_RAISE(auto taken,
                            cp::Take(arrow::Datum(column), indices,
                                     cp::TakeOptions::NoBoundsCheck(), context()));
      values->push_back(std::move(taken));
    }
    return arrow::Status::OK();
  }

  // The build side indexed and every probe batch joined: at the second of the two, the
  // unmatched build rows (if kept) and the end of the output.
  arrow::Status PartDone() {
    if (parts_done_.fetch_add(1) + 1 < 2) return arrow::Status::OK();
    if (keep_unmatched_build_) ARROW_RETURN_NOT_OK(EmitUnmatchedBuildRows());
    return output_->InputFinished(this, output_batches_.load());
  }

  // The build rows no probe row matched, beside NULL probe columns. The matches were
  // marked by probes that all finished before this runs.
  arrow::Status EmitUnmatchedBuildRows() {
    const int64_t rows = build_columns_[build_key_]->length;
    std::vector<uint32_t> unmatched;
    for (int64_t row = 0; row < rows; ++row) {
      if (!matched_[row].load(std::memory_order_relaxed)) {
        unmatched.push_back(static_cast<uint32_t>(row));
      }
    }
    const auto total = static_cast<int64_t>(unmatched.size());
    const auto& probe = *inputs_[0]->output_schema();
    for (int64_t offset = 0; offset < total; offset += kOutputBatchRows) {
      const int64_t length = std::min(kOutputBatchRows, total - offset);
      std::vector<arrow::Datum> values;
      for (const auto& field : probe.fields()) {
        ARROW_ASSIGN_OR_RAISE(auto nulls,
                              arrow::MakeArrayOfNull(field->type(), length, pool()));
        values.emplace_back(std::move(nulls));
      }
      ARROW_RETURN_NOT_OK(TakeBuildColumns(unmatched.data() + offset, length, &values));
      ARROW_RETURN_NOT_OK(
          output_->InputReceived(this, cp::ExecBatch(std::move(values), length)));
      ++output_batches_;
    }
    return arrow::Status::OK();
  }

  int probe_key_;
  int build_key_;
  bool keep_unmatched_build_;
  std::mutex mutex_;
  std::vector<cp::ExecBatch> build_batches_;  // until built
  std::vector<cp::ExecBatch> waiting_;        // probe batches that came before
  bool built_ = false;
  std::vector<std::shared_ptr<arrow::ArrayData>> build_columns_;
  IntegerKeyTable table_;
  ac::AtomicCounter build_counter_;
  ac::AtomicCounter probe_counter_;
  std::atomic<int> output_batches_{0};
  std::atomic<int> parts_done_{0};  // the build side indexed; every probe batch joined
  // By build row, once built, if unmatched rows are kept: whether some probe row matched.
  std::unique_ptr<std::atomic<uint8_t>[]> matched_;
};

}  // namespace

bool IntegerJoinSupports(const arrow::Schema& probe, const std::string& probe_key,
                         const arrow::Schema& build, const std::string& build_key) {
  const auto a = probe.GetFieldByName(probe_key);
  const auto b = build.GetFieldByName(build_key);
  return a && b && a->type()->Equals(*b->type()) && IntegerKeyTable::Supports(*a->type());
}

arrow::Status RegisterIntegerJoinNode() {
  static const arrow::Status registered = ac::default_exec_factory_registry()->AddFactory(
      kIntegerJoinNode, IntegerJoinNode::Make);
  return registered;
}

}  // namespace sluice::exec
