#include "delta/delta_schema.h"

#include <arrow/type.h>
#include <nlohmann/json.hpp>

namespace sluice::delta {

using Json = nlohmann::json;

namespace {

arrow::Result<std::shared_ptr<arrow::DataType>> TypeFromDelta(const Json& type,
                                                              const std::string& column) {
  if (type.is_string()) {
    const std::string name = type.get<std::string>();
    if (name == "string") return arrow::utf8();
    if (name == "long") return arrow::int64();
    if (name == "integer") return arrow::int32();
    if (name == "short") return arrow::int16();
    if (name == "byte") return arrow::int8();
    if (name == "float") return arrow::float32();
    if (name == "double") return arrow::float64();
    if (name == "boolean") return arrow::boolean();
    if (name == "binary") return arrow::binary();
    if (name == "date") return arrow::date32();
    if (name == "timestamp") return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    if (name == "timestamp_ntz") return arrow::timestamp(arrow::TimeUnit::MICRO);
    int precision = 0, scale = 0;
    if (std::sscanf(name.c_str(), "decimal(%d,%d)", &precision, &scale) == 2) {
      return arrow::decimal128(precision, scale);
    }
    return arrow::Status::NotImplemented("Delta type '", name, "' of column ", column);
  }
  if (!type.is_object()) {
    return arrow::Status::NotImplemented("Delta type ", type.dump(), " of column ",
                                         column);
  }
  const Json kind = type.value("type", Json());
  if (kind == "array") {
    ARROW_ASSIGN_OR_RAISE(auto element, TypeFromDelta(type.at("elementType"), column));
    return arrow::list(
        arrow::field("element", element, type.value("containsNull", true)));
  }
  if (kind == "map") {
    ARROW_ASSIGN_OR_RAISE(auto key, TypeFromDelta(type.at("keyType"), column));
    ARROW_ASSIGN_OR_RAISE(auto value, TypeFromDelta(type.at("valueType"), column));
    return arrow::map(
        key, arrow::field("value", value, type.value("valueContainsNull", true)));
  }
  if (kind == "struct") {
    arrow::FieldVector fields;
    for (const auto& field : type.at("fields")) {
      const std::string name = field.at("name").get<std::string>();
      ARROW_ASSIGN_OR_RAISE(auto child,
                            TypeFromDelta(field.at("type"), column + "." + name));
      fields.push_back(arrow::field(name, child, field.value("nullable", true)));
    }
    return arrow::struct_(fields);
  }
  return arrow::Status::NotImplemented("Delta type ", type.dump(), " of column ", column);
}

arrow::Result<Json> TypeToDelta(const arrow::DataType& type, const std::string& column) {
  switch (type.id()) {
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
      return Json("string");
    case arrow::Type::INT64:
      return Json("long");
    case arrow::Type::INT32:
      return Json("integer");
    case arrow::Type::INT16:
      return Json("short");
    case arrow::Type::INT8:
      return Json("byte");
    case arrow::Type::FLOAT:
      return Json("float");
    case arrow::Type::DOUBLE:
      return Json("double");
    case arrow::Type::BOOL:
      return Json("boolean");
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
      return Json("binary");
    case arrow::Type::DATE32:
      return Json("date");
    case arrow::Type::TIMESTAMP:
      return Json("timestamp");
    case arrow::Type::DECIMAL128: {
      const auto& dec = static_cast<const arrow::Decimal128Type&>(type);
      return Json("decimal(" + std::to_string(dec.precision()) + "," +
                  std::to_string(dec.scale()) + ")");
    }
    case arrow::Type::LIST: {
      const auto& list = static_cast<const arrow::ListType&>(type);
      ARROW_ASSIGN_OR_RAISE(auto element, TypeToDelta(*list.value_type(), column));
      return Json{{"type", "array"},
                  {"elementType", element},
                  {"containsNull", list.value_field()->nullable()}};
    }
    case arrow::Type::STRUCT: {
      Json fields = Json::array();
      for (const auto& field : type.fields()) {
        ARROW_ASSIGN_OR_RAISE(auto child,
                              TypeToDelta(*field->type(), column + "." + field->name()));
        fields.push_back({{"name", field->name()},
                          {"type", child},
                          {"nullable", field->nullable()},
                          {"metadata", Json::object()}});
      }
      return Json{{"type", "struct"}, {"fields", fields}};
    }
    default:
      return arrow::Status::NotImplemented("column ", column, " has type ",
                                           type.ToString(),
                                           ", which Delta tables cannot store");
  }
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::Schema>> SchemaFromDelta(
    const std::string& schema_string) {
  Json json = Json::parse(schema_string, nullptr, /*allow_exceptions=*/false);
  // value() with a Json default never throws; a non-string "type" just compares unequal.
  if (json.is_discarded() || !json.is_object() ||
      json.value("type", Json()) != "struct") {
    return arrow::Status::IOError("unreadable Delta schema: ",
                                  schema_string.substr(0, 200));
  }
  try {
    ARROW_ASSIGN_OR_RAISE(auto type, TypeFromDelta(json, ""));
    return arrow::schema(type->fields());
  } catch (const Json::exception& e) {
    return arrow::Status::IOError("unreadable Delta schema: ", e.what());
  }
}

arrow::Result<std::string> SchemaToDelta(const arrow::Schema& schema) {
  Json fields = Json::array();
  for (const auto& field : schema.fields()) {
    ARROW_ASSIGN_OR_RAISE(auto type, TypeToDelta(*field->type(), field->name()));
    fields.push_back({{"name", field->name()},
                      {"type", type},
                      {"nullable", field->nullable()},
                      {"metadata", Json::object()}});
  }
  return Json{{"type", "struct"}, {"fields", fields}}.dump();
}

arrow::Result<std::string> AddColumnsToDelta(const std::string& schema_string,
                                             const arrow::Schema& current,
                                             const arrow::Schema& wanted) {
  for (const auto& field : current.fields()) {
    auto match = wanted.GetFieldByName(field->name());
    if (!match) {
      return arrow::Status::Invalid("merging schemas: column ", field->name(),
                                    " of the table is missing");
    }
    if (!match->type()->Equals(*field->type())) {
      return arrow::Status::Invalid("merging schemas: column ", field->name(), " is ",
                                    field->type()->ToString(), " in the table but ",
                                    match->type()->ToString(),
                                    " in the data; only new columns can be added");
    }
  }
  Json json = Json::parse(schema_string, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("fields") ||
      !json["fields"].is_array()) {
    return arrow::Status::IOError("unreadable Delta schema: ",
                                  schema_string.substr(0, 200));
  }
  for (const auto& field : wanted.fields()) {
    if (current.GetFieldIndex(field->name()) >= 0) continue;
    ARROW_ASSIGN_OR_RAISE(auto type, TypeToDelta(*field->type(), field->name()));
    json["fields"].push_back({{"name", field->name()},
                              {"type", type},
                              {"nullable", true},
                              {"metadata", Json::object()}});
  }
  return json.dump();
}

}  // namespace sluice::delta
