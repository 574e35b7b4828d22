#include "server/flight_sql_service.h"

#include <random>

#include <arrow/api.h>
#include <arrow/flight/server_middleware.h>
#include <arrow/ipc/writer.h>
#include <arrow/util/byte_size.h>

#include "server/flight_sql_messages.h"
#include "server/flight_sql_metadata.h"
#include "server/token_check.h"

namespace sluice::server {

namespace fl = arrow::flight;

namespace {

constexpr auto kUnfetchedLifetime = std::chrono::hours(1);

std::shared_ptr<arrow::Schema> ExecSchema() {
  return arrow::schema({arrow::field("message", arrow::utf8(), false),
                        arrow::field("rows_affected", arrow::int64(), false),
                        arrow::field("version", arrow::int64(), false)});
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> ExecResultReader(
    const ExecResult& result) {
  arrow::StringBuilder message;
  arrow::Int64Builder rows, version;
  ARROW_RETURN_NOT_OK(message.Append(result.message));
  ARROW_RETURN_NOT_OK(rows.Append(result.rows_affected));
  ARROW_RETURN_NOT_OK(version.Append(result.version));
  arrow::ArrayVector columns(3);
  ARROW_RETURN_NOT_OK(message.Finish(&columns[0]));
  ARROW_RETURN_NOT_OK(rows.Finish(&columns[1]));
  ARROW_RETURN_NOT_OK(version.Finish(&columns[2]));
  auto batch = arrow::RecordBatch::Make(ExecSchema(), 1, columns);
  return arrow::RecordBatchReader::Make({batch}, ExecSchema());
}

// The rows of a DoPut's stream of parameter batches, at most `max_bytes` of them.
arrow::Result<std::vector<std::vector<Param>>> ReadParams(fl::FlightMessageReader* reader,
                                                          int64_t max_bytes) {
  std::vector<std::vector<Param>> rows;
  int64_t bytes = 0;
  while (true) {
    ARROW_ASSIGN_OR_RAISE(auto chunk, reader->Next());
    if (!chunk.data) break;
    const auto& batch = *chunk.data;
    bytes += arrow::util::TotalBufferSize(batch);
    if (max_bytes > 0 && bytes > max_bytes) {
      return arrow::Status::Invalid("the parameters sent exceed the server's limit of ",
                                    max_bytes, " bytes (--max-request-bytes)");
    }
    for (int64_t row = 0; row < batch.num_rows(); ++row) {
      std::vector<Param> params;
      for (int column = 0; column < batch.num_columns(); ++column) {
        ARROW_ASSIGN_OR_RAISE(auto scalar, batch.column(column)->GetScalar(row));
        params.emplace_back(std::move(scalar));
      }
      rows.push_back(std::move(params));
    }
  }
  return rows;
}

arrow::Result<Command> CommandOf(const fl::FlightDescriptor& descriptor) {
  if (descriptor.type != fl::FlightDescriptor::CMD) {
    return arrow::Status::Invalid("sluiced takes Flight SQL commands, not paths");
  }
  return ParseCommand(descriptor.cmd);
}

class SingleResultStream : public fl::ResultStream {
 public:
  explicit SingleResultStream(std::string body) : body_(std::move(body)) {}
  arrow::Result<std::unique_ptr<fl::Result>> Next() override {
    if (done_) return nullptr;
    done_ = true;
    auto result = std::make_unique<fl::Result>();
    result->body = arrow::Buffer::FromString(std::move(body_));
    return result;
  }

 private:
  std::string body_;
  bool done_ = false;
};

class ClientMiddleware : public fl::ServerMiddleware {
 public:
  explicit ClientMiddleware(Client client) : client_(std::move(client)) {}
  void SendingHeaders(fl::AddCallHeaders*) override {}
  void CallCompleted(const arrow::Status&) override {}
  std::string name() const override { return "ClientMiddleware"; }
  const Client& client() const { return client_; }

 private:
  Client client_;
};

class ClientAuthFactory : public fl::ServerMiddlewareFactory {
 public:
  explicit ClientAuthFactory(std::shared_ptr<Clients> clients)
      : clients_(std::move(clients)) {}
  arrow::Status StartCall(const fl::CallInfo&, const fl::ServerCallContext& context,
                          std::shared_ptr<fl::ServerMiddleware>* middleware) override {
    const auto& headers = context.incoming_headers();
    auto it = headers.find("authorization");
    auto client = clients_->Authenticate(
        it == headers.end() ? std::string_view() : std::string_view(it->second));
    if (!client.ok()) {
      return fl::MakeFlightError(
          fl::FlightStatusCode::Unauthenticated,
          client.status().message() +
              (it == headers.end() ? " (authorization header)" : ""));
    }
    *middleware = std::make_shared<ClientMiddleware>(std::move(*client));
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<Clients> clients_;
};

}  // namespace

std::shared_ptr<fl::ServerMiddlewareFactory> MakeClientAuth(
    std::shared_ptr<Clients> clients) {
  return std::make_shared<ClientAuthFactory>(std::move(clients));
}

FlightSqlService::FlightSqlService(std::shared_ptr<Clients> clients,
                                   std::shared_ptr<QueryRegistry> registry)
    : clients_(std::move(clients)), registry_(std::move(registry)) {}

arrow::Result<FlightSqlService::Caller> FlightSqlService::CallerOf(
    const fl::ServerCallContext& context) {
  const auto* middleware =
      dynamic_cast<const ClientMiddleware*>(context.GetMiddleware("auth"));
  if (middleware == nullptr) {
    return arrow::Status::UnknownError("sluiced: the client middleware is not installed");
  }
  ARROW_ASSIGN_OR_RAISE(auto session, clients_->SessionOf(middleware->client()));
  return Caller{middleware->client(), std::move(session)};
}

arrow::Result<FlightSqlService::Statement> FlightSqlService::FindPrepared(
    const std::string& handle, const Caller& caller) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = prepared_.find(handle);
  if (it == prepared_.end() || it->second.owner != caller.client.name) {
    return arrow::Status::KeyError("no prepared statement with that handle (closed?)");
  }
  return it->second;
}

std::string FlightSqlService::NewHandle() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  std::lock_guard<std::mutex> lock(mutex_);
  return std::to_string(++next_handle_) + "-" + std::to_string(random());
}

void FlightSqlService::ExpireLocked() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = now - it->second.created > kUnfetchedLifetime ? pending_.erase(it)
                                                       : std::next(it);
  }
}

