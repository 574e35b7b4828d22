#include "server/flight_sql_messages.h"

#include "server/protobuf_wire.h"

namespace sluice::server {

namespace {

constexpr std::string_view kTypePrefix = "type.googleapis.com/arrow.flight.protocol.sql.";

// google.protobuf.Any: type_url = 1, value = 2.
std::string PackAny(std::string_view message, const std::string& payload) {
  ProtoWriter any;
  any.Bytes(1, std::string(kTypePrefix) + std::string(message));
  any.Bytes(2, payload);
  return any.data();
}

arrow::Result<std::pair<std::string, std::string_view>> UnpackAny(std::string_view any) {
  ProtoReader reader(any);
  std::string type;
  std::string_view value;
  while (true) {
    ARROW_ASSIGN_OR_RAISE(bool more, reader.Next());
    if (!more) break;
    if (reader.field() == 1 && reader.wire_type() == 2) type = reader.bytes();
    if (reader.field() == 2 && reader.wire_type() == 2) value = reader.bytes();
  }
  if (type.rfind(kTypePrefix, 0) != 0) {
    return arrow::Status::Invalid("not a Flight SQL message: '", type, "'");
  }
  return std::make_pair(type.substr(kTypePrefix.size()), value);
}

// Calls `on_field(reader)` for every field of `message`.
template <typename OnField>
arrow::Status ForEachField(std::string_view message, OnField on_field) {
  ProtoReader reader(message);
  while (true) {
    ARROW_ASSIGN_OR_RAISE(bool more, reader.Next());
    if (!more) return arrow::Status::OK();
    ARROW_RETURN_NOT_OK(on_field(reader));
  }
}

// A message whose field 1 is a string or bytes.
arrow::Result<std::string> FirstString(std::string_view message) {
  std::string value;
  ARROW_RETURN_NOT_OK(ForEachField(message, [&](const ProtoReader& field) {
    if (field.field() == 1 && field.wire_type() == 2) value = field.bytes();
    return arrow::Status::OK();
  }));
  return value;
}

std::string WithFirstString(const std::string& value) {
  ProtoWriter writer;
  writer.Bytes(1, value);
  return writer.data();
}

}  // namespace

arrow::Result<Command> ParseCommand(std::string_view any) {
  ARROW_ASSIGN_OR_RAISE(auto unpacked, UnpackAny(any));
  const auto& [type, value] = unpacked;
  if (type == "CommandStatementQuery") {
    ARROW_ASSIGN_OR_RAISE(auto query, FirstString(value));
    return CommandStatementQuery{std::move(query)};
  }
  if (type == "CommandStatementUpdate") {
    ARROW_ASSIGN_OR_RAISE(auto query, FirstString(value));
    return CommandStatementUpdate{std::move(query)};
  }
  if (type == "CommandPreparedStatementQuery") {
    ARROW_ASSIGN_OR_RAISE(auto handle, FirstString(value));
    return CommandPreparedStatementQuery{std::move(handle)};
  }
  if (type == "CommandPreparedStatementUpdate") {
    ARROW_ASSIGN_OR_RAISE(auto handle, FirstString(value));
    return CommandPreparedStatementUpdate{std::move(handle)};
  }
  if (type == "TicketStatementQuery") {
    ARROW_ASSIGN_OR_RAISE(auto handle, FirstString(value));
    return TicketStatementQuery{std::move(handle)};
  }
  if (type == "CommandGetCatalogs") return CommandGetCatalogs{};
  if (type == "CommandGetTableTypes") return CommandGetTableTypes{};
  if (type == "CommandGetDbSchemas") {
    CommandGetDbSchemas command;
    ARROW_RETURN_NOT_OK(ForEachField(value, [&](const ProtoReader& field) {
      if (field.wire_type() != 2) return arrow::Status::OK();
      if (field.field() == 1) command.catalog = std::string(field.bytes());
      if (field.field() == 2) command.schema_pattern = std::string(field.bytes());
      return arrow::Status::OK();
    }));
    return command;
  }
  if (type == "CommandGetTables") {
    CommandGetTables command;
    ARROW_RETURN_NOT_OK(ForEachField(value, [&](const ProtoReader& field) {
      if (field.field() == 5 && field.wire_type() == 0) {
        command.include_schema = field.varint() != 0;
      } else if (field.wire_type() == 2) {
        const std::string text(field.bytes());
        if (field.field() == 1) command.catalog = text;
        if (field.field() == 2) command.schema_pattern = text;
        if (field.field() == 3) command.table_pattern = text;
        if (field.field() == 4) command.table_types.push_back(text);
      }
      return arrow::Status::OK();
    }));
    return command;
  }
  if (type == "CommandGetSqlInfo") {
    CommandGetSqlInfo command;
    ARROW_RETURN_NOT_OK(ForEachField(value, [&](const ProtoReader& field) {
      if (field.field() != 1) return arrow::Status::OK();
      if (field.wire_type() == 0) {
        command.info.push_back(static_cast<uint32_t>(field.varint()));
        return arrow::Status::OK();
      }
      std::string_view packed = field.bytes();
      while (!packed.empty()) {
        ARROW_ASSIGN_OR_RAISE(uint64_t id, ProtoReader::ReadVarint(&packed));
        command.info.push_back(static_cast<uint32_t>(id));
      }
      return arrow::Status::OK();
    }));
    return command;
  }
  return arrow::Status::NotImplemented("Flight SQL command ", type,
                                       " is not supported by sluiced");
}

std::string PackCommand(const Command& command) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, TicketStatementQuery>) {
          return PackAny("TicketStatementQuery", WithFirstString(c.handle));
        } else if constexpr (std::is_same_v<T, CommandStatementQuery>) {
          return PackAny("CommandStatementQuery", WithFirstString(c.query));
        } else if constexpr (std::is_same_v<T, CommandStatementUpdate>) {
          return PackAny("CommandStatementUpdate", WithFirstString(c.query));
        } else if constexpr (std::is_same_v<T, CommandPreparedStatementQuery>) {
          return PackAny("CommandPreparedStatementQuery", WithFirstString(c.handle));
        } else if constexpr (std::is_same_v<T, CommandPreparedStatementUpdate>) {
          return PackAny("CommandPreparedStatementUpdate", WithFirstString(c.handle));
        } else if constexpr (std::is_same_v<T, CommandGetCatalogs>) {
          return PackAny("CommandGetCatalogs", "");
        } else if constexpr (std::is_same_v<T, CommandGetTableTypes>) {
          return PackAny("CommandGetTableTypes", "");
        } else if constexpr (std::is_same_v<T, CommandGetDbSchemas>) {
          ProtoWriter writer;
          if (c.catalog) writer.Bytes(1, *c.catalog);
          if (c.schema_pattern) writer.Bytes(2, *c.schema_pattern);
          return PackAny("CommandGetDbSchemas", writer.data());
        } else if constexpr (std::is_same_v<T, CommandGetTables>) {
          ProtoWriter writer;
          if (c.catalog) writer.Bytes(1, *c.catalog);
          if (c.schema_pattern) writer.Bytes(2, *c.schema_pattern);
          if (c.table_pattern) writer.Bytes(3, *c.table_pattern);
          for (const auto& type : c.table_types) writer.Bytes(4, type);
          if (c.include_schema) writer.Varint(5, 1);
          return PackAny("CommandGetTables", writer.data());
        } else {
          ProtoWriter writer;
          if (!c.info.empty()) writer.PackedVarints(1, c.info.begin(), c.info.end());
          return PackAny("CommandGetSqlInfo", writer.data());
        }
      },
      command);
}

