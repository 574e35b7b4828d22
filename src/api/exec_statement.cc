// Session::Exec: DDL and DML on the warehouse's Delta tables.
#include <cctype>
#include <filesystem>
#include <functional>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/type.h>

#include "api/session_settings.h"
#include "api/spark_backend.h"
#include "api/streaming_writes.h"
#include "api/table_write.h"
#include "catalog/catalog.h"
#include "common/sql_error.h"
#include "delta/delta_schema.h"
#include "delta/delta_table.h"
#include "exec/insert_reader.h"
#include "sluice/session.h"
#include "sql/binder.h"
#include "sql/dialect.h"
#include "sql/expression_binder.h"
#include "sql/fragment_parser.h"
#include "sql/parse_tree_guard.h"
#include "sql/parser.h"
#include "sql/scope.h"
#include "sql/tokens.h"
#include "sql/tree_check.h"

namespace sluice {

namespace fs = std::filesystem;
using sql::Json;

namespace {

std::string RelationName(const Json& relation) { return relation.value("relname", ""); }

// The text of a CREATE VIEW's query: what follows the first AS outside parentheses (the
// view's column list is in parentheses), read on the scanner's tokens.
arrow::Result<std::string> ViewQueryText(std::string_view statement) {
  ARROW_ASSIGN_OR_RAISE(auto tokens, sql::Scan(statement));
  int depth = 0;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i].IsSymbol('(')) ++depth;
    if (tokens[i].IsSymbol(')')) --depth;
    if (depth == 0 && tokens[i].IsWord("as")) {
      std::string_view query = statement.substr(static_cast<size_t>(tokens[i + 1].begin));
      while (!query.empty() && (query.back() == ';' ||
                                std::isspace(static_cast<unsigned char>(query.back())))) {
        query.remove_suffix(1);
      }
      return std::string(query);
    }
  }
  return arrow::Status::Invalid("CREATE VIEW needs AS and a query");
}

arrow::Result<std::shared_ptr<arrow::Schema>> ColumnsOf(const Json& create,
                                                        std::string_view sql) {
  arrow::FieldVector fields;
  for (const auto& element : create.value("tableElts", Json::array())) {
    if (sql::NodeKind(element) != "ColumnDef") {
      return SqlNotSupported(sql, sql::NodeLocation(element), "table constraints");
    }
    const Json& column = sql::NodeBody(element);
    ARROW_ASSIGN_OR_RAISE(auto type, sql::ArrowTypeFromSql(column.at("typeName"), sql));
    bool nullable = true;
    for (const auto& constraint : column.value("constraints", Json::array())) {
      const std::string kind = sql::NodeBody(constraint).value("contype", "");
      if (kind == "CONSTR_NOTNULL") {
        nullable = false;
      } else if (kind != "CONSTR_NULL") {
        return SqlNotSupported(sql, sql::NodeLocation(constraint),
                               "column constraint " + kind);
      }
    }
    fields.push_back(arrow::field(column.value("colname", ""), type, nullable));
  }
  if (fields.empty()) return SqlInvalid(sql, -1, "a table needs at least one column");
  return arrow::schema(std::move(fields));
}

// PostgreSQL's `PARTITION BY LIST (cols)`, the other spelling of PARTITIONED BY.
std::vector<std::string> PartitionColumnsOf(const Json& create) {
  std::vector<std::string> columns;
  if (!create.contains("partspec")) return columns;
  for (const auto& element : create["partspec"].value("partParams", Json::array())) {
    columns.push_back(sql::NodeBody(element).value("name", ""));
  }
  return columns;
}