arrow::Result<std::shared_ptr<arrow::Schema>> FlightSqlService::ResultSchema(
    Session* session, const std::string& sql, const std::vector<Param>& params) {
  if (!session->ReadsOnly(sql)) return ExecSchema();
  ARROW_ASSIGN_OR_RAISE(auto frame, session->Sql(sql, params));
  return frame.ResultSchema();
}

arrow::Result<std::optional<ExecResult>> FlightSqlService::ExecuteIfUpdate(
    Session* session, const std::string& sql, const std::vector<Param>& params) {
  if (session->ReadsOnly(sql)) return std::nullopt;
  ARROW_ASSIGN_OR_RAISE(auto result, session->Exec(sql, params));
  return result;
}

arrow::Result<std::unique_ptr<fl::FlightInfo>> FlightSqlService::MakeInfo(
    const std::shared_ptr<arrow::Schema>& schema, const fl::FlightDescriptor& descriptor,
    const std::string& ticket) {
  fl::FlightEndpoint endpoint;
  endpoint.ticket.ticket = ticket;
  ARROW_ASSIGN_OR_RAISE(auto info, fl::FlightInfo::Make(*schema, descriptor, {endpoint},
                                                        -1, -1, /*ordered=*/true));
  return std::make_unique<fl::FlightInfo>(std::move(info));
}

