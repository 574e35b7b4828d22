#pragma once

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/util.h>
#include <arrow/compute/exec.h>

namespace sluice::exec {

// An Acero node of one input that emits only once it has read all of it (a pipeline
// breaker: a grouped aggregate, a top-k). Batches go to Consume, from any thread; Finish
// runs once, after the last batch is consumed and the input has said how many there
// were. Pausing is not passed on: such a node must read everything anyway.
class BreakerNode : public arrow::acero::ExecNode {
 public:
  using arrow::acero::ExecNode::ExecNode;

  arrow::Status InputReceived(arrow::acero::ExecNode*,
                              arrow::compute::ExecBatch batch) final {
    ARROW_RETURN_NOT_OK(Consume(std::move(batch)));
    return input_counter_.Increment() ? Finish() : arrow::Status::OK();
  }

  arrow::Status InputFinished(arrow::acero::ExecNode*, int total_batches) final {
    return input_counter_.SetTotal(total_batches) ? Finish() : arrow::Status::OK();
  }

  arrow::Status StartProducing() override { return arrow::Status::OK(); }
  void PauseProducing(arrow::acero::ExecNode*, int32_t) override {}
  void ResumeProducing(arrow::acero::ExecNode*, int32_t) override {}

 protected:
  arrow::Status StopProducingImpl() override { return arrow::Status::OK(); }

  virtual arrow::Status Consume(arrow::compute::ExecBatch batch) = 0;
  virtual arrow::Status Finish() = 0;

 private:
  arrow::acero::AtomicCounter input_counter_;
};

}  // namespace sluice::exec