// The table's invariants as boolean expressions over its columns, for the writer to
// check on every row. One that Sluice cannot read is an error: the write is refused
// rather than left unchecked.
arrow::Result<std::vector<delta::InvariantCheck>> CompileInvariants(
    const delta::Metadata& metadata, const arrow::Schema& schema) {
  std::vector<delta::InvariantCheck> checks;
  std::vector<sql::ScopeColumn> columns;
  for (const auto& field : schema.fields()) {
    columns.push_back({"", field->name(), field->name(), field->type()});
  }
  const sql::Scope scope(std::move(columns));
  const std::vector<Param> no_params;
  for (auto& invariant : delta::InvariantsOf(metadata)) {
    sql::FragmentParser parser("invariant of column " + invariant.column);
    auto compiled = [&]() -> arrow::Result<arrow::compute::Expression> {
      ARROW_ASSIGN_OR_RAISE(auto node, parser.Expression(invariant.expression));
      sql::ExpressionBinder binder(parser.text(), &scope, &no_params);
      ARROW_ASSIGN_OR_RAISE(auto bound, binder.Bind(node));
      if (!bound.type->Equals(arrow::boolean())) {
        return arrow::Status::TypeError("it is ", bound.type->ToString(),
                                        ", not boolean");
      }
      return bound.expr;
    }();
    if (!compiled.ok()) {
      return arrow::Status::NotImplemented("cannot enforce the invariant of column ",
                                           invariant.column, " (", invariant.expression,
                                           "): ", compiled.status().message(),
                                           "; writing is refused");
    }
    checks.push_back({std::move(invariant), std::move(*compiled)});
  }
  return checks;
}

// SET name = value | TO value | TO DEFAULT, RESET name | ALL.
arrow::Result<ExecResult> SetStatement(SessionSettings* settings, const Json& body,
                                       std::string_view sql, int location) {
  if (body.value("is_local", false)) {
    return SqlNotSupported(sql, location, "SET LOCAL (there are no transactions)");
  }
  const std::string kind = body.value("kind", "");
  const std::string name = body.value("name", "");
  arrow::Status status;
  if (kind == "VAR_RESET_ALL") {
    status = settings->Reset("all");
  } else if (kind == "VAR_RESET" || kind == "VAR_SET_DEFAULT") {
    status = settings->Reset(name);
  } else if (kind == "VAR_SET_VALUE" && body.value("args", Json::array()).size() == 1) {
    const Json& arg = sql::NodeBody(body["args"][0]);
    std::string value;
    if (arg.contains("sval")) {
      value = arg["sval"].value("sval", "");
    } else if (arg.contains("ival")) {
      value = std::to_string(sql::ConstInteger(arg, sql));
    } else if (arg.contains("fval")) {
      value = arg["fval"].value("fval", "");
    } else {
      return SqlInvalid(sql, location, "SET " + name + " takes one number or string");
    }
    status = settings->Set(name, value);
  } else {
    return SqlNotSupported(sql, location, "this form of SET");
  }
  if (!status.ok()) return SqlError(status.code(), sql, location, status.message());
  return ExecResult{kind == "VAR_SET_VALUE" ? "SET" : "RESET", 0, -1};
}

// Writes `rows` into `table` as of `snapshot`: target column i from rows' column
// sources[i] (or NULL), cast, NOT NULL and invariants checked, in one commit. The
// invariants are compiled before `rows` is asked for anything.
arrow::Result<ExecResult> WriteRows(
    delta::DeltaTable* table, const delta::Snapshot& snapshot,
    std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>()> open_rows,
    const std::vector<int>& sources, bool overwrite) {
  delta::WriteOptions options;
  ARROW_ASSIGN_OR_RAISE(options.invariant_checks,
                        CompileInvariants(snapshot.metadata(), *snapshot.schema()));
  ARROW_ASSIGN_OR_RAISE(auto rows, open_rows());
  ARROW_ASSIGN_OR_RAISE(
      auto shaped, exec::InsertReader::Make(std::move(rows), snapshot.schema(), sources));
  ARROW_ASSIGN_OR_RAISE(auto written, overwrite ? table->Overwrite(shaped.get(), options)
                                                : table->Append(shaped.get(), options));
  return ExecResult{"INSERT 0 " + std::to_string(written.rows), written.rows,
                    written.version};
}

