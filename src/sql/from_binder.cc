// The FROM clause: tables, table functions, subqueries, VALUES and joins.
#include <algorithm>

#include <arrow/builder.h>
#include <arrow/compute/api.h>
#include <arrow/table.h>

#include "catalog/directory_stream.h"
#include "catalog/file_table.h"
#include "catalog/memory_table.h"
#include "catalog/range_table.h"
#include "common/ascii.h"
#include "common/sql_error.h"
#include "plan/optimizer.h"
#include "sql/binder.h"
#include "sql/decimal_rules.h"

namespace sluice::sql {

namespace cp = arrow::compute;

namespace {

// The source behind SELECT without FROM: one row, no visible columns.
std::shared_ptr<catalog::TableSource> OneRow() {
  static auto source = [] {
    arrow::Int8Builder builder;
    (void)builder.Append(0);
    std::shared_ptr<arrow::Array> array;
    (void)builder.Finish(&array);
    auto table = arrow::Table::Make(
        arrow::schema({arrow::field("one_row", arrow::int8())}), {array});
    return std::make_shared<catalog::MemoryTable>(table, "one row");
  }();
  return source;
}

}  // namespace

arrow::Result<Binder::Relation> Binder::ScanSource(
    std::shared_ptr<catalog::TableSource> source, const std::string& qualifier,
    const Json& alias) {
  auto colnames = StringList(alias.value("colnames", Json::array()));
  const auto schema = source->schema();
  if (colnames.size() > static_cast<size_t>(schema->num_fields())) {
    return SqlInvalid(sql_, -1,
                      "table \"" + qualifier + "\" has " +
                          std::to_string(schema->num_fields()) + " columns but " +
                          std::to_string(colnames.size()) + " were named");
  }
  std::vector<std::string> columns, internal;
  Scope scope;
  std::vector<ScopeColumn> scope_columns;
  for (int i = 0; i < schema->num_fields(); ++i) {
    const auto& field = schema->field(i);
    const std::string name =
        static_cast<size_t>(i) < colnames.size() ? colnames[i] : field->name();
    columns.push_back(field->name());
    internal.push_back(NewName(name));
    scope_columns.push_back({qualifier, name, internal.back(), field->type()});
  }
  auto node =
      plan::LogicalNode::Scan(std::move(source), columns, internal, cp::literal(true));
  return Relation{node, Scope(std::move(scope_columns))};
}

namespace {

// Gives a plan's output columns new names. A root projection is rebuilt with the new
// names (its output names may repeat, as in SELECT a, a, so they cannot be referenced);
// otherwise a renaming projection is added.
arrow::Result<plan::NodePtr> Rename(const plan::NodePtr& plan,
                                    const std::vector<std::string>& names) {
  if (plan->kind() == plan::NodeKind::kProject) {
    return plan::LogicalNode::Project(plan->input(), plan->exprs(), names);
  }
  if (plan->kind() == plan::NodeKind::kLimit) {
    ARROW_ASSIGN_OR_RAISE(auto input, Rename(plan->input(), names));
    return plan::LogicalNode::Limit(input, plan->offset(), plan->count());
  }
  std::vector<cp::Expression> exprs;
  for (const auto& field : plan->schema()->fields()) {
    if (plan->schema()->GetFieldIndex(field->name()) < 0) {
      return arrow::Status::Invalid("duplicate column name \"", field->name(), "\"");
    }
    exprs.push_back(cp::field_ref(field->name()));
  }
  return plan::LogicalNode::Project(plan, exprs, names);
}

}  // namespace

arrow::Result<Binder::Relation> Binder::Wrap(const plan::NodePtr& plan,
                                             const std::string& qualifier,
                                             const Json& alias) {
  auto colnames = StringList(alias.value("colnames", Json::array()));
  std::vector<std::string> names;
  std::vector<ScopeColumn> columns;
  for (int i = 0; i < plan->schema()->num_fields(); ++i) {
    const auto& field = plan->schema()->field(i);
    const std::string name =
        static_cast<size_t>(i) < colnames.size() ? colnames[i] : field->name();
    names.push_back(NewName(name));
    columns.push_back({qualifier, name, names.back(), field->type()});
  }
  ARROW_ASSIGN_OR_RAISE(auto renamed, Rename(plan, names));
  return Relation{renamed, Scope(std::move(columns))};
}

arrow::Result<Binder::Relation> Binder::BindFrom(const Json& from_clause) {
  if (from_clause.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto one_row, ScanSource(OneRow(), "", Json::object()));
    return Relation{one_row.plan, Scope()};
  }
  // Comma-separated items are a cross join; the optimizer turns WHERE's equalities into
  // join keys and orders the joins (plan/join_order.h).
  ARROW_ASSIGN_OR_RAISE(auto relation, BindFromItem(from_clause[0]));
  for (size_t i = 1; i < from_clause.size(); ++i) {
    ARROW_ASSIGN_OR_RAISE(auto next, BindFromItem(from_clause[i]));
    relation.plan = plan::LogicalNode::Join(
        relation.plan, next.plan, plan::JoinKind::kInner, {}, {}, cp::literal(true));
    relation.scope.Append(next.scope);
  }
  return relation;
}

