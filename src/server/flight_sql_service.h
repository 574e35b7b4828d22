#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <arrow/flight/server.h>

#include "server/clients.h"
#include "server/query_registry.h"
#include "sluice/param.h"
#include "sluice/session.h"

namespace sluice {
class Session;
}

namespace sluice::server {

// Arrow Flight SQL over the embedded engine: statement queries (GetFlightInfo, then
// DoGet streams the result), prepared statements with parameters bound through DoPut,
// updates (DDL and DML) through DoPut, catalog metadata (catalogs, schemas, tables, table
// types, SqlInfo) and CancelFlightInfo. A DoGet stream is the query's own stream: gRPC
// pulls batches as the client takes them, so a slow client slows its query and the
// server holds at most the stream's bounded buffer; a client that cancels or goes away
// ends its query. Each client (see Clients) works in its own Session, and its prepared
// statements and tickets are its own: another client's handle is unknown. Serve it with
// MakeClientAuth installed as the middleware "auth". Thread-safe.
class FlightSqlService : public arrow::flight::FlightServerBase {
 public:
  FlightSqlService(std::shared_ptr<Clients> clients,
                   std::shared_ptr<QueryRegistry> registry);

  arrow::Status GetFlightInfo(const arrow::flight::ServerCallContext& context,
                              const arrow::flight::FlightDescriptor& request,
                              std::unique_ptr<arrow::flight::FlightInfo>* info) override;
  arrow::Status GetSchema(const arrow::flight::ServerCallContext& context,
                          const arrow::flight::FlightDescriptor& request,
                          std::unique_ptr<arrow::flight::SchemaResult>* schema) override;
  arrow::Status DoGet(const arrow::flight::ServerCallContext& context,
                      const arrow::flight::Ticket& request,
                      std::unique_ptr<arrow::flight::FlightDataStream>* stream) override;
  arrow::Status DoPut(
      const arrow::flight::ServerCallContext& context,
      std::unique_ptr<arrow::flight::FlightMessageReader> reader,
      std::unique_ptr<arrow::flight::FlightMetadataWriter> writer) override;
  arrow::Status DoAction(const arrow::flight::ServerCallContext& context,
                         const arrow::flight::Action& action,
                         std::unique_ptr<arrow::flight::ResultStream>* result) override;
  arrow::Status ListActions(const arrow::flight::ServerCallContext& context,
                            std::vector<arrow::flight::ActionType>* actions) override;

 private:
  // A statement between GetFlightInfo and DoGet, or a prepared statement.
  struct Statement {
    std::string owner;  // the client's name
    std::string sql;
    std::vector<Param> params;
    std::chrono::steady_clock::time_point created;
    // DDL and DML run at GetFlightInfo, as clients expect (many never fetch the
    // result); DoGet returns this summary.
    std::optional<ExecResult> executed;
  };

  // The schema `sql` produces with `params`: a query's columns, or for DDL and DML the
  // one-row summary DoGet returns.
  static arrow::Result<std::shared_ptr<arrow::Schema>> ResultSchema(
      Session* session, const std::string& sql, const std::vector<Param>& params);
  // Runs DDL and DML now (GetFlightInfo); nothing for queries.
  static arrow::Result<std::optional<ExecResult>> ExecuteIfUpdate(
      Session* session, const std::string& sql, const std::vector<Param>& params);
  // The calling client and its session.
  struct Caller {
    Client client;
    std::shared_ptr<Session> session;
  };
  arrow::Result<Caller> CallerOf(const arrow::flight::ServerCallContext& context);
  arrow::Result<std::unique_ptr<arrow::flight::FlightInfo>> MakeInfo(
      const std::shared_ptr<arrow::Schema>& schema,
      const arrow::flight::FlightDescriptor& descriptor, const std::string& ticket);
  // Runs `sql` and returns its stream, listed in the registry.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Run(
      const arrow::flight::ServerCallContext& context, const Caller& caller,
      const Statement& statement);
  // The caller's prepared statement; KeyError for an unknown handle or another's.
  arrow::Result<Statement> FindPrepared(const std::string& handle, const Caller& caller);
  std::string NewHandle();
  // Forgets statements fetched by nobody for an hour.
  void ExpireLocked();

  std::shared_ptr<Clients> clients_;
  std::shared_ptr<QueryRegistry> registry_;
  std::mutex mutex_;
  std::map<std::string, Statement> pending_;   // by TicketStatementQuery handle
  std::map<std::string, Statement> prepared_;  // by prepared statement handle
  uint64_t next_handle_ = 0;
};

// A middleware factory that identifies every call's client by its `authorization:
// Bearer <token>` header (Unauthenticated if the server takes tokens and it has none or
// a wrong one).
std::shared_ptr<arrow::flight::ServerMiddlewareFactory> MakeClientAuth(
    std::shared_ptr<Clients> clients);

}  // namespace sluice::server
