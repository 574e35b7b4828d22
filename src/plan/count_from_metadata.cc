#include "plan/count_from_metadata.h"

#include <arrow/array/builder_primitive.h>
#include <arrow/table.h>

#include "catalog/memory_table.h"

namespace sluice::plan {

namespace {

// The table under `node` if nothing between them can drop a row, else null.
const LogicalNode* UnfilteredScan(const NodePtr& node) {
  if (node->kind() == NodeKind::kProject) return UnfilteredScan(node->input());
  if (node->kind() != NodeKind::kScan) return nullptr;
  return node.get();
}

// The counts of an aggregate answered from metadata, or null.
arrow::Result<NodePtr> Counted(const NodePtr& node) {
  if (node->kind() != NodeKind::kAggregate || !node->group_keys().empty()) return nullptr;
  for (const auto& call : node->aggregates()) {
    if (call.function != "count_all") return nullptr;
  }
  const LogicalNode* scan = UnfilteredScan(node->input());
  if (!scan) return nullptr;
  const auto rows = scan->source()->ExactRows();
  if (!rows) return nullptr;
  arrow::FieldVector fields;
  arrow::ArrayVector columns;
  for (const auto& call : node->aggregates()) {
    arrow::Int64Builder builder;
    ARROW_RETURN_NOT_OK(builder.Append(*rows));
    ARROW_ASSIGN_OR_RAISE(auto column, builder.Finish());
    fields.push_back(arrow::field(call.output, arrow::int64(), /*nullable=*/false));
    columns.push_back(std::move(column));
  }
  auto table = arrow::Table::Make(arrow::schema(fields), columns, 1);
  auto source = std::make_shared<catalog::MemoryTable>(
      std::move(table), "count(*) of " + scan->source()->Describe() + " from metadata");
  std::vector<std::string> names;
  for (const auto& field : fields) names.push_back(field->name());
  return LogicalNode::Scan(std::move(source), names, names,
                           arrow::compute::literal(true));
}

}  // namespace

arrow::Result<NodePtr> CountFromMetadata(const NodePtr& root) {
  ARROW_ASSIGN_OR_RAISE(auto counted, Counted(root));
  if (counted) return counted;
  std::vector<NodePtr> inputs;
  bool changed = false;
  for (const auto& input : root->inputs()) {
    ARROW_ASSIGN_OR_RAISE(auto rewritten, CountFromMetadata(input));
    changed = changed || rewritten != input;
    inputs.push_back(std::move(rewritten));
  }
  return changed ? WithInputs(root, std::move(inputs)) : root;
}

}  // namespace sluice::plan