arrow::Status FlightSqlService::GetFlightInfo(const fl::ServerCallContext& context,
                                              const fl::FlightDescriptor& request,
                                              std::unique_ptr<fl::FlightInfo>* info) {
  ARROW_ASSIGN_OR_RAISE(auto command, CommandOf(request));
  ARROW_ASSIGN_OR_RAISE(auto caller, CallerOf(context));
  Session* session = caller.session.get();
  if (const auto* query = std::get_if<CommandStatementQuery>(&command)) {
    ARROW_ASSIGN_OR_RAISE(auto schema, ResultSchema(session, query->query, {}));
    ARROW_ASSIGN_OR_RAISE(auto executed, ExecuteIfUpdate(session, query->query, {}));
    const std::string handle = NewHandle();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ExpireLocked();
      pending_[handle] = Statement{caller.client.name,
                                   query->query,
                                   {},
                                   std::chrono::steady_clock::now(),
                                   std::move(executed)};
    }
    ARROW_ASSIGN_OR_RAISE(
        *info, MakeInfo(schema, request, PackCommand(TicketStatementQuery{handle})));
    return arrow::Status::OK();
  }
  if (const auto* prepared = std::get_if<CommandPreparedStatementQuery>(&command)) {
    ARROW_ASSIGN_OR_RAISE(auto statement, FindPrepared(prepared->handle, caller));
    ARROW_ASSIGN_OR_RAISE(auto schema,
                          ResultSchema(session, statement.sql, statement.params));
    ARROW_ASSIGN_OR_RAISE(auto executed,
                          ExecuteIfUpdate(session, statement.sql, statement.params));
    if (executed) {
      // Its summary is fetched once, like a statement query's.
      const std::string handle = NewHandle();
      std::lock_guard<std::mutex> lock(mutex_);
      pending_[handle] = Statement{caller.client.name, statement.sql, statement.params,
                                   std::chrono::steady_clock::now(), std::move(executed)};
      ARROW_ASSIGN_OR_RAISE(
          *info, MakeInfo(schema, request, PackCommand(TicketStatementQuery{handle})));
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(*info, MakeInfo(schema, request, PackCommand(command)));
    return arrow::Status::OK();
  }
  if (std::holds_alternative<CommandStatementUpdate>(command) ||
      std::holds_alternative<CommandPreparedStatementUpdate>(command) ||
      std::holds_alternative<TicketStatementQuery>(command)) {
    return arrow::Status::Invalid("this Flight SQL command is sent with DoPut or DoGet");
  }
  ARROW_ASSIGN_OR_RAISE(*info,
                        MakeInfo(MetadataSchema(command), request, PackCommand(command)));
  return arrow::Status::OK();
}

