#include "sluice/session.h"

#include <arrow/builder.h>
#include <arrow/table.h>

#include "api/runtime.h"
#include "api/session_settings.h"
#include "api/spark_backend.h"
#include "api/streaming_writes.h"
#include "catalog/catalog.h"
#include "catalog/directory_stream.h"
#include "catalog/memory_table.h"
#include "catalog/reader_table.h"
#include "catalog/streaming_table.h"
#include "common/sql_error.h"
#include "plan/frame_op.h"
#include "plan/optimizer.h"
#include "sql/binder.h"
#include "sql/dialect.h"
#include "sql/parse_tree_guard.h"
#include "sql/parser.h"
#include "sql/tree_check.h"

namespace sluice {

namespace {

// EXPLAIN's result: one row per line of the optimized plan, in a column "plan".
arrow::Result<std::shared_ptr<arrow::Table>> ExplainTable(const std::string& text) {
  arrow::StringBuilder builder;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ARROW_RETURN_NOT_OK(builder.Append(text.substr(start, end - start)));
    start = end + 1;
  }
  ARROW_ASSIGN_OR_RAISE(auto lines, builder.Finish());
  return arrow::Table::Make(arrow::schema({arrow::field("plan", arrow::utf8())}),
                            {lines});
}

}  // namespace

namespace {

catalog::FileAccess FileAccessOf(const SessionOptions& options) {
  if (!options.confine_file_access) return catalog::FileAccess::Unrestricted();
  std::vector<std::string> roots = options.readable_directories;
  if (!options.warehouse.empty()) roots.push_back(options.warehouse);
  return catalog::FileAccess::Confined(roots);
}

}  // namespace

Session::Session(SessionOptions options, std::unique_ptr<SparkBackend> spark)
    : options_(std::move(options)),
      catalog_(
          std::make_shared<catalog::Catalog>(options_.warehouse, FileAccessOf(options_))),
      settings_(std::make_unique<SessionSettings>()),
      spark_(std::move(spark)),
      streaming_writes_(std::make_unique<StreamingWrites>()) {}

arrow::Status Session::Set(std::string_view name, std::string_view value) {
  if (spark_ && !SessionSettings::IsSetting(std::string(name))) {
    return spark_->SetConf(std::string(name), std::string(value));
  }
  return settings_->Set(std::string(name), std::string(value));
}

arrow::Result<std::string> Session::Get(std::string_view name) const {
  if (spark_ && !SessionSettings::IsSetting(std::string(name))) {
    return spark_->GetConf(std::string(name));
  }
  return settings_->Show(std::string(name));
}

Session::~Session() = default;

void Session::StopStreamingWrites() { streaming_writes_->StopAll(); }

arrow::Result<DataFrame> Session::Sql(std::string_view sql, std::vector<Param> params) {
  if (spark_) {
    ARROW_ASSIGN_OR_RAISE(auto op, spark_->Sql(sql, params));
    return DataFrame(shared_from_this(), std::move(op), nullptr, arrow::Status::OK());
  }
  return sql::GuardParseTree([&] { return BindQuery(sql, std::move(params)); });
}

