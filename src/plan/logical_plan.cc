#include "plan/logical_plan.h"

#include <arrow/type.h>

#include "plan/common_table.h"

namespace sluice::plan {

namespace {

std::string CommaList(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  return out;
}

std::string SortKeysText(const std::vector<SortKey>& keys) {
  std::vector<std::string> items;
  for (const auto& key : keys) {
    items.push_back(key.column + (key.ascending ? " ASC" : " DESC") +
                    (key.nulls_first ? " NULLS FIRST" : " NULLS LAST"));
  }
  return CommaList(items);
}

}  // namespace

arrow::Result<NodePtr> WithColumn(const NodePtr& node, Expression expr,
                                  std::string name) {
  std::vector<Expression> exprs;
  std::vector<std::string> names;
  for (const auto& field : node->schema()->fields()) {
    exprs.push_back(arrow::compute::field_ref(field->name()));
    names.push_back(field->name());
  }
  exprs.push_back(std::move(expr));
  names.push_back(std::move(name));
  return LogicalNode::Project(node, std::move(exprs), std::move(names));
}

arrow::Result<NodePtr> WithInputs(const NodePtr& node, std::vector<NodePtr> inputs) {
  std::vector<std::string> names;
  for (const auto& field : node->schema()->fields()) names.push_back(field->name());
  switch (node->kind()) {
    case NodeKind::kScan:
      return node;
    case NodeKind::kProject:
      return LogicalNode::Project(inputs[0], node->exprs(), names);
    case NodeKind::kFilter:
      return LogicalNode::Filter(inputs[0], node->predicate());
    case NodeKind::kAggregate:
      return LogicalNode::Aggregate(inputs[0], node->group_keys(), node->aggregates());
    case NodeKind::kSort:
      return LogicalNode::Sort(inputs[0], node->sort_keys(), node->sort_first());
    case NodeKind::kWindow:
      return LogicalNode::Window(inputs[0], node->partition_keys(), node->sort_keys(),
                                 node->window_calls());
    case NodeKind::kUnion:
      return LogicalNode::Union(std::move(inputs));
    case NodeKind::kLimit:
      return LogicalNode::Limit(inputs[0], node->offset(), node->count());
    case NodeKind::kJoin:
      return LogicalNode::Join(inputs[0], inputs[1], node->join_kind(), node->left_keys(),
                               node->right_keys(), node->predicate());
  }
  return node;
}

arrow::Result<std::shared_ptr<arrow::DataType>> AggregateResultType(
    const std::string& function, const std::shared_ptr<arrow::DataType>& input) {
  if (function == "count" || function == "count_all" || function == "count_distinct") {
    return arrow::int64();
  }
  if (function == "min" || function == "max") return input;
  if (function == "sluice_string_agg") {
    if (input->id() != arrow::Type::STRING && input->id() != arrow::Type::LARGE_STRING) {
      return arrow::Status::TypeError(function, " needs a string argument, got ",
                                      input->ToString());
    }
    return arrow::large_utf8();
  }
  if (function == "all" || function == "any") {
    if (input->id() != arrow::Type::BOOL && input->id() != arrow::Type::NA) {
      return arrow::Status::TypeError(function, " needs a boolean argument, got ",
                                      input->ToString());
    }
    return arrow::boolean();
  }
  const bool numeric = arrow::is_integer(input->id()) ||
                       arrow::is_floating(input->id()) ||
                       arrow::is_decimal(input->id()) || input->id() == arrow::Type::NA;
  if (!numeric) {
    return arrow::Status::TypeError(function, " needs a numeric argument, got ",
                                    input->ToString());
  }
  if (function == "sum") {
    if (arrow::is_signed_integer(input->id())) return arrow::int64();
    if (arrow::is_unsigned_integer(input->id())) return arrow::uint64();
    if (arrow::is_decimal(input->id())) {
      const auto& dec = static_cast<const arrow::DecimalType&>(*input);
      return arrow::decimal128(38, dec.scale());
    }
    return arrow::float64();
  }
  if (function == "mean" || function == "stddev" || function == "variance" ||
      function == "stddev_pop" || function == "variance_pop") {
    return arrow::float64();
  }
  return arrow::Status::NotImplemented("aggregate ", function);
}

NodePtr LogicalNode::Scan(std::shared_ptr<catalog::TableSource> source,
                          std::vector<std::string> source_columns,
                          std::vector<std::string> output_names, Expression filter_hint) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kScan;
  arrow::FieldVector fields;
  auto source_schema = source->schema();
  for (size_t i = 0; i < source_columns.size(); ++i) {
    auto field = source_schema->GetFieldByName(source_columns[i]);
    fields.push_back(field->WithName(output_names[i]));
  }
  node->schema_ = arrow::schema(std::move(fields));
  node->source_ = std::move(source);
  node->source_columns_ = std::move(source_columns);
  node->predicate_ = std::move(filter_hint);
  return node;
}

