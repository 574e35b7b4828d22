#include "plan/frame_op.h"

namespace sluice::plan {

FrameOpPtr FrameOp::Sql(std::string text, std::vector<Param> params) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kSql));
  op->text_ = std::move(text);
  op->params_ = std::move(params);
  return op;
}

FrameOpPtr FrameOp::Table(std::string name) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kTable));
  op->text_ = std::move(name);
  return op;
}

FrameOpPtr FrameOp::Values(std::shared_ptr<arrow::Table> rows) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kValues));
  op->rows_ = std::move(rows);
  return op;
}

FrameOpPtr FrameOp::Select(FrameOpPtr input, std::vector<std::string> exprs) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kSelect));
  op->inputs_ = {std::move(input)};
  op->exprs_ = std::move(exprs);
  return op;
}

FrameOpPtr FrameOp::Filter(FrameOpPtr input, std::string predicate) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kFilter));
  op->inputs_ = {std::move(input)};
  op->text_ = std::move(predicate);
  return op;
}

FrameOpPtr FrameOp::Aggregate(FrameOpPtr input, std::vector<std::string> keys,
                              std::vector<std::string> aggregates) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kAggregate));
  op->inputs_ = {std::move(input)};
  op->keys_ = std::move(keys);
  op->exprs_ = std::move(aggregates);
  return op;
}

FrameOpPtr FrameOp::Sort(FrameOpPtr input, std::vector<SortSpec> keys) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kSort));
  op->inputs_ = {std::move(input)};
  op->sort_keys_ = std::move(keys);
  return op;
}

FrameOpPtr FrameOp::Limit(FrameOpPtr input, int64_t count, int64_t offset) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kLimit));
  op->inputs_ = {std::move(input)};
  op->count_ = count;
  op->offset_ = offset;
  return op;
}

FrameOpPtr FrameOp::Join(FrameOpPtr left, FrameOpPtr right, std::string condition,
                         JoinKind kind) {
  auto op = std::shared_ptr<FrameOp>(new FrameOp(Kind::kJoin));
  op->inputs_ = {std::move(left), std::move(right)};
  op->text_ = std::move(condition);
  op->join_kind_ = kind;
  return op;
}

}  // namespace sluice::plan
