#include "server/flight_sql_metadata.h"

#include <arrow/api.h>
#include <arrow/ipc/writer.h>
#include <arrow/util/config.h>

#include "sluice/session.h"

namespace sluice::server {

namespace {

constexpr const char* kCatalog = "sluice";
constexpr const char* kSchema = "main";

// SQL LIKE with % and _ (no escapes), as Flight SQL's filter patterns. Greedy with one
// backtrack point (the last %), so it takes O(text x pattern) time at worst, never
// exponential time whatever the pattern.
bool Like(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '_' || pattern[p] == text[t])) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

bool CatalogMatches(const std::optional<std::string>& catalog) {
  return !catalog || *catalog == kCatalog;
}

bool SchemaMatches(const std::optional<std::string>& pattern) {
  return !pattern || Like(kSchema, *pattern);
}

arrow::Result<std::shared_ptr<arrow::Array>> Strings(
    const std::vector<std::string>& values) {
  arrow::StringBuilder builder;
  ARROW_RETURN_NOT_OK(builder.AppendValues(values));
  return builder.Finish();
}

// Flight SQL's SqlInfo ids this server answers, and their values.
enum SqlInfoId : uint32_t {
  kServerName = 0,
  kServerVersion = 1,
  kServerArrowVersion = 2,
  kServerReadOnly = 3,
  kServerSql = 4,
  kServerSubstrait = 5,
  kServerTransaction = 8,
  kServerCancel = 9,
  kDdlCatalog = 500,
  kDdlSchema = 501,
  kDdlTable = 502,
  kIdentifierQuoteChar = 504,
};

}  // namespace

std::shared_ptr<arrow::Schema> MetadataSchema(const Command& command) {
  using arrow::field;
  if (std::holds_alternative<CommandGetCatalogs>(command)) {
    return arrow::schema({field("catalog_name", arrow::utf8(), false)});
  }
  if (std::holds_alternative<CommandGetDbSchemas>(command)) {
    return arrow::schema({field("catalog_name", arrow::utf8()),
                          field("db_schema_name", arrow::utf8(), false)});
  }
  if (const auto* tables = std::get_if<CommandGetTables>(&command)) {
    arrow::FieldVector fields = {field("catalog_name", arrow::utf8()),
                                 field("db_schema_name", arrow::utf8()),
                                 field("table_name", arrow::utf8(), false),
                                 field("table_type", arrow::utf8(), false)};
    if (tables->include_schema)
      fields.push_back(field("table_schema", arrow::binary(), false));
    return arrow::schema(fields);
  }
  if (std::holds_alternative<CommandGetTableTypes>(command)) {
    return arrow::schema({field("table_type", arrow::utf8(), false)});
  }
  auto value = arrow::dense_union(
      {field("string_value", arrow::utf8()), field("bool_value", arrow::boolean()),
       field("bigint_value", arrow::int64()), field("int32_bitmask", arrow::int32()),
       field("string_list", arrow::list(field("item", arrow::utf8()))),
       field("int32_to_int32_list_map",
             arrow::map(arrow::int32(), arrow::list(field("item", arrow::int32()))))},
      {0, 1, 2, 3, 4, 5});
  return arrow::schema(
      {field("info_name", arrow::uint32(), false), field("value", value)});
}

arrow::Result<std::shared_ptr<arrow::Table>> CatalogsTable() {
  ARROW_ASSIGN_OR_RAISE(auto names, Strings({kCatalog}));
  return arrow::Table::Make(MetadataSchema(CommandGetCatalogs{}), {names});
}

arrow::Result<std::shared_ptr<arrow::Table>> DbSchemasTable(
    const CommandGetDbSchemas& command) {
  std::vector<std::string> catalogs, schemas;
  if (CatalogMatches(command.catalog) && SchemaMatches(command.schema_pattern)) {
    catalogs.push_back(kCatalog);
    schemas.push_back(kSchema);
  }
  ARROW_ASSIGN_OR_RAISE(auto catalog_column, Strings(catalogs));
  ARROW_ASSIGN_OR_RAISE(auto schema_column, Strings(schemas));
  return arrow::Table::Make(MetadataSchema(command), {catalog_column, schema_column});
}