arrow::Result<NodePtr> LogicalNode::Project(NodePtr input, std::vector<Expression> exprs,
                                            std::vector<std::string> names) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kProject;
  arrow::FieldVector fields;
  for (size_t i = 0; i < exprs.size(); ++i) {
    ARROW_ASSIGN_OR_RAISE(auto bound, exprs[i].Bind(*input->schema()));
    // Kept unbound: optimizer rewrites may change the input's column positions.
    fields.push_back(arrow::field(names[i], bound.type()->GetSharedPtr()));
  }
  node->schema_ = arrow::schema(std::move(fields));
  node->inputs_ = {std::move(input)};
  node->exprs_ = std::move(exprs);
  return node;
}

NodePtr LogicalNode::Filter(NodePtr input, Expression predicate) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kFilter;
  node->schema_ = input->schema();
  node->inputs_ = {std::move(input)};
  node->predicate_ = std::move(predicate);
  return node;
}

arrow::Result<NodePtr> LogicalNode::Aggregate(NodePtr input,
                                              std::vector<std::string> keys,
                                              std::vector<AggregateCall> aggregates) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kAggregate;
  arrow::FieldVector fields;
  for (const auto& key : keys) fields.push_back(input->schema()->GetFieldByName(key));
  for (const auto& agg : aggregates) {
    std::shared_ptr<arrow::DataType> input_type = arrow::int64();
    if (!agg.input.empty())
      input_type = input->schema()->GetFieldByName(agg.input)->type();
    ARROW_ASSIGN_OR_RAISE(auto type, AggregateResultType(agg.function, input_type));
    fields.push_back(arrow::field(agg.output, type));
  }
  node->schema_ = arrow::schema(std::move(fields));
  node->inputs_ = {std::move(input)};
  node->keys_ = std::move(keys);
  node->aggregates_ = std::move(aggregates);
  return node;
}

arrow::Result<NodePtr> LogicalNode::Union(std::vector<NodePtr> inputs) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kUnion;
  arrow::FieldVector fields;
  for (const auto& field : inputs.front()->schema()->fields()) {
    fields.push_back(field->WithNullable(true));
  }
  for (const auto& input : inputs) {
    const auto& schema = *input->schema();
    bool same = schema.num_fields() == static_cast<int>(fields.size());
    for (int i = 0; same && i < schema.num_fields(); ++i) {
      same = schema.field(i)->name() == fields[i]->name() &&
             schema.field(i)->type()->Equals(*fields[i]->type());
    }
    if (!same) {
      return arrow::Status::Invalid("union inputs differ: ", schema.ToString(), " vs ",
                                    inputs.front()->schema()->ToString());
    }
  }
  node->schema_ = arrow::schema(std::move(fields));
  node->inputs_ = std::move(inputs);
  return node;
}

arrow::Result<NodePtr> LogicalNode::Window(NodePtr input,
                                           std::vector<std::string> partition,
                                           std::vector<SortKey> order,
                                           std::vector<WindowCall> calls) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kWindow;
  arrow::FieldVector fields = input->schema()->fields();
  for (const auto& call : calls) {
    std::shared_ptr<arrow::DataType> input_type;
    if (!call.input.empty()) {
      auto field = input->schema()->GetFieldByName(call.input);
      if (!field)
        return arrow::Status::Invalid("window input ", call.input, " not found");
      input_type = field->type();
    }
    ARROW_ASSIGN_OR_RAISE(auto type, WindowResultType(call.function, input_type));
    fields.push_back(arrow::field(call.output, type));
  }
  node->schema_ = arrow::schema(std::move(fields));
  node->inputs_ = {std::move(input)};
  node->keys_ = std::move(partition);
  node->sort_keys_ = std::move(order);
  node->window_calls_ = std::move(calls);
  return node;
}

NodePtr LogicalNode::Sort(NodePtr input, std::vector<SortKey> keys, int64_t first) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kSort;
  node->schema_ = input->schema();
  node->inputs_ = {std::move(input)};
  node->sort_keys_ = std::move(keys);
  node->count_ = first;
  return node;
}

NodePtr LogicalNode::Limit(NodePtr input, int64_t offset, int64_t count) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kLimit;
  node->schema_ = input->schema();
  node->inputs_ = {std::move(input)};
  node->offset_ = offset;
  node->count_ = count;
  return node;
}

