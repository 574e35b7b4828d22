#include "sql/window_binder.h"

#include <arrow/compute/api.h>
#include <arrow/type.h>

#include "common/ascii.h"
#include "common/sql_error.h"

namespace sluice::sql {

namespace cp = arrow::compute;
using plan::WindowFrame;

namespace {

// PostgreSQL's frame option bits, as libpg_query reports them in WindowDef.frameOptions.
constexpr int kFrameNonDefault = 0x1;
constexpr int kFrameRows = 0x4;
constexpr int kFrameGroups = 0x8;
constexpr int kFrameStartUnboundedPreceding = 0x20;
constexpr int kFrameEndUnboundedPreceding = 0x40;
constexpr int kFrameStartUnboundedFollowing = 0x80;
constexpr int kFrameEndUnboundedFollowing = 0x100;
constexpr int kFrameStartCurrentRow = 0x200;
constexpr int kFrameEndCurrentRow = 0x400;
constexpr int kFrameStartOffsetPreceding = 0x800;
constexpr int kFrameEndOffsetPreceding = 0x1000;
constexpr int kFrameStartOffsetFollowing = 0x2000;
constexpr int kFrameEndOffsetFollowing = 0x4000;
constexpr int kFrameExclude = 0x8000 | 0x10000 | 0x20000;

// Nanoseconds per unit of a TIMESTAMP type.
int64_t NanosPerUnit(const arrow::DataType& timestamp) {
  switch (static_cast<const arrow::TimestampType&>(timestamp).unit()) {
    case arrow::TimeUnit::SECOND:
      return 1'000'000'000;
    case arrow::TimeUnit::MILLI:
      return 1'000'000;
    case arrow::TimeUnit::MICRO:
      return 1'000;
    case arrow::TimeUnit::NANO:
      return 1;
  }
  return 1;
}

bool IsRanking(const std::string& name) {
  return name == "row_number" || name == "rank" || name == "dense_rank" ||
         name == "percent_rank" || name == "cume_dist";
}

// The window function for an aggregate's SQL name, or "" if it has none.
std::string WindowAggregate(const std::string& name) {
  if (name == "count" || name == "sum" || name == "min" || name == "max") return name;
  if (name == "avg" || name == "mean") return "mean";
  return "";
}

bool SameExprs(const std::vector<BoundExpr>& a, const std::vector<BoundExpr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i].expr == b[i].expr)) return false;
  }
  return true;
}

}  // namespace

bool ContainsWindowCall(const Json& node) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "SubLink" || key == "RangeSubselect") continue;
      if (key == "FuncCall" && value.contains("over")) return true;
      if (ContainsWindowCall(value)) return true;
    }
  } else if (node.is_array()) {
    for (const auto& item : node) {
      if (ContainsWindowCall(item)) return true;
    }
  }
  return false;
}

WindowBinder::WindowBinder(std::string_view sql, ExpressionBinder* rows, Namer namer)
    : sql_(sql), rows_(rows), namer_(std::move(namer)) {}

