#include "delta/actions.h"

#include <cstdint>

#include <chrono>

#include <arrow/status.h>

namespace sluice::delta {

using Json = nlohmann::json;

namespace {

Json EncodePartitionValues(const PartitionValues& values) {
  Json out = Json::object();
  for (const auto& [column, value] : values)
    out[column] = value ? Json(*value) : Json(nullptr);
  return out;
}

PartitionValues DecodePartitionValues(const Json& json) {
  PartitionValues values;
  if (!json.is_object()) return values;
  for (const auto& [column, value] : json.items()) {
    values[column] = value.is_null()
                         ? std::nullopt
                         : std::optional<std::string>(value.get<std::string>());
  }
  return values;
}

Json ToJson(const Action& action) {
  return std::visit(
      [](const auto& a) -> Json {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, Protocol>) {
          Json body = {{"minReaderVersion", a.min_reader_version},
                       {"minWriterVersion", a.min_writer_version}};
          if (a.min_reader_version >= 3) body["readerFeatures"] = a.reader_features;
          if (a.min_writer_version >= 7) body["writerFeatures"] = a.writer_features;
          return {{"protocol", body}};
        } else if constexpr (std::is_same_v<T, Metadata>) {
          Json body = {{"id", a.id},
                       {"format", {{"provider", "parquet"}, {"options", Json::object()}}},
                       {"schemaString", a.schema_string},
                       {"partitionColumns", a.partition_columns},
                       {"configuration", a.configuration},
                       {"createdTime", a.created_time}};
          if (a.name) body["name"] = *a.name;
          if (a.description) body["description"] = *a.description;
          return {{"metaData", body}};
        } else if constexpr (std::is_same_v<T, AddFile>) {
          Json body = {{"path", a.path},
                       {"partitionValues", EncodePartitionValues(a.partition_values)},
                       {"size", a.size},
                       {"modificationTime", a.modification_time},
                       {"dataChange", a.data_change}};
          if (!a.stats.empty()) body["stats"] = a.stats;
          return {{"add", body}};
        } else if constexpr (std::is_same_v<T, RemoveFile>) {
          return {{"remove",
                   {{"path", a.path},
                    {"deletionTimestamp", a.deletion_timestamp},
                    {"dataChange", a.data_change},
                    {"extendedFileMetadata", a.extended_file_metadata},
                    {"partitionValues", EncodePartitionValues(a.partition_values)},
                    {"size", a.size}}}};
        } else if constexpr (std::is_same_v<T, Txn>) {
          return {{"txn",
                   {{"appId", a.app_id},
                    {"version", a.version},
                    {"lastUpdated", a.last_updated}}}};
        } else {
          Json body = {{"timestamp", a.timestamp},
                       {"operation", a.operation},
                       {"operationParameters", a.operation_parameters},
                       {"operationMetrics", a.operation_metrics},
                       {"isBlindAppend", a.is_blind_append},
                       {"engineInfo", "sluice"}};
          if (a.read_version) body["readVersion"] = *a.read_version;
          return {{"commitInfo", body}};
        }
      },
      action);
}

// An integer field; `fallback` when it is absent (none: required). Anything but a JSON
// integer in int64's range is an error, never a conversion.
arrow::Result<int64_t> IntegerField(const Json& body, const char* key,
                                    std::optional<int64_t> fallback = std::nullopt) {
  if (!body.contains(key) || body[key].is_null()) {
    if (fallback) return *fallback;
    return arrow::Status::Invalid("missing field ", key);
  }
  const Json& value = body[key];
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  if (value.is_number_integer() && !value.is_number_unsigned())
    return value.get<int64_t>();
  return arrow::Status::Invalid("field ", key,
                                " is not a 64-bit integer: ", value.dump().substr(0, 40));
}

arrow::Result<int> VersionField(const Json& body, const char* key) {
  ARROW_ASSIGN_OR_RAISE(auto value, IntegerField(body, key));
  if (value < 0 || value > 1000) {
    return arrow::Status::Invalid("field ", key, " is not a protocol version: ", value);
  }
  return static_cast<int>(value);
}

arrow::Result<std::optional<Action>> FromJson(const Json& line) {
  if (!line.is_object() || line.size() != 1) {
    return arrow::Status::Invalid("an action must be an object with one key");
  }
  const std::string& kind = line.begin().key();
  const Json& body = line.begin().value();
  if (kind == "protocol") {
    Protocol p;
    ARROW_ASSIGN_OR_RAISE(p.min_reader_version, VersionField(body, "minReaderVersion"));
    ARROW_ASSIGN_OR_RAISE(p.min_writer_version, VersionField(body, "minWriterVersion"));
    if (body.contains("readerFeatures"))
      p.reader_features = body["readerFeatures"].get<std::vector<std::string>>();
    if (body.contains("writerFeatures"))
      p.writer_features = body["writerFeatures"].get<std::vector<std::string>>();
    return Action(p);
  }
  if (kind == "metaData") {
    Metadata m;
    m.id = body.at("id").get<std::string>();
    if (body.contains("name") && body["name"].is_string())
      m.name = body["name"].get<std::string>();
    if (body.contains("description") && body["description"].is_string()) {
      m.description = body["description"].get<std::string>();
    }
    m.schema_string = body.at("schemaString").get<std::string>();
    m.partition_columns = body.value("partitionColumns", std::vector<std::string>{});
    if (body.contains("configuration") && body["configuration"].is_object()) {
      for (const auto& [key, value] : body["configuration"].items()) {
        if (value.is_string()) m.configuration[key] = value.get<std::string>();
      }
    }
    ARROW_ASSIGN_OR_RAISE(m.created_time, IntegerField(body, "createdTime", 0));
    return Action(m);
  }
  if (kind == "add") {
    AddFile a;
    a.path = body.at("path").get<std::string>();
    a.partition_values =
        DecodePartitionValues(body.value("partitionValues", Json::object()));
    ARROW_ASSIGN_OR_RAISE(a.size, IntegerField(body, "size", 0));
    ARROW_ASSIGN_OR_RAISE(a.modification_time, IntegerField(body, "modificationTime", 0));
    a.data_change = body.value("dataChange", true);
    if (body.contains("stats") && body["stats"].is_string())
      a.stats = body["stats"].get<std::string>();
    if (body.contains("deletionVector") && !body["deletionVector"].is_null()) {
      return arrow::Status::NotImplemented("file ", a.path, " has a deletion vector");
    }
    return Action(a);
  }
  if (kind == "remove") {
    RemoveFile r;
    r.path = body.at("path").get<std::string>();
    ARROW_ASSIGN_OR_RAISE(r.deletion_timestamp,
                          IntegerField(body, "deletionTimestamp", 0));
    r.data_change = body.value("dataChange", true);
    r.extended_file_metadata = body.value("extendedFileMetadata", false);
    r.partition_values =
        DecodePartitionValues(body.value("partitionValues", Json::object()));
    ARROW_ASSIGN_OR_RAISE(r.size, IntegerField(body, "size", 0));
    return Action(r);
  }
  if (kind == "txn") {
    Txn t;
    t.app_id = body.at("appId").get<std::string>();
    ARROW_ASSIGN_OR_RAISE(t.version, IntegerField(body, "version"));
    ARROW_ASSIGN_OR_RAISE(t.last_updated, IntegerField(body, "lastUpdated", 0));
    return Action(t);
  }
  if (kind == "commitInfo") {
    CommitInfo c;
    ARROW_ASSIGN_OR_RAISE(c.timestamp, IntegerField(body, "timestamp", 0));
    c.operation = body.value("operation", "");
    c.operation_parameters = body.value("operationParameters", Json::object());
    c.operation_metrics = body.value("operationMetrics", Json::object());
    if (body.contains("readVersion") && body["readVersion"].is_number_integer()) {
      ARROW_ASSIGN_OR_RAISE(c.read_version, IntegerField(body, "readVersion"));
    }
    c.is_blind_append = body.value("isBlindAppend", false);
    return Action(c);
  }
  return std::nullopt;  // an action kind this reader does not need
}

}  // namespace

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string SerializeActions(const std::vector<Action>& actions) {
  std::string out;
  for (const auto& action : actions) {
    out += ToJson(action).dump();
    out += '\n';
  }
  return out;
}

std::string DescribeProtocolNeed(const char* role, int version,
                                 const std::vector<std::string>& features) {
  std::string text = "needs " + std::string(role) + " version " + std::to_string(version);
  if (!features.empty()) text += " with features";
  for (const auto& feature : features) text += " " + feature;
  return text;
}

arrow::Result<std::vector<Action>> ParseActions(std::string_view text,
                                                const std::string& file) {
  std::vector<Action> actions;
  size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_number;
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Json json = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      return arrow::Status::IOError("corrupt Delta log file ", file, ": line ",
                                    line_number, " is not valid JSON");
    }
    try {
      ARROW_ASSIGN_OR_RAISE(auto action, FromJson(json));
      if (action) actions.push_back(std::move(*action));
    } catch (const Json::exception& e) {
      return arrow::Status::IOError("corrupt Delta log file ", file, ": line ",
                                    line_number, ": ", e.what());
    }
  }
  return actions;
}

std::string DecodePath(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() &&
        std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      out.push_back(
          static_cast<char>(std::stoi(std::string(path.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(path[i]);
    }
  }
  return out;
}

std::string EncodePath(std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' ||
        c == '=') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace sluice::delta