arrow::Status FlightSqlService::GetSchema(const fl::ServerCallContext& context,
                                          const fl::FlightDescriptor& request,
                                          std::unique_ptr<fl::SchemaResult>* schema) {
  ARROW_ASSIGN_OR_RAISE(auto command, CommandOf(request));
  ARROW_ASSIGN_OR_RAISE(auto caller, CallerOf(context));
  std::shared_ptr<arrow::Schema> result;
  if (const auto* query = std::get_if<CommandStatementQuery>(&command)) {
    ARROW_ASSIGN_OR_RAISE(result, ResultSchema(caller.session.get(), query->query, {}));
  } else if (const auto* prepared =
                 std::get_if<CommandPreparedStatementQuery>(&command)) {
    ARROW_ASSIGN_OR_RAISE(auto statement, FindPrepared(prepared->handle, caller));
    ARROW_ASSIGN_OR_RAISE(
        result, ResultSchema(caller.session.get(), statement.sql, statement.params));
  } else {
    result = MetadataSchema(command);
  }
  ARROW_ASSIGN_OR_RAISE(*schema, fl::SchemaResult::Make(*result));
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> FlightSqlService::Run(
    const fl::ServerCallContext& context, const Caller& caller,
    const Statement& statement) {
  if (statement.executed) return ExecResultReader(*statement.executed);
  ARROW_ASSIGN_OR_RAISE(auto executed, ExecuteIfUpdate(caller.session.get(),
                                                       statement.sql, statement.params));
  if (executed) return ExecResultReader(*executed);
  auto stop = std::make_shared<arrow::StopSource>();
  ARROW_ASSIGN_OR_RAISE(auto frame, caller.session->Sql(statement.sql, statement.params));
  ExecOptions options;
  options.stop_token = stop->token();
  options.memory_limit_bytes = registry_->limits().query_memory_bytes;
  ARROW_ASSIGN_OR_RAISE(auto reader, frame.Stream(options));
  // The call context outlives the stream DoGet returns, which ends the tracking.
  const fl::ServerCallContext* call = &context;
  auto tracked = registry_->Track(std::move(reader), std::move(stop), statement.sql,
                                  "flight", context.peer(), caller.client.name,
                                  [call] { return call->is_cancelled(); });
  if (!tracked.ok() && tracked.status().IsCapacityError()) {
    return fl::MakeFlightError(fl::FlightStatusCode::Unavailable,
                               tracked.status().message());
  }
  return tracked;
}

arrow::Status FlightSqlService::DoGet(const fl::ServerCallContext& context,
                                      const fl::Ticket& request,
                                      std::unique_ptr<fl::FlightDataStream>* stream) {
  ARROW_ASSIGN_OR_RAISE(auto command, ParseCommand(request.ticket));
  ARROW_ASSIGN_OR_RAISE(auto caller, CallerOf(context));
  std::shared_ptr<arrow::RecordBatchReader> reader;
  if (const auto* ticket = std::get_if<TicketStatementQuery>(&command)) {
    Statement statement;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = pending_.find(ticket->handle);
      if (it == pending_.end() || it->second.owner != caller.client.name) {
        return arrow::Status::KeyError(
            "unknown or already fetched statement ticket (tickets are good for one "
            "DoGet)");
      }
      statement = std::move(it->second);
      pending_.erase(it);
    }
    ARROW_ASSIGN_OR_RAISE(reader, Run(context, caller, statement));
  } else if (const auto* prepared =
                 std::get_if<CommandPreparedStatementQuery>(&command)) {
    ARROW_ASSIGN_OR_RAISE(auto statement, FindPrepared(prepared->handle, caller));
    ARROW_ASSIGN_OR_RAISE(reader, Run(context, caller, statement));
  } else {
    std::shared_ptr<arrow::Table> table;
    if (std::holds_alternative<CommandGetCatalogs>(command)) {
      ARROW_ASSIGN_OR_RAISE(table, CatalogsTable());
    } else if (const auto* schemas = std::get_if<CommandGetDbSchemas>(&command)) {
      ARROW_ASSIGN_OR_RAISE(table, DbSchemasTable(*schemas));
    } else if (const auto* tables = std::get_if<CommandGetTables>(&command)) {
      ARROW_ASSIGN_OR_RAISE(table, TablesTable(caller.session.get(), *tables));
    } else if (std::holds_alternative<CommandGetTableTypes>(command)) {
      ARROW_ASSIGN_OR_RAISE(table, TableTypesTable());
    } else if (const auto* info = std::get_if<CommandGetSqlInfo>(&command)) {
      ARROW_ASSIGN_OR_RAISE(table, SqlInfoTable(*info));
    } else {
      return arrow::Status::Invalid("this Flight SQL command is not a ticket");
    }
    reader = std::make_shared<arrow::TableBatchReader>(table);
  }
  *stream = std::make_unique<fl::RecordBatchStream>(reader);
  return arrow::Status::OK();
}

arrow::Status FlightSqlService::DoPut(const fl::ServerCallContext& context,
                                      std::unique_ptr<fl::FlightMessageReader> reader,
                                      std::unique_ptr<fl::FlightMetadataWriter> writer) {
  ARROW_ASSIGN_OR_RAISE(auto command, CommandOf(reader->descriptor()));
  ARROW_ASSIGN_OR_RAISE(auto caller, CallerOf(context));
  if (const auto* update = std::get_if<CommandStatementUpdate>(&command)) {
    if (caller.session->ReadsOnly(update->query)) {
      return arrow::Status::Invalid(
          "a query is not an update: run it with GetFlightInfo");
    }
    ARROW_ASSIGN_OR_RAISE(auto result, caller.session->Exec(update->query));
    return writer->WriteMetadata(
        *arrow::Buffer::FromString(EncodeDoPutUpdateResult(result.rows_affected)));
  }
  if (const auto* prepared = std::get_if<CommandPreparedStatementQuery>(&command)) {
    ARROW_ASSIGN_OR_RAISE(
        auto rows, ReadParams(reader.get(), registry_->limits().max_request_bytes));
    if (rows.size() > 1) {
      return arrow::Status::NotImplemented(
          "a prepared query takes one row of parameters, got ", rows.size());
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = prepared_.find(prepared->handle);
      if (it == prepared_.end() || it->second.owner != caller.client.name)
        return arrow::Status::KeyError("no such prepared statement");
      it->second.params = rows.empty() ? std::vector<Param>{} : std::move(rows[0]);
    }
    return writer->WriteMetadata(
        *arrow::Buffer::FromString(EncodeDoPutPreparedStatementResult(prepared->handle)));
  }
  if (const auto* prepared = std::get_if<CommandPreparedStatementUpdate>(&command)) {
    std::string sql;
    std::vector<Param> bound;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = prepared_.find(prepared->handle);
      if (it == prepared_.end() || it->second.owner != caller.client.name)
        return arrow::Status::KeyError("no such prepared statement");
      sql = it->second.sql;
      bound = it->second.params;
    }
    ARROW_ASSIGN_OR_RAISE(
        auto rows, ReadParams(reader.get(), registry_->limits().max_request_bytes));
    if (rows.empty()) rows.push_back(std::move(bound));
    int64_t affected = 0;
    for (auto& params : rows) {
      ARROW_ASSIGN_OR_RAISE(auto result, caller.session->Exec(sql, std::move(params)));
      affected += result.rows_affected;
    }
    return writer->WriteMetadata(
        *arrow::Buffer::FromString(EncodeDoPutUpdateResult(affected)));
  }
  return arrow::Status::Invalid("this Flight SQL command is not sent with DoPut");
}