arrow::Result<Binder::Relation> Binder::BindFromItem(const Json& item) {
  const std::string& kind = NodeKind(item);
  const Json& body = NodeBody(item);
  if (kind == "RangeVar") return BindRangeVar(body);
  if (kind == "RangeFunction") return BindTableFunction(body);
  if (kind == "JoinExpr") return BindJoin(body);
  if (kind == "RangeSubselect") {
    if (body.value("lateral", false)) return SqlNotSupported(sql_, -1, "LATERAL");
    const Json& subquery = body.at("subquery");
    ARROW_ASSIGN_OR_RAISE(auto plan, BindSelect(NodeBody(subquery)));
    const Json alias = body.value("alias", Json::object());
    return Wrap(plan, alias.value("aliasname", ""), alias);
  }
  return SqlNotSupported(sql_, NodeLocation(item), "FROM item " + kind);
}

arrow::Result<Binder::Relation> Binder::BindRangeVar(const Json& body) {
  const std::string name = body.value("relname", "");
  const int location = body.value("location", -1);
  const Json alias = body.value("alias", Json::object());
  const std::string qualifier = alias.value("aliasname", name);
  if (body.contains("schemaname")) {
    return SqlNotSupported(sql_, location, "schema-qualified table names");
  }
  if (versions_ != nullptr) {
    auto version = versions_->find(location);
    if (version != versions_->end()) {
      versions_used_.insert(location);
      return BindTableVersion(name, location, version->second, alias);
    }
  }
  auto relation = relations_.find(AsciiLower(name));
  if (relation != relations_.end()) return Wrap(relation->second, qualifier, alias);
  if (auto view = catalog_->LookupView(name); view.ok()) {
    return BindView(name, *view, location, qualifier, alias);
  }
  auto source = catalog_->Lookup(name);
  if (!source.ok()) {
    if (!source.status().IsKeyError()) {
      return SqlError(source.status().code(), sql_, location, source.status().message());
    }
    return SqlError(arrow::StatusCode::KeyError, sql_, location,
                    "table \"" + name + "\" does not exist");
  }
  if (auto scannable = (*source)->CheckScannable(); !scannable.ok()) {
    return SqlError(scannable.code(), sql_, location, scannable.message());
  }
  return ScanSource(*source, qualifier, alias);
}

