#include "exec/top_k_node.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/query_context.h>
#include <arrow/acero/util.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>

#include "exec/breaker_node.h"

namespace sluice::exec {

namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

// Rows gathered before the first rows are selected again (at least; at least `count`).
constexpr int64_t kGatherRows = 64 * 1024;

class TopKNode final : public BreakerNode {
 public:
  TopKNode(ac::ExecPlan* plan, std::vector<ac::ExecNode*> inputs,
           std::shared_ptr<arrow::Schema> schema, cp::Ordering ordering, int64_t count)
      : BreakerNode(plan, std::move(inputs), {"input"}, std::move(schema)),
        ordering_(std::move(ordering)),
        count_(count),
        gather_rows_(count > kGatherRows / 4 ? std::max(kGatherRows, count)
                                             : kGatherRows) {}

  static arrow::Result<ac::ExecNode*> Make(ac::ExecPlan* plan,
                                           std::vector<ac::ExecNode*> inputs,
                                           const ac::ExecNodeOptions& options) {
    ARROW_RETURN_NOT_OK(ac::ValidateExecNodeInputs(plan, inputs, 1, kTopKNode));
    const auto& given = static_cast<const TopKOptions&>(options);
    if (given.count < 0 || given.ordering.sort_keys().empty()) {
      return arrow::Status::Invalid(kTopKNode, ": needs sort keys and a count >= 0");
    }
    auto schema = inputs[0]->output_schema();
    return plan->EmplaceNode<TopKNode>(plan, std::move(inputs), std::move(schema),
                                       given.ordering, given.count);
  }

  const char* kind_name() const override { return "SluiceTopKNode"; }
  const cp::Ordering& ordering() const override { return ordering_; }

 protected:
  arrow::Status Consume(cp::ExecBatch batch) override {
    ARROW_ASSIGN_OR_RAISE(auto rows, batch.ToRecordBatch(output_schema_, pool()));
    std::lock_guard<std::mutex> lock(mutex_);
    gathered_rows_ += rows->num_rows();
    gathered_.push_back(std::move(rows));
    return gathered_rows_ >= gather_rows_ ? KeepFirst() : arrow::Status::OK();
  }

  arrow::Status Finish() override {
    std::lock_guard<std::mutex> lock(mutex_);
    ARROW_RETURN_NOT_OK(KeepFirst());
    int batches = 0;
    for (int64_t offset = 0; offset < kept_->num_rows(); offset += kGatherRows) {
      cp::ExecBatch batch(*kept_->Slice(offset, kGatherRows));
      batch.index = batches++;
      ARROW_RETURN_NOT_OK(output_->InputReceived(this, std::move(batch)));
    }
    kept_.reset();
    return output_->InputFinished(this, batches);
  }

 private:
  arrow::MemoryPool* pool() { return plan_->query_context()->memory_pool(); }

  // The rows of `table` at `indices`, as one batch.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Taken(
      const arrow::Datum& table, const std::shared_ptr<arrow::Array>& indices,
      cp::ExecContext* context) {
    ARROW_ASSIGN_OR_RAISE(auto taken,
                          cp::Take(table, arrow::Datum(indices),
                                   cp::TakeOptions::NoBoundsCheck(), context));
    return taken.table()->CombineChunksToBatch(pool());
  }

  // Keeps the first count_ of the kept and gathered rows, in order (select_k gives its
  // rows sorted). Selecting them costs about log(count_) comparisons a row where a sort
  // costs log(rows); Arrow's sort of one DECIMAL key took 40 ms for 150K rows.
  arrow::Status KeepFirst() {
    if (kept_) gathered_.push_back(std::move(kept_));
    ARROW_ASSIGN_OR_RAISE(auto table,
                          arrow::Table::FromRecordBatches(output_schema_, gathered_));
    gathered_.clear();
    gathered_rows_ = 0;
    cp::ExecContext context(pool(), plan_->query_context()->executor());
    ARROW_ASSIGN_OR_RAISE(
        auto indices,
        cp::SelectKUnstable(arrow::Datum(table),
                            cp::SelectKOptions(count_, ordering_.sort_keys()), &context));
    ARROW_ASSIGN_OR_RAISE(kept_, Taken(arrow::Datum(table), indices, &context));
    return arrow::Status::OK();
  }

  cp::Ordering ordering_;
  int64_t count_;
  int64_t gather_rows_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<arrow::RecordBatch>> gathered_;
  int64_t gathered_rows_ = 0;
  std::shared_ptr<arrow::RecordBatch> kept_;
};

arrow::Status Register() {
  return ac::default_exec_factory_registry()->AddFactory(kTopKNode, TopKNode::Make);
}

}  // namespace

arrow::Status RegisterTopKNode() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice::exec