arrow::Status FlightSqlService::DoAction(const fl::ServerCallContext& context,
                                         const fl::Action& action,
                                         std::unique_ptr<fl::ResultStream>* result) {
  ARROW_ASSIGN_OR_RAISE(auto caller, CallerOf(context));
  const std::string_view body =
      action.body ? std::string_view(*action.body) : std::string_view();
  if (action.type == "CreatePreparedStatement") {
    ARROW_ASSIGN_OR_RAISE(auto request, ParseCreatePreparedStatement(body));
    ActionCreatePreparedStatementResult created;
    // The result's columns are known now unless they depend on parameters.
    auto schema = ResultSchema(caller.session.get(), request.query, {});
    if (schema.ok()) {
      ARROW_ASSIGN_OR_RAISE(auto serialized, arrow::ipc::SerializeSchema(**schema));
      created.dataset_schema = serialized->ToString();
    } else if (schema.status().message().find("parameter") == std::string::npos) {
      return schema.status();  // a real error in the SQL
    }
    created.handle = NewHandle();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      prepared_[created.handle] = Statement{caller.client.name,
                                            request.query,
                                            {},
                                            std::chrono::steady_clock::now(),
                                            std::nullopt};
    }
    *result =
        std::make_unique<SingleResultStream>(PackCreatePreparedStatementResult(created));
    return arrow::Status::OK();
  }
  if (action.type == "ClosePreparedStatement") {
    ARROW_ASSIGN_OR_RAISE(auto request, ParseClosePreparedStatement(body));
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = prepared_.find(request.handle);
    if (it != prepared_.end() && it->second.owner == caller.client.name)
      prepared_.erase(it);
    *result = std::make_unique<SingleResultStream>("");
    return arrow::Status::OK();
  }
  if (action.type == fl::ActionType::kCancelFlightInfo.type) {
    ARROW_ASSIGN_OR_RAISE(auto request, fl::CancelFlightInfoRequest::Deserialize(body));
    fl::CancelStatus status = fl::CancelStatus::kNotCancellable;
    if (request.info && !request.info->endpoints().empty()) {
      auto ticket = ParseCommand(request.info->endpoints()[0].ticket.ticket);
      if (ticket.ok()) {
        if (const auto* handle = std::get_if<TicketStatementQuery>(&*ticket)) {
          std::lock_guard<std::mutex> lock(mutex_);
          // Not fetched yet: it never runs. Already streaming: its DoGet ends when the
          // client, which asked for the cancel, drops the stream.
          auto it = pending_.find(handle->handle);
          if (it != pending_.end() && it->second.owner == caller.client.name) {
            pending_.erase(it);
            status = fl::CancelStatus::kCancelled;
          }
        }
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto serialized,
                          fl::CancelFlightInfoResult(status).SerializeToString());
    *result = std::make_unique<SingleResultStream>(std::move(serialized));
    return arrow::Status::OK();
  }
  return arrow::Status::NotImplemented("action ", action.type,
                                       " is not supported by sluiced");
}

arrow::Status FlightSqlService::ListActions(const fl::ServerCallContext&,
                                            std::vector<fl::ActionType>* actions) {
  *actions = {
      {"CreatePreparedStatement", "Prepare a SQL statement; parameters bind with DoPut"},
      {"ClosePreparedStatement", "Release a prepared statement"},
      fl::ActionType::kCancelFlightInfo,
  };
  return arrow::Status::OK();
}

}  // namespace sluice::server