arrow::Result<DataFrame> Session::BindQuery(std::string_view original,
                                            std::vector<Param> params) {
  ARROW_ASSIGN_OR_RAISE(auto dialect, sql::RewriteDialect(original));
  if (dialect.command != sql::DialectStatement::Command::kNone || dialect.or_replace ||
      dialect.overwrite) {
    return arrow::Status::Invalid("Sql runs queries; run DDL and DML with Exec");
  }
  // Positions in the rewrite are positions in the user's text (errors show the latter),
  // unless the rewrite lengthened the text.
  const std::string_view sql =
      dialect.lengthened ? std::string_view(dialect.sql) : original;
  ARROW_ASSIGN_OR_RAISE(auto statements, sql::Parse(dialect.sql, {sql, 0}));
  if (statements.empty()) return arrow::Status::Invalid("no SQL statement given");
  if (statements.size() > 1) {
    return SqlInvalid(sql, statements[1].begin,
                      "expected one statement, got " + std::to_string(statements.size()));
  }
  const auto& statement = statements[0];
  ARROW_RETURN_NOT_OK(sql::CheckSupportedFields(statement.node, sql));
  const sql::Json& body = sql::NodeBody(statement.node);
  sql::Binder binder(sql, catalog_.get(), &params, &dialect.versions);
  if (statement.kind == "SelectStmt") {
    ARROW_ASSIGN_OR_RAISE(auto plan, binder.BindSelect(body));
    ARROW_RETURN_NOT_OK(binder.CheckVersionsUsed());
    return DataFrame(shared_from_this(),
                     plan::FrameOp::Sql(std::string(original), std::move(params)),
                     std::move(plan), arrow::Status::OK());
  }
  if (statement.kind == "VariableShowStmt") {
    const std::string name = body.value("name", "");
    std::vector<std::pair<std::string, std::string>> rows;
    if (name == "all") {
      rows = settings_->ShowAll();
    } else {
      auto value = settings_->Show(name);
      if (!value.ok())
        return SqlError(value.status().code(), sql, statement.begin,
                        value.status().message());
      rows.emplace_back(name, *value);
    }
    arrow::StringBuilder names, values;
    for (const auto& [key, value] : rows) {
      ARROW_RETURN_NOT_OK(names.Append(key));
      ARROW_RETURN_NOT_OK(values.Append(value));
    }
    ARROW_ASSIGN_OR_RAISE(auto name_array, names.Finish());
    ARROW_ASSIGN_OR_RAISE(auto value_array, values.Finish());
    auto schema = arrow::schema(
        {arrow::field("name", arrow::utf8()), arrow::field("setting", arrow::utf8())});
    auto table = arrow::Table::Make(schema, {name_array, value_array});
    auto source = std::make_shared<catalog::MemoryTable>(table, "settings");
    auto scan = plan::LogicalNode::Scan(source, {"name", "setting"}, {"name", "setting"},
                                        arrow::compute::literal(true));
    return DataFrame(shared_from_this(), plan::FrameOp::Values(table), std::move(scan),
                     arrow::Status::OK());
  }
  if (statement.kind == "ExplainStmt") {
    const sql::Json& query = body.at("query");
    if (sql::NodeKind(query) != "SelectStmt") {
      return SqlNotSupported(sql, statement.begin, "EXPLAIN of " + sql::NodeKind(query));
    }
    ARROW_ASSIGN_OR_RAISE(auto plan, binder.BindSelect(sql::NodeBody(query)));
    ARROW_RETURN_NOT_OK(binder.CheckVersionsUsed());
    ARROW_ASSIGN_OR_RAISE(auto optimized, plan::Optimize(plan));
    ARROW_ASSIGN_OR_RAISE(auto table, ExplainTable(optimized->ToString()));
    auto source = std::make_shared<catalog::MemoryTable>(table, "explain");
    auto scan = plan::LogicalNode::Scan(source, {"plan"}, {"plan"},
                                        arrow::compute::literal(true));
    return DataFrame(shared_from_this(), plan::FrameOp::Values(table), std::move(scan),
                     arrow::Status::OK());
  }
  std::string kind = statement.kind;
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "Stmt") == 0)
    kind.resize(kind.size() - 4);
  return SqlNotSupported(sql, statement.begin, "statement " + kind);
}

arrow::Result<DataFrame> Session::Table(std::string_view name) {
  auto op = plan::FrameOp::Table(std::string(name));
  if (spark_)
    return DataFrame(shared_from_this(), std::move(op), nullptr, arrow::Status::OK());
  ARROW_ASSIGN_OR_RAISE(auto source, catalog_->Lookup(std::string(name)));
  std::vector<std::string> columns;
  for (const auto& field : source->schema()->fields()) columns.push_back(field->name());
  auto scan =
      plan::LogicalNode::Scan(source, columns, columns, arrow::compute::literal(true));
  return DataFrame(shared_from_this(), std::move(op), std::move(scan),
                   arrow::Status::OK());
}

arrow::Status Session::RegisterTable(std::string name,
                                     std::shared_ptr<arrow::Table> table) {
  if (!table) return arrow::Status::Invalid("RegisterTable: table is null");
  if (spark_) return spark_->RegisterTable(name, *table);
  auto source = std::make_shared<catalog::MemoryTable>(
      table, "table " + name + " (" + std::to_string(table->num_rows()) + " rows)");
  return catalog_->Register(name, std::move(source));
}

arrow::Status Session::RegisterReader(std::string name,
                                      std::shared_ptr<arrow::RecordBatchReader> reader) {
  if (!reader) return arrow::Status::Invalid("RegisterReader: reader is null");
  auto schema = reader->schema();
  // The table gives the reader up to its one scan (ReaderTable opens a once-table at
  // most once), so the producer is released when that scan ends, not when the name is
  // dropped.
  auto slot =
      std::make_shared<std::shared_ptr<arrow::RecordBatchReader>>(std::move(reader));
  auto open = [slot]() -> arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> {
    return std::move(*slot);
  };
  return RegisterReader(std::move(name), std::move(schema), std::move(open), true);
}

arrow::Status Session::RegisterReader(std::string name,
                                      std::shared_ptr<arrow::Schema> schema,
                                      ReaderOpener open) {
  return RegisterReader(std::move(name), std::move(schema), std::move(open), false);
}