arrow::Result<std::shared_ptr<arrow::Table>> TablesTable(
    Session* session, const CommandGetTables& command) {
  std::vector<std::string> names;
  const bool type_matches =
      command.table_types.empty() ||
      std::find(command.table_types.begin(), command.table_types.end(), "TABLE") !=
          command.table_types.end();
  if (CatalogMatches(command.catalog) && SchemaMatches(command.schema_pattern) &&
      type_matches) {
    for (const auto& name : session->TableNames()) {
      if (!command.table_pattern || Like(name, *command.table_pattern))
        names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  const auto rows = static_cast<int64_t>(names.size());
  ARROW_ASSIGN_OR_RAISE(auto catalogs,
                        Strings(std::vector<std::string>(names.size(), kCatalog)));
  ARROW_ASSIGN_OR_RAISE(auto schemas,
                        Strings(std::vector<std::string>(names.size(), kSchema)));
  ARROW_ASSIGN_OR_RAISE(auto tables, Strings(names));
  ARROW_ASSIGN_OR_RAISE(auto types,
                        Strings(std::vector<std::string>(names.size(), "TABLE")));
  arrow::ArrayVector columns = {catalogs, schemas, tables, types};
  if (command.include_schema) {
    arrow::BinaryBuilder schemas_builder;
    for (const auto& name : names) {
      ARROW_ASSIGN_OR_RAISE(auto frame, session->Table(name));
      ARROW_ASSIGN_OR_RAISE(auto schema, frame.ResultSchema());
      ARROW_ASSIGN_OR_RAISE(auto serialized, arrow::ipc::SerializeSchema(*schema));
      ARROW_RETURN_NOT_OK(schemas_builder.Append(serialized->data(), serialized->size()));
    }
    ARROW_ASSIGN_OR_RAISE(auto column, schemas_builder.Finish());
    columns.push_back(column);
  }
  return arrow::Table::Make(MetadataSchema(command), columns, rows);
}

arrow::Result<std::shared_ptr<arrow::Table>> TableTypesTable() {
  ARROW_ASSIGN_OR_RAISE(auto types, Strings({"TABLE"}));
  return arrow::Table::Make(MetadataSchema(CommandGetTableTypes{}), {types});
}

arrow::Result<std::shared_ptr<arrow::Table>> SqlInfoTable(
    const CommandGetSqlInfo& command) {
  struct Value {
    uint32_t id;
    int8_t type;  // 0 string, 1 bool, 3 int32
    std::string text;
    bool flag = false;
    int32_t number = 0;
  };
  const std::vector<Value> known = {
      {kServerName, 0, "sluiced"},
      {kServerVersion, 0, "0.1"},
      {kServerArrowVersion, 0, ARROW_VERSION_STRING},
      {kServerReadOnly, 1, "", false},
      {kServerSql, 1, "", true},
      {kServerSubstrait, 1, "", false},
      {kServerTransaction, 3, "", false, 0},  // no transactions
      {kServerCancel, 1, "", true},
      {kDdlCatalog, 1, "", false},
      {kDdlSchema, 1, "", false},
      {kDdlTable, 1, "", true},
      {kIdentifierQuoteChar, 0, "\""},
  };
  arrow::UInt32Builder ids;
  arrow::Int8Builder type_ids;
  arrow::Int32Builder offsets;
  arrow::StringBuilder strings;
  arrow::BooleanBuilder bools;
  arrow::Int32Builder int32s;
  for (const auto& value : known) {
    if (!command.info.empty() && std::find(command.info.begin(), command.info.end(),
                                           value.id) == command.info.end())
      continue;
    ARROW_RETURN_NOT_OK(ids.Append(value.id));
    ARROW_RETURN_NOT_OK(type_ids.Append(value.type));
    if (value.type == 0) {
      ARROW_RETURN_NOT_OK(offsets.Append(static_cast<int32_t>(strings.length())));
      ARROW_RETURN_NOT_OK(strings.Append(value.text));
    } else if (value.type == 1) {
      ARROW_RETURN_NOT_OK(offsets.Append(static_cast<int32_t>(bools.length())));
      ARROW_RETURN_NOT_OK(bools.Append(value.flag));
    } else {
      ARROW_RETURN_NOT_OK(offsets.Append(static_cast<int32_t>(int32s.length())));
      ARROW_RETURN_NOT_OK(int32s.Append(value.number));
    }
  }
  auto schema = MetadataSchema(command);
  const auto& union_type = schema->field(1)->type();
  arrow::ArrayVector children(6);
  ARROW_ASSIGN_OR_RAISE(children[0], strings.Finish());
  ARROW_ASSIGN_OR_RAISE(children[1], bools.Finish());
  ARROW_ASSIGN_OR_RAISE(children[3], int32s.Finish());
  for (int i : {2, 4, 5}) {
    ARROW_ASSIGN_OR_RAISE(children[i],
                          arrow::MakeEmptyArray(union_type->field(i)->type()));
  }
  ARROW_ASSIGN_OR_RAISE(auto id_array, ids.Finish());
  ARROW_ASSIGN_OR_RAISE(auto type_array, type_ids.Finish());
  ARROW_ASSIGN_OR_RAISE(auto offset_array, offsets.Finish());
  std::vector<std::string> names;
  for (const auto& field : union_type->fields()) names.push_back(field->name());
  ARROW_ASSIGN_OR_RAISE(auto values,
                        arrow::DenseUnionArray::Make(*type_array, *offset_array, children,
                                                     names, {0, 1, 2, 3, 4, 5}));
  return arrow::Table::Make(schema, {id_array, values});
}

}  // namespace sluice::server
