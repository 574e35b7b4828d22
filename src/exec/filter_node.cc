#include "exec/filter_node.h"

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/map_node.h>
#include <arrow/acero/options.h>
#include <arrow/acero/query_context.h>
#include <arrow/acero/util.h>
#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_ops.h>

#include "exec/row_gather.h"

namespace sluice::exec {

namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

class FilterNode : public ac::MapNode {
 public:
  FilterNode(ac::ExecPlan* plan, std::vector<ac::ExecNode*> inputs,
             std::shared_ptr<arrow::Schema> schema, cp::Expression filter)
      : MapNode(plan, std::move(inputs), std::move(schema)), filter_(std::move(filter)) {}

  static arrow::Result<ac::ExecNode*> Make(ac::ExecPlan* plan,
                                           std::vector<ac::ExecNode*> inputs,
                                           const ac::ExecNodeOptions& options) {
    RETURN_NOT_OK(ac::ValidateExecNodeInputs(plan, inputs, 1, kFilterNode));
    auto schema = inputs[0]->output_schema();
    const auto& filter_options = static_cast<const ac::FilterNodeOptions&>(options);
    ARROW_ASSIGN_OR_RAISE(auto filter, filter_options.filter_expression.Bind(*schema));
    if (filter.type()->id() != arrow::Type::BOOL) {
      return arrow::Status::TypeError("filter expression must be boolean, got ",
                                      filter.type()->ToString());
    }
    return plan->EmplaceNode<FilterNode>(plan, std::move(inputs), std::move(schema),
                                         std::move(filter));
  }

  const char* kind_name() const override { return "SluiceFilterNode"; }

 protected:
  arrow::Result<cp::ExecBatch> ProcessBatch(cp::ExecBatch batch) override {
    ARROW_ASSIGN_OR_RAISE(auto filter,
                          cp::SimplifyWithGuarantee(filter_, batch.guarantee));
    auto* context = plan()->query_context()->exec_context();
    ARROW_ASSIGN_OR_RAISE(auto mask, cp::ExecuteScalarExpression(filter, batch, context));
    if (mask.is_scalar()) {
      const auto& keep = mask.scalar_as<arrow::BooleanScalar>();
      return keep.is_valid && keep.value ? batch : batch.Slice(0, 0);
    }
    ARROW_ASSIGN_OR_RAISE(auto selection,
                          SelectionOf(*mask.array(), context->memory_pool()));
    const int64_t selected =
        arrow::internal::CountSetBits(selection->data(), 0, batch.length);
    if (selected == batch.length) return batch;
    std::shared_ptr<arrow::ArrayData> as_mask;  // for Arrow's kernel, made once if needed
    for (auto& value : batch.values) {
      if (value.is_scalar()) continue;
      ARROW_ASSIGN_OR_RAISE(auto gathered,
                            GatherSelected(*value.array(), selection->data(), selected,
                                           context->memory_pool()));
      if (gathered) {
        value = std::move(gathered);
        continue;
      }
      if (!as_mask) {
        as_mask = arrow::ArrayData::Make(arrow::boolean(), batch.length,
                                         {nullptr, selection}, 0);
      }
      ARROW_ASSIGN_OR_RAISE(value, cp::Filter(value, arrow::Datum(as_mask),
                                              cp::FilterOptions::Defaults(), context));
    }
    return cp::ExecBatch(std::move(batch.values), selected);
  }

 private:
  cp::Expression filter_;
};

arrow::Status Register() {
  return ac::default_exec_factory_registry()->AddFactory(kFilterNode, FilterNode::Make);
}

}  // namespace

arrow::Status RegisterFilterNode() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice::exec