// A query's rows as a new Delta table stores them: a type Delta keeps differently (a
// timestamp without time zone is stored as Delta's `timestamp`, in UTC) is cast, as an
// INSERT into the table would cast it.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> AsDeltaStores(
    std::shared_ptr<arrow::RecordBatchReader> rows) {
  ARROW_ASSIGN_OR_RAISE(auto text, delta::SchemaToDelta(*rows->schema()));
  ARROW_ASSIGN_OR_RAISE(auto stored, delta::SchemaFromDelta(text));
  if (stored->Equals(*rows->schema())) return rows;
  std::vector<int> sources(static_cast<size_t>(stored->num_fields()));
  for (size_t i = 0; i < sources.size(); ++i) sources[i] = static_cast<int>(i);
  return exec::InsertReader::Make(std::move(rows), std::move(stored), std::move(sources));
}

}  // namespace

arrow::Result<delta::WriteResult> WriteByName(
    delta::DeltaTable* table, std::shared_ptr<arrow::RecordBatchReader> rows,
    const TableWrite& how, delta::WriteOptions options) {
  ARROW_ASSIGN_OR_RAISE(auto header, table->LatestHeader());
  std::shared_ptr<arrow::Schema> target = header.schema;
  const auto& given = *rows->schema();
  arrow::FieldVector added;
  for (const auto& field : given.fields()) {
    if (target->GetFieldIndex(field->name()) >= 0) continue;
    if (!how.merge_schema) {
      return arrow::Status::KeyError("the table has no column \"", field->name(), "\"");
    }
    added.push_back(field->WithNullable(true));
  }
  if (!added.empty()) {
    if (how.mode == TableWrite::Mode::kOverwrite) {
      return arrow::Status::NotImplemented(
          "not supported: merging schemas in a write that replaces the table's rows");
    }
    ARROW_ASSIGN_OR_RAISE(auto wanted, target->AddField(target->num_fields(), added[0]));
    for (size_t i = 1; i < added.size(); ++i) {
      ARROW_ASSIGN_OR_RAISE(wanted, wanted->AddField(wanted->num_fields(), added[i]));
    }
    ARROW_ASSIGN_OR_RAISE(
        auto text,
        delta::AddColumnsToDelta(header.metadata.schema_string, *target, *wanted));
    ARROW_ASSIGN_OR_RAISE(target, delta::SchemaFromDelta(text));
    options.merged_schema = target;
  }
  std::vector<int> sources;
  for (const auto& field : target->fields()) {
    sources.push_back(given.GetFieldIndex(field->name()));
  }
  ARROW_ASSIGN_OR_RAISE(options.invariant_checks,
                        CompileInvariants(header.metadata, *header.schema));
  ARROW_ASSIGN_OR_RAISE(auto shaped,
                        exec::InsertReader::Make(std::move(rows), target, sources));
  switch (how.mode) {
    case TableWrite::Mode::kOverwrite:
      return table->Overwrite(shaped.get(), options);
    case TableWrite::Mode::kUpsert:
      return table->Upsert(shaped.get(), how.keys, options);
    case TableWrite::Mode::kAppend:
      break;
  }
  return table->Append(shaped.get(), options);
}