arrow::Result<ActionCreatePreparedStatementRequest> ParseCreatePreparedStatement(
    std::string_view any) {
  ARROW_ASSIGN_OR_RAISE(auto unpacked, UnpackAny(any));
  if (unpacked.first != "ActionCreatePreparedStatementRequest") {
    return arrow::Status::Invalid("expected ActionCreatePreparedStatementRequest, got ",
                                  unpacked.first);
  }
  ARROW_ASSIGN_OR_RAISE(auto query, FirstString(unpacked.second));
  return ActionCreatePreparedStatementRequest{std::move(query)};
}

arrow::Result<ActionClosePreparedStatementRequest> ParseClosePreparedStatement(
    std::string_view any) {
  ARROW_ASSIGN_OR_RAISE(auto unpacked, UnpackAny(any));
  if (unpacked.first != "ActionClosePreparedStatementRequest") {
    return arrow::Status::Invalid("expected ActionClosePreparedStatementRequest, got ",
                                  unpacked.first);
  }
  ARROW_ASSIGN_OR_RAISE(auto handle, FirstString(unpacked.second));
  return ActionClosePreparedStatementRequest{std::move(handle)};
}

std::string PackCreatePreparedStatementResult(
    const ActionCreatePreparedStatementResult& result) {
  ProtoWriter writer;
  writer.Bytes(1, result.handle);
  writer.Bytes(2, result.dataset_schema);
  writer.Bytes(3, result.parameter_schema);
  return PackAny("ActionCreatePreparedStatementResult", writer.data());
}

std::string EncodeDoPutUpdateResult(int64_t record_count) {
  ProtoWriter writer;
  writer.Varint(1, static_cast<uint64_t>(record_count));
  return writer.data();
}

std::string EncodeDoPutPreparedStatementResult(const std::string& handle) {
  ProtoWriter writer;
  writer.Bytes(1, handle);
  return writer.data();
}

}  // namespace sluice::server
