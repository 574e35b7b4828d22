#include "plan/common_table.h"

#include <arrow/type.h>

#include "plan/join_order.h"
#include "plan/optimizer.h"

namespace sluice::plan {

CommonTable::CommonTable(std::string name, NodePtr plan)
    : name_(std::move(name)), plan_(std::move(plan)) {
  arrow::FieldVector fields;
  const auto& columns = plan_->schema()->fields();
  for (size_t i = 0; i < columns.size(); ++i) {
    fields.push_back(columns[i]->WithName("col" + std::to_string(i)));
  }
  schema_ = arrow::schema(std::move(fields));
}

NodePtr CommonTable::Reference(const std::shared_ptr<const CommonTable>& table) {
  std::vector<std::string> columns, names;
  for (int i = 0; i < table->schema_->num_fields(); ++i) {
    columns.push_back(table->schema_->field(i)->name());
    names.push_back(table->plan_->schema()->field(i)->name());
  }
  return LogicalNode::Scan(std::const_pointer_cast<CommonTable>(table),
                           std::move(columns), std::move(names),
                           arrow::compute::literal(true));
}

arrow::Result<NodePtr> CommonTable::OptimizedPlan() const { return Optimize(plan_); }

std::string CommonTable::Describe() const {
  return "materialized CTE " + name_ + " (computed once)";
}

std::optional<int64_t> CommonTable::EstimatedRows() const {
  return static_cast<int64_t>(EstimateRows(plan_));
}

arrow::Result<catalog::ScanStream> CommonTable::MakeScan(
    const catalog::ScanRequest&) const {
  return arrow::Status::NotImplemented("CTE ", name_,
                                       " is computed by the engine, not scanned");
}

}  // namespace sluice::plan