arrow::Result<std::optional<BoundExpr>> WindowBinder::Bind(const Json& node) {
  if (NodeKind(node) != "FuncCall" || !NodeBody(node).contains("over")) {
    return std::nullopt;
  }
  const Json& body = NodeBody(node);
  const int location = NodeLocation(node);
  if (auto it = bound_.find(location); it != bound_.end()) return it->second;
  const auto names = StringList(body.value("funcname", Json::array()));
  const std::string name = names.empty() ? "" : AsciiLower(names.back());
  ARROW_ASSIGN_OR_RAISE(const Json over, ResolveOver(body.at("over")));
  if (body.value("agg_distinct", false)) {
    return SqlNotSupported(sql_, location, "DISTINCT in a window function");
  }
  if (body.contains("agg_filter") || body.contains("agg_order")) {
    return SqlNotSupported(sql_, location, "FILTER or ORDER BY inside a window function");
  }
  if (ContainsWindowCall(body.value("args", Json::array())) || ContainsWindowCall(over)) {
    return SqlInvalid(sql_, location, "window function calls cannot be nested");
  }
  ARROW_ASSIGN_OR_RAISE(Window * window, FindWindow(over));
  plan::WindowCall call;
  ARROW_ASSIGN_OR_RAISE(call.frame, BindFrame(over, *window));
  ARROW_RETURN_NOT_OK(BindCall(name, body, location, window, &call));
  std::shared_ptr<arrow::DataType> input_type;
  for (const auto& [column, value] : window->inputs) {
    if (column == call.input) input_type = value.type;
  }
  auto type = plan::WindowResultType(call.function, input_type);
  if (!type.ok()) {
    return SqlError(
        arrow::StatusCode::TypeError, sql_, location,
        "type error: " + name + "() cannot take " +
            (input_type ? SqlTypeName(*input_type) : std::string("no input")));
  }
  call.output = namer_(name);
  window->calls.push_back(call);
  BoundExpr result{cp::field_ref(call.output), *type};
  bound_[location] = result;
  return result;
}

arrow::Status WindowBinder::SetNamedWindows(const Json& window_clause) {
  for (const auto& item : window_clause) {
    const Json& def = item.at("WindowDef");
    const std::string name = def.value("name", "");
    const int location = def.value("location", -1);
    if (named_.contains(name)) {
      return SqlInvalid(sql_, location, "window \"" + name + "\" is already defined");
    }
    Json resolved = def;
    if (def.contains("refname")) {
      ARROW_ASSIGN_OR_RAISE(auto base, NamedWindow(def.value("refname", ""), location));
      ARROW_ASSIGN_OR_RAISE(resolved, Extend(base, def));
    }
    resolved.erase("name");
    named_[name] = std::move(resolved);
  }
  return arrow::Status::OK();
}

arrow::Result<Json> WindowBinder::ResolveOver(const Json& over) const {
  const int location = over.value("location", -1);
  if (over.contains("name")) return NamedWindow(over.value("name", ""), location);
  if (!over.contains("refname")) return over;
  ARROW_ASSIGN_OR_RAISE(auto base, NamedWindow(over.value("refname", ""), location));
  return Extend(base, over);
}

arrow::Result<Json> WindowBinder::NamedWindow(const std::string& name,
                                              int location) const {
  auto it = named_.find(name);
  if (it == named_.end()) {
    return SqlInvalid(sql_, location, "window \"" + name + "\" does not exist");
  }
  return it->second;
}

arrow::Result<Json> WindowBinder::Extend(const Json& base, const Json& def) const {
  const std::string name = def.value("refname", "");
  const int location = def.value("location", -1);
  if (def.contains("partitionClause")) {
    return SqlInvalid(sql_, location,
                      "cannot override PARTITION BY clause of window \"" + name + "\"");
  }
  if (base.contains("orderClause") && def.contains("orderClause")) {
    return SqlInvalid(sql_, location,
                      "cannot override ORDER BY clause of window \"" + name + "\"");
  }
  if (base.value("frameOptions", 0) & kFrameNonDefault) {
    return SqlInvalid(
        sql_, location,
        "cannot copy window \"" + name + "\" because it has a frame clause");
  }
  Json extended = base;
  if (def.contains("orderClause")) extended["orderClause"] = def["orderClause"];
  for (const char* field : {"frameOptions", "startOffset", "endOffset", "location"}) {
    extended.erase(field);
    if (def.contains(field)) extended[field] = def[field];
  }
  return extended;
}