// A view's query, bound in a binder of its own (positions in errors are positions in the
// view's text) that continues this one's numbering of internal names.
arrow::Result<Binder::Relation> Binder::BindView(const std::string& name,
                                                 const std::string& query, int location,
                                                 const std::string& qualifier,
                                                 const Json& alias) {
  constexpr int kMaxViewDepth = 32;
  if (view_depth_ >= kMaxViewDepth) {
    return SqlInvalid(sql_, location,
                      "views nested more than 32 deep at \"" + name +
                          "\" (does a view refer to itself?)");
  }
  auto in_view = [&](const arrow::Status& status) {
    return SqlError(status.code(), sql_, location,
                    "in view \"" + name + "\": " + status.message());
  };
  auto parsed = Parse(query, {query, 0});
  if (!parsed.ok()) return in_view(parsed.status());
  if (parsed->size() != 1 || (*parsed)[0].kind != "SelectStmt") {
    return in_view(arrow::Status::Invalid("a view must be one SELECT"));
  }
  Binder view(query, catalog_, nullptr);
  view.next_id_ = next_id_;
  view.view_depth_ = view_depth_ + 1;
  auto plan = view.BindSelect(NodeBody((*parsed)[0].node));
  next_id_ = view.next_id_;
  if (!plan.ok()) return in_view(plan.status());
  return Wrap(*plan, qualifier, alias);
}

// `t VERSION AS OF n`, `t TIMESTAMP AS OF '...'` and `DESCRIBE HISTORY t`: warehouse
// tables only, whatever CTEs or registered tables are named.
arrow::Result<Binder::Relation> Binder::BindTableVersion(const std::string& name,
                                                         int location,
                                                         const TableVersionSpec& spec,
                                                         const Json& alias) {
  arrow::Result<std::shared_ptr<catalog::TableSource>> source;
  switch (spec.kind) {
    case TableVersionSpec::Kind::kHistory:
      source = catalog_->LookupHistory(name);
      break;
    case TableVersionSpec::Kind::kDetail:
      source = catalog_->LookupDetail(name);
      break;
    case TableVersionSpec::Kind::kVersion:
      source = catalog_->LookupVersion(name, spec.version);
      break;
    case TableVersionSpec::Kind::kTimestamp: {
      auto when = arrow::StringScalar(spec.timestamp)
                      .CastTo(arrow::timestamp(arrow::TimeUnit::MILLI, "UTC"));
      if (!when.ok()) {
        return SqlInvalid(
            sql_, location,
            "TIMESTAMP AS OF needs a timestamp such as '2024-05-01 12:00:00'");
      }
      source = catalog_->LookupAsOf(
          name, static_cast<const arrow::TimestampScalar&>(**when).value);
      break;
    }
  }
  if (!source.ok()) {
    if (source.status().IsKeyError()) {
      return SqlError(arrow::StatusCode::KeyError, sql_, location,
                      "table \"" + name + "\" does not exist in the warehouse");
    }
    return SqlError(source.status().code(), sql_, location, source.status().message());
  }
  return ScanSource(*source, alias.value("aliasname", name), alias);
}