arrow::Status Session::RegisterReader(std::string name,
                                      std::shared_ptr<arrow::Schema> schema,
                                      ReaderOpener open, bool once) {
  if (spark_) {
    return arrow::Status::NotImplemented(
        "not supported: streams as tables on a Spark session (register a table)");
  }
  if (!schema || !open)
    return arrow::Status::Invalid("RegisterReader: no schema or opener");
  auto source = std::make_shared<catalog::ReaderTable>(name, std::move(schema),
                                                       std::move(open), once);
  return catalog_->Register(name, std::move(source));
}

arrow::Status Session::RegisterDirectoryStream(std::string name, std::string directory,
                                               std::string_view format,
                                               std::shared_ptr<arrow::Schema> schema) {
  const auto kind = catalog::FileFormatNamed(format);
  if (!kind) {
    return arrow::Status::NotImplemented("not supported: directory streams of format '",
                                         format, "' (parquet, csv, arrow or ndjson)");
  }
  ARROW_ASSIGN_OR_RAISE(auto source, catalog::DirectoryStream::Open(
                                         name, *kind, directory, std::move(schema),
                                         catalog_->file_access()));
  // On Spark the directory is read by Spark; the files' schema is read here.
  if (spark_) {
    return spark_->RegisterDirectoryStream(name, directory, format, *source->schema());
  }
  return catalog_->Register(name, std::move(source));
}

arrow::Result<std::shared_ptr<TableSink>> Session::RegisterStreamingTable(
    std::string name, std::shared_ptr<arrow::Schema> schema, int capacity) {
  ARROW_ASSIGN_OR_RAISE(auto sinks, RegisterStreamingTable(
                                        std::move(name), std::move(schema), capacity, 1));
  return std::move(sinks[0]);
}

arrow::Result<std::vector<std::shared_ptr<TableSink>>> Session::RegisterStreamingTable(
    std::string name, std::shared_ptr<arrow::Schema> schema, int capacity,
    int partitions) {
  if (spark_) {
    return arrow::Status::NotImplemented(
        "streaming tables are not supported on a Spark session");
  }
  if (!schema) return arrow::Status::Invalid("RegisterStreamingTable: schema is null");
  if (capacity < 1)
    return arrow::Status::Invalid("RegisterStreamingTable: capacity must be >= 1");
  if (partitions < 1) {
    return arrow::Status::Invalid("RegisterStreamingTable: partitions must be >= 1");
  }
  // Once its one scan has ended the table gives its name back, if the session still
  // exists and the name still means this table.
  std::weak_ptr<catalog::Catalog> weak_catalog = catalog_;
  auto table = std::make_shared<catalog::StreamingTable>(
      name, schema, capacity, partitions,
      [weak_catalog, name](const catalog::TableSource* self) {
        if (auto catalog = weak_catalog.lock()) (void)catalog->DropIf(name, self);
      });
  ARROW_RETURN_NOT_OK(catalog_->Register(name, table));
  std::vector<std::shared_ptr<TableSink>> sinks;
  for (int i = 0; i < partitions; ++i) sinks.emplace_back(new TableSink(table, i));
  return sinks;
}

arrow::Status Session::DropTable(std::string_view name) {
  if (spark_) return spark_->DropTable(std::string(name));
  return catalog_->Drop(std::string(name));
}

std::vector<std::string> Session::TableNames() const {
  if (!spark_) return catalog_->Names();
  auto names = spark_->TableNames();
  return names.ok() ? std::move(*names) : std::vector<std::string>{};
}

arrow::Result<std::vector<std::string>> SplitStatements(std::string_view script) {
  return sql::Split(script);
}

arrow::Result<std::shared_ptr<Session>> Connect(std::string_view uri,
                                                SessionOptions options) {
  InitializeRuntime();
  constexpr std::string_view kLocal = "local:";
  constexpr std::string_view kSpark = "sc://";
  if (uri.substr(0, kSpark.size()) == kSpark) {
    ARROW_ASSIGN_OR_RAISE(auto spark, SparkBackend::Connect(uri));
    return std::shared_ptr<Session>(new Session(std::move(options), std::move(spark)));
  }
  if (uri.substr(0, kLocal.size()) != kLocal) {
    return arrow::Status::Invalid("cannot connect to '", uri,
                                  "': use \"local:\" (optionally "
                                  "\"local:/path/to/warehouse\") for the embedded engine "
                                  "or \"sc://host:port\" for a Spark Connect server");
  }
  std::string_view path = uri.substr(kLocal.size());
  if (!path.empty()) {
    options.warehouse = std::string(path);
  } else if (options.warehouse.empty()) {
    options.warehouse = "./warehouse";
  }
  return std::shared_ptr<Session>(new Session(std::move(options), nullptr));
}

}  // namespace sluice