NodePtr LogicalNode::Join(NodePtr left, NodePtr right, JoinKind kind,
                          std::vector<std::string> left_keys,
                          std::vector<std::string> right_keys, Expression residual) {
  auto node = std::shared_ptr<LogicalNode>(new LogicalNode());
  node->kind_ = NodeKind::kJoin;
  // An outer join makes the other side's columns nullable.
  const bool left_nullable = kind == JoinKind::kRight || kind == JoinKind::kFull;
  const bool right_nullable = kind == JoinKind::kLeft || kind == JoinKind::kFull;
  const bool right_only = kind == JoinKind::kRightSemi || kind == JoinKind::kRightAnti;
  arrow::FieldVector fields;
  if (!right_only) {
    for (const auto& field : left->schema()->fields())
      fields.push_back(left_nullable ? field->WithNullable(true) : field);
  }
  if (kind != JoinKind::kSemi && kind != JoinKind::kAnti) {
    for (const auto& field : right->schema()->fields())
      fields.push_back(right_nullable ? field->WithNullable(true) : field);
  }
  node->schema_ = arrow::schema(std::move(fields));
  node->inputs_ = {std::move(left), std::move(right)};
  node->join_kind_ = kind;
  node->keys_ = std::move(left_keys);
  node->right_keys_ = std::move(right_keys);
  node->predicate_ = std::move(residual);
  return node;
}

const char* JoinKindName(JoinKind kind) {
  switch (kind) {
    case JoinKind::kInner:
      return "InnerJoin";
    case JoinKind::kLeft:
      return "LeftJoin";
    case JoinKind::kRight:
      return "RightJoin";
    case JoinKind::kFull:
      return "FullJoin";
    case JoinKind::kSemi:
      return "SemiJoin";
    case JoinKind::kAnti:
      return "AntiJoin";
    case JoinKind::kRightSemi:
      return "RightSemiJoin";
    case JoinKind::kRightAnti:
      return "RightAntiJoin";
  }
  return "Join";
}

std::string LogicalNode::ToString() const {
  std::string out;
  std::set<const catalog::TableSource*> shown;
  Print(0, &shown, &out);
  return out;
}

void LogicalNode::Print(int depth, std::set<const catalog::TableSource*>* shown,
                        std::string* out) const {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  switch (kind_) {
    case NodeKind::kScan: {
      *out +=
          "Scan " + source_->Describe() + " columns=[" + CommaList(source_columns_) + "]";
      if (!(predicate_ == arrow::compute::literal(true))) {
        *out += " filter_hint=" + predicate_.ToString();
      }
      break;
    }
    case NodeKind::kProject: {
      std::vector<std::string> items;
      for (size_t i = 0; i < exprs_.size(); ++i) {
        items.push_back(exprs_[i].ToString() + " AS " + schema_->field(i)->name());
      }
      *out += "Project [" + CommaList(items) + "]";
      break;
    }
    case NodeKind::kFilter:
      *out += "Filter " + predicate_.ToString();
      break;
    case NodeKind::kAggregate: {
      std::vector<std::string> items;
      for (const auto& agg : aggregates_) {
        items.push_back(agg.function + "(" + agg.input + ") AS " + agg.output);
      }
      *out += "Aggregate keys=[" + CommaList(keys_) + "] aggregates=[" +
              CommaList(items) + "]";
      break;
    }
    case NodeKind::kSort:
      *out += "Sort [" + SortKeysText(sort_keys_) + "]";
      if (count_ >= 0) *out += " first " + std::to_string(count_);
      break;
    case NodeKind::kUnion:
      *out += "UnionAll";
      break;
    case NodeKind::kWindow: {
      std::vector<std::string> items;
      for (const auto& call : window_calls_) {
        items.push_back(call.function + "(" + call.input + ") " + call.frame.ToString() +
                        " AS " + call.output);
      }
      *out += "Window partition=[" + CommaList(keys_) + "] order=[" +
              SortKeysText(sort_keys_) + "] calls=[" + CommaList(items) + "]";
      break;
    }
    case NodeKind::kLimit:
      *out += "Limit offset=" + std::to_string(offset_) +
              " count=" + (count_ < 0 ? std::string("all") : std::to_string(count_));
      break;
    case NodeKind::kJoin: {
      std::vector<std::string> items;
      for (size_t i = 0; i < keys_.size(); ++i)
        items.push_back(keys_[i] + " = " + right_keys_[i]);
      *out += std::string(JoinKindName(join_kind_)) + " on [" + CommaList(items) + "]";
      if (!(predicate_ == arrow::compute::literal(true))) {
        *out += " filter=" + predicate_.ToString();
      }
      break;
    }
  }
  *out += "\n";
  const auto* cte = dynamic_cast<const CommonTable*>(source_.get());
  if (kind_ == NodeKind::kScan && cte && shown->insert(cte).second) {
    // An optimizer error is the query's, reported when it runs.
    auto optimized = cte->OptimizedPlan();
    (optimized.ok() ? *optimized : cte->plan())->Print(depth + 1, shown, out);
  }
  for (const auto& input : inputs_) input->Print(depth + 1, shown, out);
}

}  // namespace sluice::plan