arrow::Result<Binder::Relation> Binder::BindTableFunction(const Json& body) {
  const Json& call = body.at("functions").at(0).at("List").at("items").at(0);
  const int location = NodeLocation(call);
  if (NodeKind(call) != "FuncCall")
    return SqlNotSupported(sql_, location, "this FROM function");
  const Json& fn = NodeBody(call);
  auto names = StringList(fn.value("funcname", Json::array()));
  const std::string name = names.empty() ? "" : names.back();
  const Json alias = body.value("alias", Json::object());
  const std::string qualifier = alias.value("aliasname", name);

  // Arguments must be constants: they decide the table's schema at bind time.
  ExpressionBinder constants(sql_, nullptr, params_);
  std::vector<arrow::Datum> args;
  for (const auto& arg : fn.value("args", Json::array())) {
    ARROW_ASSIGN_OR_RAISE(auto bound, constants.Bind(arg));
    ARROW_ASSIGN_OR_RAISE(auto expr, bound.expr.Bind(*arrow::schema({})));
    ARROW_ASSIGN_OR_RAISE(expr, cp::FoldConstants(expr));
    if (!expr.literal()) {
      return SqlInvalid(sql_, NodeLocation(arg), name + "() arguments must be constants");
    }
    args.push_back(*expr.literal());
  }
  auto integer_arg = [&](size_t i) -> arrow::Result<int64_t> {
    auto cast = args[i].scalar()->CastTo(arrow::int64());
    if (!cast.ok() || !(*cast)->is_valid || !arrow::is_integer(args[i].type()->id())) {
      return SqlInvalid(
          sql_, location,
          name + "() argument " + std::to_string(i + 1) + " must be an integer");
    }
    return static_cast<const arrow::Int64Scalar&>(**cast).value;
  };
  if (name == "range" || name == "generate_series") {
    if (args.empty() || args.size() > 3) {
      return SqlInvalid(sql_, location, name + "() takes 1 to 3 arguments");
    }
    int64_t start = 0, stop = 0, step = 1;
    if (args.size() == 1) {
      ARROW_ASSIGN_OR_RAISE(stop, integer_arg(0));
    } else {
      ARROW_ASSIGN_OR_RAISE(start, integer_arg(0));
      ARROW_ASSIGN_OR_RAISE(stop, integer_arg(1));
    }
    if (args.size() == 3) {
      ARROW_ASSIGN_OR_RAISE(step, integer_arg(2));
    }
    // generate_series includes its stop value; range does not.
    if (name == "generate_series" && step != 0) stop += step > 0 ? 1 : -1;
    auto table = catalog::RangeTable::Make(start, stop, step);
    if (!table.ok()) return SqlInvalid(sql_, location, table.status().message());
    return ScanSource(*table, qualifier, alias);
  }
  if (name == "delta_scan") {
    if (args.empty() || args.size() > 2 || args[0].type()->id() != arrow::Type::STRING) {
      return SqlInvalid(sql_, location,
                        "delta_scan() takes a table path and optionally a version");
    }
    const std::string path = args[0].scalar_as<arrow::StringScalar>().ToString();
    std::optional<int64_t> version;
    if (args.size() == 2) {
      ARROW_ASSIGN_OR_RAISE(version, integer_arg(1));
    }
    auto source = catalog_->LookupPath(path, version);
    if (!source.ok())
      return SqlError(source.status().code(), sql_, location, source.status().message());
    return ScanSource(*source, qualifier, alias);
  }
  if (name == "read_stream") return BindReadStream(args, qualifier, alias, location);
  static const std::pair<const char*, catalog::FileFormatKind> kReaders[] = {
      {"read_parquet", catalog::FileFormatKind::kParquet},
      {"read_csv", catalog::FileFormatKind::kCsv},
      {"read_ipc", catalog::FileFormatKind::kIpc},
      {"read_arrow", catalog::FileFormatKind::kIpc},
      {"read_ndjson", catalog::FileFormatKind::kNdjson},
      {"read_json", catalog::FileFormatKind::kNdjson},
  };
  for (const auto& [reader, format] : kReaders) {
    if (name != reader) continue;
    if (args.size() != 1 || args[0].type()->id() != arrow::Type::STRING) {
      return SqlInvalid(sql_, location, name + "() takes one string: a path or glob");
    }
    auto glob = args[0].scalar_as<arrow::StringScalar>().ToString();
    auto table = catalog::FileTable::Open(format, glob, catalog_->file_access());
    if (!table.ok())
      return SqlError(table.status().code(), sql_, location, table.status().message());
    return ScanSource(*table, qualifier, alias);
  }
  return SqlError(arrow::StatusCode::KeyError, sql_, location,
                  "table function " + name + "() does not exist");
}