arrow::Result<ExecResult> Session::RunStreamingCommand(
    const sql::DialectStatement& dialect, std::string_view original,
    std::vector<Param> params) {
  using Command = sql::DialectStatement::Command;
  switch (dialect.command) {
    case Command::kStopStreamingWrite:
      return streaming_writes_->Stop(dialect.stream);
    case Command::kAwaitStreamingWrite:
      return streaming_writes_->Await(dialect.stream, dialect.timeout_seconds);
    case Command::kShowStreamingWrites:
      return streaming_writes_->Show();
    default:
      break;
  }
  if (!options_.allow_streaming_writes) {
    return SqlNotSupported(
        original, 0,
        "CREATE STREAMING WRITE here (this server bounds every request "
        "in time; start streaming writes from the library or the CLI)");
  }
  ARROW_RETURN_NOT_OK(streaming_writes_->CheckFree(dialect.stream));
  ARROW_ASSIGN_OR_RAISE(
      auto options,
      StreamingWriteOptionsFromSql(dialect.stream, dialect.keys, dialect.properties));
  // The query sits where the user wrote it, after blanks: error positions hold.
  const std::string_view sql =
      dialect.lengthened ? std::string_view(dialect.sql) : original;
  ARROW_ASSIGN_OR_RAISE(auto statements, sql::Parse(dialect.sql, {sql, 0}));
  if (statements.size() != 1 || statements[0].kind != "SelectStmt") {
    return SqlInvalid(sql, -1, "CREATE STREAMING WRITE ... AS expects one query");
  }
  ARROW_RETURN_NOT_OK(sql::CheckSupportedFields(statements[0].node, sql));
  sql::Binder binder(sql, catalog_.get(), &params, &dialect.versions);
  ARROW_ASSIGN_OR_RAISE(auto plan, binder.BindSelect(sql::NodeBody(statements[0].node)));
  ARROW_RETURN_NOT_OK(binder.CheckVersionsUsed());
  DataFrame frame(shared_from_this(), nullptr, std::move(plan), arrow::Status::OK());
  ARROW_ASSIGN_OR_RAISE(auto query, frame.WriteStream(dialect.table, options));
  streaming_writes_->Add(dialect.stream, dialect.table, std::move(query));
  return ExecResult{"CREATE STREAMING WRITE " + dialect.stream, 0, -1};
}

arrow::Result<ExecResult> Session::Append(
    std::string_view name, std::shared_ptr<arrow::RecordBatchReader> rows) {
  if (!rows) return arrow::Status::Invalid("Append: rows is null");
  if (spark_) {
    return arrow::Status::NotImplemented(
        "Append is not supported on a Spark session yet");
  }
  ARROW_ASSIGN_OR_RAISE(auto table, catalog_->WarehouseTable(std::string(name)));
  auto written = WriteByName(table.get(), std::move(rows), TableWrite{}, {});
  if (!written.ok() && written.status().IsKeyError()) {
    return arrow::Status::KeyError("table \"", name, "\": ", written.status().message());
  }
  ARROW_RETURN_NOT_OK(written);
  return ExecResult{"INSERT 0 " + std::to_string(written->rows), written->rows,
                    written->version};
}

bool Session::IsQuery(std::string_view sql) {
  auto dialect = sql::RewriteDialect(sql);
  if (!dialect.ok()) return false;  // Exec reports the error
  if (dialect->command != sql::DialectStatement::Command::kNone) return false;
  auto statements = sql::Parse(dialect->sql);
  if (!statements.ok() || statements->size() != 1) return true;  // Sql reports the error
  const std::string& kind = (*statements)[0].kind;
  return kind == "SelectStmt" || kind == "ExplainStmt" || kind == "VariableShowStmt";
}

bool Session::ReadsOnly(std::string_view sql) const {
  if (!spark_) return IsQuery(sql);
  auto tokens = sql::Scan(sql);
  if (!tokens.ok() || tokens->empty()) return true;  // Sql reports the error
  const sql::Token& first = tokens->front();
  for (const char* word :
       {"select", "values", "table", "from", "show", "describe", "desc", "explain"}) {
    if (first.IsWord(word)) return true;
  }
  return false;
}

arrow::Result<ExecResult> Session::Exec(std::string_view sql, std::vector<Param> params) {
  if (spark_) return spark_->Exec(sql, params);
  return sql::GuardParseTree([&] { return RunStatement(sql, std::move(params)); });
}

