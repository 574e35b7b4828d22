#include "spark/relation_builder.h"

#include <limits>

#include <arrow/io/memory.h>
#include <arrow/ipc/writer.h>
#include <arrow/table.h>

#include "spark/connect/relations.pb.h"
#include "spark/spark_types.h"

namespace sluice::spark {

namespace {

namespace sc = ::spark::connect;
using plan::FrameOp;

// Names the two sides of a join, as the embedded engine does: "l.id = r.id".
constexpr const char* kLeftAlias = "l";
constexpr const char* kRightAlias = "r";

void SetExpression(const std::string& text, sc::Expression* out) {
  out->mutable_expression_string()->set_expression(text);
}

arrow::Result<int32_t> ToInt32(int64_t value, const char* what) {
  if (value < 0 || value > std::numeric_limits<int32_t>::max()) {
    return arrow::Status::Invalid(what, " ", value,
                                  " is out of the range Spark accepts (0 to 2^31-1)");
  }
  return static_cast<int32_t>(value);
}

arrow::Status LowerSql(const FrameOp& op, sc::Relation* out) {
  auto* sql = out->mutable_sql();
  sql->set_query(op.text());
  for (const auto& param : op.params()) {
    ARROW_RETURN_NOT_OK(ToLiteral(param, sql->add_pos_arguments()->mutable_literal()));
  }
  return arrow::Status::OK();
}

void LowerSort(const FrameOp& op, sc::Sort* sort) {
  sort->set_is_global(true);
  for (const auto& key : op.sort_keys()) {
    auto* order = sort->add_order();
    SetExpression(key.expr, order->mutable_child());
    order->set_direction(key.ascending
                             ? sc::Expression::SortOrder::SORT_DIRECTION_ASCENDING
                             : sc::Expression::SortOrder::SORT_DIRECTION_DESCENDING);
    // Spark's defaults are the SQL standard's, as Sluice's: nulls sort as the largest.
    const bool nulls_first = key.nulls_first.value_or(!key.ascending);
    order->set_null_ordering(nulls_first ? sc::Expression::SortOrder::SORT_NULLS_FIRST
                                         : sc::Expression::SortOrder::SORT_NULLS_LAST);
  }
}

arrow::Status LowerLimit(const FrameOp& op, sc::Relation input, sc::Relation* out) {
  if (op.offset() > 0) {
    sc::Relation offset;
    ARROW_ASSIGN_OR_RAISE(int32_t rows, ToInt32(op.offset(), "offset"));
    offset.mutable_offset()->set_offset(rows);
    *offset.mutable_offset()->mutable_input() = std::move(input);
    input = std::move(offset);
  }
  if (op.count() < 0) {
    *out = std::move(input);
    return arrow::Status::OK();
  }
  ARROW_ASSIGN_OR_RAISE(int32_t rows, ToInt32(op.count(), "limit"));
  out->mutable_limit()->set_limit(rows);
  *out->mutable_limit()->mutable_input() = std::move(input);
  return arrow::Status::OK();
}

arrow::Status LowerJoin(const FrameOp& op, sc::Relation left, sc::Relation right,
                        sc::Relation* out) {
  auto* join = out->mutable_join();
  auto* left_alias = join->mutable_left()->mutable_subquery_alias();
  left_alias->set_alias(kLeftAlias);
  *left_alias->mutable_input() = std::move(left);
  auto* right_alias = join->mutable_right()->mutable_subquery_alias();
  right_alias->set_alias(kRightAlias);
  *right_alias->mutable_input() = std::move(right);
  SetExpression(op.text(), join->mutable_join_condition());
  join->set_join_type(op.join_kind() == FrameOp::JoinKind::kLeft
                          ? sc::Join::JOIN_TYPE_LEFT_OUTER
                          : sc::Join::JOIN_TYPE_INNER);
  return arrow::Status::OK();
}

// Rows in memory, inline in the plan as Arrow IPC.
arrow::Result<sc::Relation> LocalRelation(const arrow::Table& table) {
  ARROW_ASSIGN_OR_RAISE(auto sink, arrow::io::BufferOutputStream::Create());
  ARROW_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeStreamWriter(sink, table.schema()));
  ARROW_RETURN_NOT_OK(writer->WriteTable(table));
  ARROW_RETURN_NOT_OK(writer->Close());
  ARROW_ASSIGN_OR_RAISE(auto buffer, sink->Finish());
  sc::Relation out;
  out.mutable_local_relation()->set_data(buffer->data(), buffer->size());
  return out;
}

arrow::Status Lower(const FrameOp& op, sc::Relation* out);

arrow::Status LowerTransformation(const FrameOp& op, sc::Relation input,
                                  sc::Relation* out) {
  switch (op.kind()) {
    case FrameOp::Kind::kSelect: {
      auto* project = out->mutable_project();
      *project->mutable_input() = std::move(input);
      for (const auto& expr : op.exprs()) SetExpression(expr, project->add_expressions());
      return arrow::Status::OK();
    }
    case FrameOp::Kind::kFilter:
      *out->mutable_filter()->mutable_input() = std::move(input);
      SetExpression(op.text(), out->mutable_filter()->mutable_condition());
      return arrow::Status::OK();
    case FrameOp::Kind::kAggregate: {
      auto* aggregate = out->mutable_aggregate();
      *aggregate->mutable_input() = std::move(input);
      aggregate->set_group_type(sc::Aggregate::GROUP_TYPE_GROUPBY);
      for (const auto& key : op.keys()) {
        SetExpression(key, aggregate->add_grouping_expressions());
      }
      for (const auto& call : op.exprs()) {
        SetExpression(call, aggregate->add_aggregate_expressions());
      }
      return arrow::Status::OK();
    }
    case FrameOp::Kind::kSort:
      *out->mutable_sort()->mutable_input() = std::move(input);
      LowerSort(op, out->mutable_sort());
      return arrow::Status::OK();
    case FrameOp::Kind::kLimit:
      return LowerLimit(op, std::move(input), out);
    default:
      return arrow::Status::Invalid("not a transformation");
  }
}

arrow::Status Lower(const FrameOp& op, sc::Relation* out) {
  switch (op.kind()) {
    case FrameOp::Kind::kSql:
      return LowerSql(op, out);
    case FrameOp::Kind::kTable:
      out->mutable_read()->mutable_named_table()->set_unparsed_identifier(op.text());
      return arrow::Status::OK();
    case FrameOp::Kind::kValues: {
      ARROW_ASSIGN_OR_RAISE(*out, LocalRelation(*op.rows()));
      return arrow::Status::OK();
    }
    case FrameOp::Kind::kJoin: {
      sc::Relation left;
      sc::Relation right;
      ARROW_RETURN_NOT_OK(Lower(*op.input(), &left));
      ARROW_RETURN_NOT_OK(Lower(*op.right(), &right));
      return LowerJoin(op, std::move(left), std::move(right), out);
    }
    default: {
      sc::Relation input;
      ARROW_RETURN_NOT_OK(Lower(*op.input(), &input));
      return LowerTransformation(op, std::move(input), out);
    }
  }
}

}  // namespace

arrow::Result<sc::Relation> ToRelation(const FrameOp& op) {
  sc::Relation out;
  ARROW_RETURN_NOT_OK(Lower(op, &out));
  return out;
}

}  // namespace sluice::spark