// read_stream('directory' [, 'parquet' | 'csv' | 'arrow']): a directory that files
// arrive in, the source of a streaming write (read whole by any other query).
arrow::Result<Binder::Relation> Binder::BindReadStream(
    const std::vector<arrow::Datum>& args, const std::string& qualifier,
    const Json& alias, int location) {
  static constexpr const char* kUsage =
      "read_stream() takes a directory and optionally a format: 'parquet', 'csv', "
      "'arrow' or 'ndjson'";
  if (args.empty() || args.size() > 2) return SqlInvalid(sql_, location, kUsage);
  for (const auto& arg : args) {
    if (arg.type()->id() != arrow::Type::STRING || !arg.scalar()->is_valid)
      return SqlInvalid(sql_, location, kUsage);
  }
  auto text = [&](size_t i) {
    return args[i].scalar_as<arrow::StringScalar>().ToString();
  };
  const auto kind = catalog::FileFormatNamed(args.size() == 2 ? text(1) : "parquet");
  if (!kind) return SqlInvalid(sql_, location, kUsage);
  const std::string directory = text(0);
  auto stream =
      catalog::DirectoryStream::Open("read_stream('" + directory + "')", *kind, directory,
                                     nullptr, catalog_->file_access());
  if (!stream.ok())
    return SqlError(stream.status().code(), sql_, location, stream.status().message());
  return ScanSource(*stream, qualifier, alias);
}

namespace {

// A VALUES constant in its column's type. Integers reach a DECIMAL through DECIMAL(19,
// 0): Arrow casts an integer type only to a DECIMAL with room for the type's every value.
arrow::Result<std::shared_ptr<arrow::Scalar>> CastConstant(
    const std::shared_ptr<arrow::Scalar>& value,
    const std::shared_ptr<arrow::DataType>& type) {
  if (value->type->Equals(*type)) return value;
  arrow::Datum datum(value);
  if (arrow::is_integer(value->type->id()) && arrow::is_decimal(type->id())) {
    ARROW_ASSIGN_OR_RAISE(datum, cp::Cast(datum, arrow::decimal128(19, 0)));
  }
  ARROW_ASSIGN_OR_RAISE(datum, cp::Cast(datum, type));
  return datum.scalar();
}

}  // namespace

arrow::Result<Binder::Relation> Binder::BindValues(const Json& lists, int location) {
  ExpressionBinder constants(sql_, nullptr, params_);
  std::vector<std::vector<std::shared_ptr<arrow::Scalar>>> rows;
  size_t width = 0;
  for (const auto& list : lists) {
    const Json& items = list.at("List").at("items");
    if (rows.empty()) width = items.size();
    if (items.size() != width) {
      return SqlInvalid(sql_, NodeLocation(items.at(0)),
                        "VALUES lists must all be the same length");
    }
    std::vector<std::shared_ptr<arrow::Scalar>> row;
    for (const auto& item : items) {
      ARROW_ASSIGN_OR_RAISE(auto bound, constants.Bind(item));
      ARROW_ASSIGN_OR_RAISE(auto expr, bound.expr.Bind(*arrow::schema({})));
      ARROW_ASSIGN_OR_RAISE(expr, cp::FoldConstants(expr));
      if (!expr.literal())
        return SqlNotSupported(sql_, NodeLocation(item), "non-constant VALUES");
      row.push_back(expr.literal()->scalar());
    }
    rows.push_back(std::move(row));
  }
  // Each column takes the first non-NULL type; integers widen to BIGINT and mix with
  // floating point as DOUBLE.
  arrow::FieldVector fields;
  arrow::ArrayVector columns;
  for (size_t c = 0; c < width; ++c) {
    std::shared_ptr<arrow::DataType> type = arrow::null();
    for (const auto& row : rows) {
      const auto& t = row[c]->type;
      if (t->id() == arrow::Type::NA) continue;
      const auto exact_t = AsDecimal(*t, row[c].get());
      const auto exact_type = AsDecimal(*type, nullptr);
      if (type->id() == arrow::Type::NA ||
          (arrow::is_integer(type->id()) && arrow::is_integer(t->id()))) {
        type = arrow::is_integer(t->id()) ? arrow::int64() : t;
      } else if ((arrow::is_decimal(t->id()) || arrow::is_decimal(type->id())) &&
                 exact_t && exact_type) {
        const DecimalSpec common = CommonDecimal(*exact_type, *exact_t);
        type = arrow::decimal128(common.precision, common.scale);
      } else if (arrow::is_floating(t->id()) &&
                 (arrow::is_integer(type->id()) || arrow::is_decimal(type->id()))) {
        type = arrow::float64();
      } else if ((arrow::is_integer(t->id()) || arrow::is_decimal(t->id())) &&
                 arrow::is_floating(type->id())) {
      } else if (!t->Equals(*type)) {
        return SqlError(arrow::StatusCode::TypeError, sql_, location,
                        "type error: VALUES column " + std::to_string(c + 1) + " mixes " +
                            SqlTypeName(*type) + " and " + SqlTypeName(*t));
      }
    }
    std::shared_ptr<arrow::Array> array;
    if (type->id() == arrow::Type::NA) {
      ARROW_ASSIGN_OR_RAISE(
          array, arrow::MakeArrayOfNull(type, static_cast<int64_t>(rows.size())));
    } else {
      std::unique_ptr<arrow::ArrayBuilder> builder;
      ARROW_RETURN_NOT_OK(
          arrow::MakeBuilder(arrow::default_memory_pool(), type, &builder));
      for (const auto& row : rows) {
        ARROW_ASSIGN_OR_RAISE(auto value, CastConstant(row[c], type));
        ARROW_RETURN_NOT_OK(builder->AppendScalar(*value));
      }
      ARROW_ASSIGN_OR_RAISE(array, builder->Finish());
    }
    fields.push_back(arrow::field("column" + std::to_string(c + 1), type));
    columns.push_back(std::move(array));
  }
  auto table = arrow::Table::Make(arrow::schema(fields), columns);
  auto source = std::make_shared<catalog::MemoryTable>(
      table, "values (" + std::to_string(rows.size()) + " rows)");
  return ScanSource(source, "", Json::object());
}