arrow::Result<WindowBinder::Window*> WindowBinder::FindWindow(const Json& over) {
  Window candidate;
  for (const auto& item : over.value("partitionClause", Json::array())) {
    ARROW_ASSIGN_OR_RAISE(auto value, rows_->Bind(item));
    candidate.partition.push_back(std::move(value));
  }
  for (const auto& item : over.value("orderClause", Json::array())) {
    const Json& sort = item.at("SortBy");
    if (sort.value("sortby_dir", "") == "SORTBY_USING") {
      return SqlNotSupported(sql_, NodeLocation(sort.at("node")), "ORDER BY ... USING");
    }
    OrderItem order;
    ARROW_ASSIGN_OR_RAISE(order.value, rows_->Bind(sort.at("node")));
    const SortOrder direction = ReadSortOrder(sort);
    order.ascending = direction.ascending;
    order.nulls_first = direction.nulls_first;
    candidate.order.push_back(std::move(order));
  }
  for (auto& window : windows_) {
    bool same = SameExprs(window.partition, candidate.partition) &&
                window.order.size() == candidate.order.size();
    for (size_t i = 0; same && i < candidate.order.size(); ++i) {
      same = window.order[i].value.expr == candidate.order[i].value.expr &&
             window.order[i].ascending == candidate.order[i].ascending &&
             window.order[i].nulls_first == candidate.order[i].nulls_first;
    }
    if (same) return &window;
  }
  windows_.push_back(std::move(candidate));
  return &windows_.back();
}

arrow::Result<int64_t> WindowBinder::ConstantArgument(const Json& node, int64_t minimum,
                                                      const char* what) {
  ARROW_ASSIGN_OR_RAISE(auto bound, rows_->Bind(node));
  const arrow::Datum* literal = bound.expr.literal();
  if (!literal || !arrow::is_integer(bound.type->id())) {
    return SqlNotSupported(sql_, NodeLocation(node),
                           std::string(what) + " other than an integer constant");
  }
  ARROW_ASSIGN_OR_RAISE(auto value, literal->scalar()->CastTo(arrow::int64()));
  const int64_t n = static_cast<const arrow::Int64Scalar&>(*value).value;
  if (!value->is_valid || n < minimum) {
    return SqlInvalid(sql_, NodeLocation(node),
                      std::string(what) + " must be at least " + std::to_string(minimum));
  }
  return n;
}

