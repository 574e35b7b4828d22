#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <arrow/result.h>

namespace sluice::server {

// The Flight SQL messages (package arrow.flight.protocol.sql) that sluiced reads and
// writes, written from the protocol's documentation. Commands and action bodies travel
// packed in a google.protobuf.Any whose type URL names the message.

struct CommandStatementQuery {
  std::string query;
};
struct CommandStatementUpdate {
  std::string query;
};
struct CommandPreparedStatementQuery {
  std::string handle;
};
struct CommandPreparedStatementUpdate {
  std::string handle;
};
struct TicketStatementQuery {
  std::string handle;
};
struct CommandGetCatalogs {};
struct CommandGetDbSchemas {
  std::optional<std::string> catalog;
  std::optional<std::string> schema_pattern;
};
struct CommandGetTables {
  std::optional<std::string> catalog;
  std::optional<std::string> schema_pattern;
  std::optional<std::string> table_pattern;
  std::vector<std::string> table_types;
  bool include_schema = false;
};
struct CommandGetTableTypes {};
struct CommandGetSqlInfo {
  std::vector<uint32_t> info;  // empty: all
};

using Command =
    std::variant<CommandStatementQuery, CommandStatementUpdate,
                 CommandPreparedStatementQuery, CommandPreparedStatementUpdate,
                 TicketStatementQuery, CommandGetCatalogs, CommandGetDbSchemas,
                 CommandGetTables, CommandGetTableTypes, CommandGetSqlInfo>;

// Unpacks an Any holding one of the commands above; NotImplemented naming any other.
arrow::Result<Command> ParseCommand(std::string_view any);
// Packs a command in an Any (tickets carry commands too).
std::string PackCommand(const Command& command);

struct ActionCreatePreparedStatementRequest {
  std::string query;
};
struct ActionCreatePreparedStatementResult {
  std::string handle;
  std::string dataset_schema;    // an IPC-serialized schema
  std::string parameter_schema;  // an IPC-serialized schema
};
struct ActionClosePreparedStatementRequest {
  std::string handle;
};

arrow::Result<ActionCreatePreparedStatementRequest> ParseCreatePreparedStatement(
    std::string_view any);
arrow::Result<ActionClosePreparedStatementRequest> ParseClosePreparedStatement(
    std::string_view any);
std::string PackCreatePreparedStatementResult(const ActionCreatePreparedStatementResult&);

// The app_metadata of DoPut results (plain messages, not packed in an Any).
std::string EncodeDoPutUpdateResult(int64_t record_count);
std::string EncodeDoPutPreparedStatementResult(const std::string& handle);

}  // namespace sluice::server