arrow::Result<Binder::Relation> Binder::BindJoin(const Json& body) {
  const std::string type = body.value("jointype", "");
  const int location = NodeLocation(body.at("rarg"));
  if (body.value("isNatural", false))
    return SqlNotSupported(sql_, location, "NATURAL JOIN");
  plan::JoinKind kind;
  if (type == "JOIN_INNER") {
    kind = plan::JoinKind::kInner;
  } else if (type == "JOIN_LEFT") {
    kind = plan::JoinKind::kLeft;
  } else if (type == "JOIN_RIGHT") {
    kind = plan::JoinKind::kRight;
  } else if (type == "JOIN_FULL") {
    kind = plan::JoinKind::kFull;
  } else {
    return SqlNotSupported(sql_, location, "join type " + type);
  }
  ARROW_ASSIGN_OR_RAISE(auto left, BindFromItem(body.at("larg")));
  ARROW_ASSIGN_OR_RAISE(auto right, BindFromItem(body.at("rarg")));
  Scope scope = left.scope;
  scope.Append(right.scope);

  std::vector<cp::Expression> conjuncts;
  Scope visible = scope;
  if (body.contains("usingClause") &&
      (kind == plan::JoinKind::kRight || kind == plan::JoinKind::kFull)) {
    return SqlNotSupported(sql_, location, "USING in RIGHT and FULL joins (use ON)");
  }
  if (body.contains("usingClause")) {
    // USING (a) joins on left.a = right.a and shows a once, from the left.
    std::vector<ScopeColumn> shown = left.scope.columns();
    for (const auto& name : StringList(body["usingClause"])) {
      const int l = left.scope.Find("", name), r = right.scope.Find("", name);
      if (l < 0 || r < 0) {
        return SqlError(arrow::StatusCode::KeyError, sql_, location,
                        "column \"" + name + "\" in USING is not on both sides");
      }
      conjuncts.push_back(cp::equal(cp::field_ref(left.scope.columns()[l].internal),
                                    cp::field_ref(right.scope.columns()[r].internal)));
    }
    auto using_names = StringList(body["usingClause"]);
    for (const auto& column : right.scope.columns()) {
      if (std::find(using_names.begin(), using_names.end(), column.name) ==
          using_names.end()) {
        shown.push_back(column);
      }
    }
    visible = Scope(std::move(shown));
  } else if (body.contains("quals")) {
    ExpressionBinder binder(sql_, &scope, params_);
    ARROW_ASSIGN_OR_RAISE(auto condition, binder.Bind(body["quals"]));
    if (condition.type->id() != arrow::Type::BOOL) {
      return SqlError(arrow::StatusCode::TypeError, sql_, NodeLocation(body["quals"]),
                      "type error: JOIN condition must be BOOLEAN");
    }
    conjuncts = plan::SplitConjunction(condition.expr);
  }

  // An equality between an expression of each side is a hash key; an expression that is
  // not a column is computed as one on its side first (`a.x + 1 = b.y`).
  auto side_of = [&](const cp::Expression& expr) {
    const auto refs = plan::ReferencedColumns(expr);
    if (refs.empty()) return -1;
    for (int side = 0; side < 2; ++side) {
      const auto& schema = *(side == 0 ? left : right).plan->schema();
      bool all = true;
      for (const auto& name : refs) all = all && schema.GetFieldIndex(name) >= 0;
      if (all) return side;
    }
    return -1;
  };
  auto key_column = [&](Relation* side,
                        const cp::Expression& expr) -> arrow::Result<std::string> {
    if (const auto* ref = expr.field_ref(); ref && ref->name()) return *ref->name();
    std::string name = NewName("key");
    ARROW_ASSIGN_OR_RAISE(side->plan, plan::WithColumn(side->plan, expr, name));
    return name;
  };
  std::vector<std::string> left_keys, right_keys;
  std::vector<cp::Expression> residual;
  for (auto& conjunct : conjuncts) {
    const auto* call = conjunct.call();
    if (call && call->function_name == "equal") {
      cp::Expression a = call->arguments[0], b = call->arguments[1];
      if (side_of(a) == 1 && side_of(b) == 0) std::swap(a, b);
      if (side_of(a) == 0 && side_of(b) == 1) {
        ARROW_ASSIGN_OR_RAISE(auto left_key, key_column(&left, a));
        ARROW_ASSIGN_OR_RAISE(auto right_key, key_column(&right, b));
        left_keys.push_back(std::move(left_key));
        right_keys.push_back(std::move(right_key));
        continue;
      }
    }
    residual.push_back(std::move(conjunct));
  }
  // The sides' schemas once key columns were added.
  const auto& lschema = *left.plan->schema();
  const auto& rschema = *right.plan->schema();
  if (left_keys.empty() && kind == plan::JoinKind::kFull) {
    return SqlNotSupported(sql_, location,
                           "FULL JOIN without an equality between the two sides");
  }
  // Hash join keys must have one type: widen mismatched keys on both sides.
  for (size_t i = 0; i < left_keys.size(); ++i) {
    auto lt = lschema.GetFieldByName(left_keys[i])->type();
    auto rt = rschema.GetFieldByName(right_keys[i])->type();
    if (lt->Equals(*rt)) continue;
    std::shared_ptr<arrow::DataType> common;
    if (arrow::is_integer(lt->id()) && arrow::is_integer(rt->id())) {
      common = arrow::int64();
    } else if ((arrow::is_integer(lt->id()) || arrow::is_floating(lt->id())) &&
               (arrow::is_integer(rt->id()) || arrow::is_floating(rt->id()))) {
      common = arrow::float64();
    } else {
      return SqlError(
          arrow::StatusCode::TypeError, sql_, location,
          "type error: cannot join " + SqlTypeName(*lt) + " with " + SqlTypeName(*rt));
    }
    for (auto* side : {&left, &right}) {
      auto& key = side == &left ? left_keys[i] : right_keys[i];
      auto cast = cp::call("cast", {cp::field_ref(key)}, cp::CastOptions::Safe(common));
      key = NewName("key");
      ARROW_ASSIGN_OR_RAISE(side->plan, plan::WithColumn(side->plan, cast, key));
    }
  }
  auto join =
      plan::LogicalNode::Join(left.plan, right.plan, kind, left_keys, right_keys,
                              residual.empty() ? cp::literal(true) : cp::and_(residual));
  return Relation{join, std::move(visible)};
}

}  // namespace sluice::sql