arrow::Result<WindowFrame> WindowBinder::BindFrame(const Json& over,
                                                   const Window& window) {
  const int options = over.value("frameOptions", 0);
  const int location = over.value("location", -1);
  WindowFrame frame;
  if (!(options & kFrameNonDefault)) return frame;
  if (options & kFrameExclude)
    return SqlNotSupported(sql_, location, "EXCLUDE in frames");
  if ((options & kFrameStartUnboundedFollowing) ||
      (options & kFrameEndUnboundedPreceding)) {
    return SqlInvalid(sql_, location, "frame cannot start after its end");
  }
  frame.unit = (options & kFrameRows)     ? WindowFrame::Unit::kRows
               : (options & kFrameGroups) ? WindowFrame::Unit::kGroups
                                          : WindowFrame::Unit::kRange;
  if (frame.unit == WindowFrame::Unit::kGroups && window.order.empty()) {
    return SqlInvalid(sql_, location, "GROUPS mode requires an ORDER BY clause");
  }
  using Bound = WindowFrame::Bound;
  if (options & kFrameStartUnboundedPreceding) frame.start = Bound::kUnboundedPreceding;
  if (options & kFrameStartCurrentRow) frame.start = Bound::kCurrentRow;
  if (options & kFrameStartOffsetPreceding) frame.start = Bound::kPreceding;
  if (options & kFrameStartOffsetFollowing) frame.start = Bound::kFollowing;
  if (options & kFrameEndCurrentRow) frame.end = Bound::kCurrentRow;
  if (options & kFrameEndUnboundedFollowing) frame.end = Bound::kUnboundedFollowing;
  if (options & kFrameEndOffsetPreceding) frame.end = Bound::kPreceding;
  if (options & kFrameEndOffsetFollowing) frame.end = Bound::kFollowing;
  const bool range_offsets = frame.unit == WindowFrame::Unit::kRange &&
                             (over.contains("startOffset") || over.contains("endOffset"));
  if (range_offsets) {
    if (window.order.size() != 1) {
      return SqlInvalid(
          sql_, location,
          "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
    }
    frame.descending = !window.order.front().ascending;
  }
  for (const char* field : {"startOffset", "endOffset"}) {
    if (!over.contains(field)) continue;
    int64_t offset = 0;
    if (range_offsets) {
      ARROW_ASSIGN_OR_RAISE(offset,
                            RangeOffset(over[field], *window.order.front().value.type));
    } else {
      ARROW_ASSIGN_OR_RAISE(offset, ConstantArgument(over[field], 0, "a frame offset"));
    }
    (field == std::string("startOffset") ? frame.start_offset : frame.end_offset) =
        offset;
  }
  return frame;
}

arrow::Result<int64_t> WindowBinder::RangeOffset(const Json& node,
                                                 const arrow::DataType& key) {
  const int location = NodeLocation(node);
  if (arrow::is_integer(key.id())) return ConstantArgument(node, 0, "a frame offset");
  const bool date = key.id() == arrow::Type::DATE32;
  if (!date && key.id() != arrow::Type::TIMESTAMP) {
    return SqlNotSupported(sql_, location,
                           "RANGE offsets over a " + SqlTypeName(key) + " ORDER BY key");
  }
  ARROW_ASSIGN_OR_RAISE(auto bound, rows_->Bind(node));
  const arrow::Datum* literal = bound.expr.literal();
  if (!literal || bound.type->id() != arrow::Type::INTERVAL_MONTH_DAY_NANO ||
      !literal->scalar()->is_valid) {
    return SqlInvalid(sql_, location,
                      "a RANGE offset over a " + SqlTypeName(key) +
                          " ORDER BY key must be a constant INTERVAL");
  }
  const auto interval =
      static_cast<const arrow::MonthDayNanoIntervalScalar&>(*literal->scalar()).value;
  constexpr int64_t kNanosPerDay = 86400LL * 1000 * 1000 * 1000;
  if (interval.months != 0 || (date && interval.nanoseconds % kNanosPerDay != 0)) {
    return SqlNotSupported(
        sql_, location,
        date ? "RANGE offsets in months or in parts of a day over a DATE"
             : "RANGE offsets in months");
  }
  const __int128 nanos =
      static_cast<__int128>(interval.days) * kNanosPerDay + interval.nanoseconds;
  if (nanos < 0) return SqlInvalid(sql_, location, "a frame offset must not be negative");
  if (date) return static_cast<int64_t>(nanos / kNanosPerDay);
  const int64_t unit = NanosPerUnit(key);
  if (nanos % unit != 0) {
    return SqlNotSupported(sql_, location,
                           "a RANGE offset finer than its TIMESTAMP's unit");
  }
  return static_cast<int64_t>(nanos / unit);
}

std::string WindowBinder::AddInput(Window* window, const BoundExpr& value) {
  for (const auto& [column, input] : window->inputs) {
    if (input.expr == value.expr) return column;
  }
  std::string column = namer_("window_input");
  window->inputs.emplace_back(column, value);
  return column;
}

arrow::Status WindowBinder::BindCall(const std::string& name, const Json& body,
                                     int location, Window* window,
                                     plan::WindowCall* call) {
  const Json args = body.value("args", Json::array());
  auto expect_args = [&](size_t low, size_t high) -> arrow::Status {
    if (args.size() < low || args.size() > high) {
      return SqlInvalid(sql_, location,
                        name + "() takes " + std::to_string(low) +
                            (high > low ? " to " + std::to_string(high) : "") +
                            " argument" + (high == 1 ? "" : "s"));
    }
    return arrow::Status::OK();
  };
  auto bind_input = [&](const Json& arg) -> arrow::Result<BoundExpr> {
    ARROW_ASSIGN_OR_RAISE(auto value, rows_->Bind(arg));
    if (value.type->id() == arrow::Type::NA) {
      // A bare NULL: typed as BIGINT, as PostgreSQL's unknown-type NULL would resolve.
      ARROW_ASSIGN_OR_RAISE(
          value, rows_->Cast(std::move(value), arrow::int64(), NodeLocation(arg)));
    }
    call->input = AddInput(window, value);
    return value;
  };
  call->function = name;
  if (IsRanking(name)) return expect_args(0, 0);
  if (name == "ntile") {
    ARROW_RETURN_NOT_OK(expect_args(1, 1));
    ARROW_ASSIGN_OR_RAISE(call->offset,
                          ConstantArgument(args[0], 1, "ntile()'s buckets"));
    return arrow::Status::OK();
  }
  if (name == "lag" || name == "lead") {
    ARROW_RETURN_NOT_OK(expect_args(1, 3));
    ARROW_ASSIGN_OR_RAISE(auto value, bind_input(args[0]));
    if (args.size() > 1) {
      ARROW_ASSIGN_OR_RAISE(call->offset, ConstantArgument(args[1], 0, "the offset"));
    }
    if (args.size() > 2) {
      ARROW_ASSIGN_OR_RAISE(auto fallback, rows_->Bind(args[2]));
      ARROW_ASSIGN_OR_RAISE(
          fallback, rows_->Cast(std::move(fallback), value.type, NodeLocation(args[2])));
      call->fallback = AddInput(window, fallback);
    }
    return arrow::Status::OK();
  }
  if (name == "first_value" || name == "last_value" || name == "nth_value") {
    ARROW_RETURN_NOT_OK(
        expect_args(name == "nth_value" ? 2 : 1, name == "nth_value" ? 2 : 1));
    ARROW_RETURN_NOT_OK(bind_input(args[0]).status());
    if (name == "nth_value") {
      ARROW_ASSIGN_OR_RAISE(call->offset,
                            ConstantArgument(args[1], 1, "nth_value()'s n"));
    }
    return arrow::Status::OK();
  }
  const std::string aggregate = WindowAggregate(name);
  if (aggregate.empty()) {
    return SqlNotSupported(sql_, location, name + "() as a window function");
  }
  call->function = aggregate;
  if (body.value("agg_star", false)) {
    if (name != "count") return SqlInvalid(sql_, location, name + "(*) is not valid");
    call->function = "count_all";
    return arrow::Status::OK();
  }
  ARROW_RETURN_NOT_OK(expect_args(1, 1));
  return bind_input(args[0]).status();
}

arrow::Result<plan::NodePtr> WindowBinder::AddWindows(plan::NodePtr input) const {
  plan::NodePtr node = std::move(input);
  for (const auto& window : windows_) {
    std::vector<cp::Expression> exprs;
    std::vector<std::string> names;
    for (const auto& field : node->schema()->fields()) {
      exprs.push_back(cp::field_ref(field->name()));
      names.push_back(field->name());
    }
    std::vector<std::string> partition;
    for (const auto& key : window.partition) {
      partition.push_back(namer_("partition"));
      exprs.push_back(key.expr);
      names.push_back(partition.back());
    }
    std::vector<plan::SortKey> order;
    for (const auto& item : window.order) {
      order.push_back({namer_("order"), item.ascending, item.nulls_first});
      exprs.push_back(item.value.expr);
      names.push_back(order.back().column);
    }
    for (const auto& [column, value] : window.inputs) {
      exprs.push_back(value.expr);
      names.push_back(column);
    }
    ARROW_ASSIGN_OR_RAISE(node, plan::LogicalNode::Project(node, exprs, names));
    std::vector<plan::SortKey> sort;
    for (const auto& column : partition) sort.push_back({column, true, false});
    sort.insert(sort.end(), order.begin(), order.end());
    if (!sort.empty()) node = plan::LogicalNode::Sort(node, sort);
    ARROW_ASSIGN_OR_RAISE(
        node, plan::LogicalNode::Window(node, partition, order, window.calls));
  }
  return node;
}

}  // namespace sluice::sql