arrow::Result<ExecResult> Session::RunStatement(std::string_view original,
                                                std::vector<Param> params) {
  ARROW_ASSIGN_OR_RAISE(auto dialect, sql::RewriteDialect(original));
  if (options_.warehouse.empty())
    return arrow::Status::Invalid("this session has no warehouse");
  using Command = sql::DialectStatement::Command;
  if (dialect.command == Command::kCreateStreamingWrite ||
      dialect.command == Command::kStopStreamingWrite ||
      dialect.command == Command::kAwaitStreamingWrite ||
      dialect.command == Command::kShowStreamingWrites) {
    return RunStreamingCommand(dialect, original, std::move(params));
  }
  if (dialect.command != Command::kNone) {
    auto table = catalog_->WarehouseTable(dialect.table);
    if (!table.ok()) {
      return arrow::Status::KeyError("table \"", dialect.table,
                                     "\" does not exist in the warehouse");
    }
    if (dialect.command == sql::DialectStatement::Command::kOptimize) {
      ARROW_ASSIGN_OR_RAISE(auto result, (*table)->Optimize());
      return ExecResult{"OPTIMIZE: " + std::to_string(result.files_removed) +
                            " files packed into " + std::to_string(result.files),
                        result.files_removed, result.version};
    }
    delta::VacuumOptions options;
    options.retain_hours = dialect.retain_hours;
    options.dry_run = dialect.dry_run;
    ARROW_ASSIGN_OR_RAISE(auto result, (*table)->Vacuum(options));
    std::string message =
        dialect.dry_run ? "VACUUM DRY RUN: would delete " : "VACUUM: deleted ";
    message += std::to_string(result.deleted.size()) + " files";
    if (dialect.dry_run) {
      for (const auto& path : result.deleted) message += "\n  " + path;
    }
    return ExecResult{message, static_cast<int64_t>(result.deleted.size()), -1};
  }
  // Positions in the rewrite are positions in the user's text (errors show the latter),
  // unless the rewrite lengthened the text.
  const std::string_view sql =
      dialect.lengthened ? std::string_view(dialect.sql) : original;
  ARROW_ASSIGN_OR_RAISE(auto statements, sql::Parse(dialect.sql, {sql, 0}));
  if (statements.size() != 1) {
    return arrow::Status::Invalid("expected one statement, got ", statements.size());
  }
  const auto& statement = statements[0];
  ARROW_RETURN_NOT_OK(sql::CheckSupportedFields(statement.node, sql));
  const Json& body = sql::NodeBody(statement.node);
  const Json& target = statement.kind == "CreateTableAsStmt" ? body.at("into") : body;
  if (target.contains("accessMethod") && target["accessMethod"] != "delta") {
    return SqlNotSupported(sql, -1,
                           "USING " + target["accessMethod"].get<std::string>() +
                               " (tables are Delta tables)");
  }
  auto bind_query = [&](const Json& select) -> arrow::Result<DataFrame> {
    sql::Binder binder(sql, catalog_.get(), &params, &dialect.versions);
    ARROW_ASSIGN_OR_RAISE(auto plan, binder.BindSelect(select));
    ARROW_RETURN_NOT_OK(binder.CheckVersionsUsed());
    return DataFrame(shared_from_this(), nullptr, std::move(plan), arrow::Status::OK());
  };
  auto taken = [&](const std::string& name) {
    return catalog_->Lookup(name).ok() || catalog_->LookupView(name).ok();
  };
  // The new table's directory; a name that cannot be one is an error at its position.
  auto new_table_path = [&](const std::string& name,
                            const Json& relation) -> arrow::Result<std::string> {
    auto path = catalog_->WarehousePath(name);
    if (!path.ok()) {
      return SqlInvalid(sql, sql::NodeLocation({{"RangeVar", relation}}),
                        path.status().message());
    }
    return path;
  };
  auto ReplaceableTable =
      [&](const std::string& name) -> arrow::Result<std::shared_ptr<delta::DeltaTable>> {
    auto table = catalog_->WarehouseTable(name);
    if (!table.ok()) {
      return arrow::Status::Invalid("table \"", name,
                                    "\" is not a warehouse table and cannot be replaced");
    }
    return table;
  };

  if (statement.kind == "CreateStmt") {
    const std::string name = RelationName(body.at("relation"));
    ARROW_ASSIGN_OR_RAISE(auto path, new_table_path(name, body.at("relation")));
    ARROW_ASSIGN_OR_RAISE(auto schema, ColumnsOf(body, sql));
    if (dialect.partitioned_by.empty()) dialect.partitioned_by = PartitionColumnsOf(body);
    for (const auto& column : dialect.partitioned_by) {
      if (schema->GetFieldIndex(column) < 0) {
        return SqlInvalid(
            sql, -1, "partition column \"" + column + "\" is not a column of the table");
      }
    }
    if (taken(name)) {
      if (dialect.or_replace) {
        ARROW_ASSIGN_OR_RAISE(auto table, ReplaceableTable(name));
        ARROW_ASSIGN_OR_RAISE(
            auto replaced,
            table->Replace(schema, dialect.partitioned_by, dialect.properties, nullptr));
        return ExecResult{"CREATE OR REPLACE TABLE", 0, replaced.version};
      }
      if (body.value("if_not_exists", false)) return ExecResult{"CREATE TABLE", 0, -1};
      return SqlError(arrow::StatusCode::AlreadyExists, sql,
                      sql::NodeLocation(body.at("relation")),
                      "table \"" + name + "\" already exists");
    }
    fs::create_directories(options_.warehouse);
    ARROW_ASSIGN_OR_RAISE(auto table,
                          delta::DeltaTable::Create(path, schema, dialect.partitioned_by,
                                                    dialect.properties));
    return ExecResult{"CREATE TABLE", 0, 0};
  }

  if (statement.kind == "CreateTableAsStmt") {
    const Json& into = body.at("into");
    const std::string name = RelationName(into.at("rel"));
    ARROW_ASSIGN_OR_RAISE(auto path, new_table_path(name, into.at("rel")));
    const bool replace = taken(name) && dialect.or_replace;
    if (taken(name) && !replace) {
      if (body.value("if_not_exists", false)) return ExecResult{"CREATE TABLE AS", 0, -1};
      return SqlError(arrow::StatusCode::AlreadyExists, sql, -1,
                      "table \"" + name + "\" already exists");
    }
    ARROW_ASSIGN_OR_RAISE(auto frame, bind_query(sql::NodeBody(body.at("query"))));
    ARROW_ASSIGN_OR_RAISE(auto query_rows, frame.Stream());
    ARROW_ASSIGN_OR_RAISE(auto reader, AsDeltaStores(std::move(query_rows)));
    if (replace) {
      ARROW_ASSIGN_OR_RAISE(auto table, ReplaceableTable(name));
      ARROW_ASSIGN_OR_RAISE(auto replaced,
                            table->Replace(reader->schema(), dialect.partitioned_by,
                                           dialect.properties, reader.get()));
      return ExecResult{"SELECT " + std::to_string(replaced.rows), replaced.rows,
                        replaced.version};
    }
    fs::create_directories(options_.warehouse);
    ARROW_ASSIGN_OR_RAISE(auto table, delta::DeltaTable::Create(path, reader->schema(),
                                                                dialect.partitioned_by,
                                                                dialect.properties));
    auto written = table->Append(reader.get());
    if (!written.ok()) {
      // Nothing else can have seen the new table: remove it whole.
      std::error_code ignored;
      fs::remove_all(path, ignored);
      return written.status();
    }
    return ExecResult{"SELECT " + std::to_string(written->rows), written->rows,
                      written->version};
  }

  if (statement.kind == "InsertStmt") {
    for (const char* clause : {"onConflictClause", "returningList", "withClause"}) {
      if (body.contains(clause))
        return SqlNotSupported(sql, -1, std::string(clause) + " in INSERT");
    }
    const std::string name = RelationName(body.at("relation"));
    auto table = catalog_->WarehouseTable(name);
    if (!table.ok()) {
      if (!table.status().IsKeyError()) {
        return SqlError(table.status().code(), sql,
                        sql::NodeLocation(body.at("relation")), table.status().message());
      }
      return SqlError(
          arrow::StatusCode::KeyError, sql, sql::NodeLocation(body.at("relation")),
          "table \"" + name + "\" does not exist (INSERT writes durable tables)");
    }
    ARROW_ASSIGN_OR_RAISE(auto snapshot, (*table)->Latest());
    const auto& target = snapshot->schema();
    ARROW_ASSIGN_OR_RAISE(auto frame, bind_query(sql::NodeBody(body.at("selectStmt"))));
    const int produced = frame.schema()->num_fields();
    std::vector<int> sources(static_cast<size_t>(target->num_fields()), -1);
    if (body.contains("cols")) {
      int position = 0;
      for (const auto& col : body["cols"]) {
        const std::string column = sql::NodeBody(col).value("name", "");
        const int index = target->GetFieldIndex(column);
        if (index < 0) {
          return SqlError(arrow::StatusCode::KeyError, sql, sql::NodeLocation(col),
                          "table \"" + name + "\" has no column \"" + column + "\"");
        }
        sources[index] = position++;
      }
      if (position != produced) {
        return SqlInvalid(sql, -1,
                          "INSERT names " + std::to_string(position) +
                              " columns but the query produces " +
                              std::to_string(produced));
      }
    } else {
      if (produced != target->num_fields()) {
        return SqlInvalid(
            sql, -1,
            "table \"" + name + "\" has " + std::to_string(target->num_fields()) +
                " columns but the query produces " + std::to_string(produced));
      }
      for (int i = 0; i < produced; ++i) sources[i] = i;
    }
    return WriteRows(
        table->get(), *snapshot, [&] { return frame.Stream(); }, sources,
        dialect.overwrite);
  }

  if (statement.kind == "DeleteStmt") {
    for (const char* clause : {"usingClause", "returningList", "withClause"}) {
      if (body.contains(clause))
        return SqlNotSupported(sql, -1, std::string(clause) + " in DELETE");
    }
    const Json& relation = body.at("relation");
    const std::string name = RelationName(relation);
    auto table = catalog_->WarehouseTable(name);
    if (!table.ok()) {
      if (!table.status().IsKeyError()) {
        return SqlError(table.status().code(), sql, sql::NodeLocation(relation),
                        table.status().message());
      }
      return SqlError(
          arrow::StatusCode::KeyError, sql, sql::NodeLocation(relation),
          "table \"" + name + "\" does not exist (DELETE changes durable tables)");
    }
    arrow::compute::Expression predicate = arrow::compute::literal(true);
    if (body.contains("whereClause")) {
      ARROW_ASSIGN_OR_RAISE(auto snapshot, (*table)->Latest());
      std::vector<sql::ScopeColumn> columns;
      const std::string qualifier =
          relation.contains("alias") ? relation["alias"].value("aliasname", name) : name;
      for (const auto& field : snapshot->schema()->fields()) {
        columns.push_back({qualifier, field->name(), field->name(), field->type()});
      }
      sql::Scope scope(std::move(columns));
      sql::ExpressionBinder binder(sql, &scope, &params);
      ARROW_ASSIGN_OR_RAISE(auto bound, binder.Bind(body["whereClause"]));
      if (!bound.type->Equals(arrow::boolean())) {
        return SqlInvalid(sql, sql::NodeLocation(body["whereClause"]),
                          "the WHERE condition of DELETE must be boolean, not " +
                              bound.type->ToString());
      }
      predicate = std::move(bound.expr);
    }
    ARROW_ASSIGN_OR_RAISE(auto deleted, (*table)->Delete(predicate));
    return ExecResult{"DELETE " + std::to_string(deleted.rows), deleted.rows,
                      deleted.version};
  }

  if (statement.kind == "ViewStmt") {
    const Json& view = body.at("view");
    const std::string name = RelationName(view);
    for (const char* field : {"aliases", "options"}) {
      if (body.contains(field) && !body[field].empty()) {
        return SqlNotSupported(sql, sql::NodeLocation({{"RangeVar", view}}),
                               std::string("CREATE VIEW with ") + field);
      }
    }
    if (body.value("withCheckOption", "NO_CHECK_OPTION") != "NO_CHECK_OPTION") {
      return SqlNotSupported(sql, -1, "WITH CHECK OPTION");
    }
    // The query must bind now: a view that cannot be read is refused when created.
    ARROW_RETURN_NOT_OK(bind_query(sql::NodeBody(body.at("query"))).status());
    ARROW_ASSIGN_OR_RAISE(
        auto query, ViewQueryText(sql.substr(static_cast<size_t>(statement.begin),
                                             static_cast<size_t>(statement.length))));
    const bool temporary = view.value("relpersistence", "p") == "t";
    auto created =
        catalog_->CreateView(name, query, temporary, body.value("replace", false));
    if (!created.ok()) {
      return SqlError(created.code(), sql, sql::NodeLocation({{"RangeVar", view}}),
                      created.message());
    }
    return ExecResult{"CREATE VIEW", 0, -1};
  }

  if (statement.kind == "DropStmt" && body.value("removeType", "") == "OBJECT_VIEW") {
    for (const auto& object : body.at("objects")) {
      auto names = sql::StringList(object.at("List").at("items"));
      if (names.size() != 1) {
        return SqlNotSupported(sql, statement.begin, "schema-qualified view names");
      }
      auto dropped = catalog_->DropView(names[0]);
      if (!dropped.ok() && !(dropped.IsKeyError() && body.value("missing_ok", false))) {
        return dropped;
      }
    }
    return ExecResult{"DROP VIEW", 0, -1};
  }

  if (statement.kind == "DropStmt") {
    if (body.value("removeType", "") != "OBJECT_TABLE") {
      return SqlNotSupported(sql, -1, "DROP of anything but a table");
    }
    const bool missing_ok = body.value("missing_ok", false);
    std::string message = "DROP TABLE";
    for (const auto& object : body.at("objects")) {
      auto names = sql::StringList(object.at("List").at("items"));
      if (names.size() != 1) {
        return SqlNotSupported(sql, statement.begin, "schema-qualified table names");
      }
      const std::string& name = names[0];
      if (catalog_->Drop(name).ok()) continue;  // an in-memory table
      ARROW_ASSIGN_OR_RAISE(auto path, catalog_->WarehousePath(name));
      if (!delta::DeltaTable::Exists(path)) {
        if (missing_ok) continue;
        return arrow::Status::KeyError("table \"", name, "\" does not exist");
      }
      catalog_->Forget(path);
      ARROW_ASSIGN_OR_RAISE(auto dropped, delta::DeltaTable::Drop(path));
      if (!dropped.untracked.empty()) {
        message += "; left " + std::to_string(dropped.untracked.size()) +
                   " file(s) its log does not know in " + path +
                   " (first: " + dropped.untracked.front() + ")";
      }
    }
    return ExecResult{message, 0, -1};
  }

  if (statement.kind == "VariableSetStmt") {
    return SetStatement(settings_.get(), body, sql, statement.begin);
  }

  if (statement.kind == "SelectStmt" || statement.kind == "ExplainStmt") {
    return arrow::Status::Invalid("Exec runs DDL and DML; run queries with Sql");
  }
  std::string kind = statement.kind;
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "Stmt") == 0)
    kind.resize(kind.size() - 4);
  return SqlNotSupported(sql, statement.begin, "statement " + kind);
}

}  // namespace sluice
