#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "spark/connection_string.h"

#include "spark/connect/base.grpc.pb.h"

namespace sluice::spark {

// What a command sent to Spark returned.
struct CommandResult {
  // For a SQL command that is a query: the relation Spark made of it (run it to get
  // rows).
  std::shared_ptr<::spark::connect::Relation> relation;
  // Rows of an eager command's own result (SHOW TABLES, DESCRIBE, INSERT's row count...).
  std::shared_ptr<arrow::Table> rows;
  // A started streaming query (WriteStreamOperationStart).
  std::shared_ptr<::spark::connect::WriteStreamOperationStartResult> write_stream;
  // The answer to a StreamingQueryCommand.
  std::shared_ptr<::spark::connect::StreamingQueryCommandResult> streaming_query;
};

// One Spark Connect session: a gRPC channel to the server, the session id every request
// carries, and the calls Sluice makes. Thread-safe; shared by every DataFrame and stream
// of the session. Unary calls are retried with backoff while the server is UNAVAILABLE.
class SparkClient : public std::enable_shared_from_this<SparkClient> {
 public:
  static arrow::Result<std::shared_ptr<SparkClient>> Connect(ConnectionString connection,
                                                             ClientOptions options = {});
  // Releases the server session (best effort) and closes the channel.
  ~SparkClient();

  const std::string& session_id() const { return session_id_; }
  const ConnectionString& connection() const { return connection_; }
  const ClientOptions& options() const { return options_; }

  // The Arrow schema of a relation, from Spark's analysis (AnalyzePlan).
  arrow::Result<std::shared_ptr<arrow::Schema>> Schema(
      const ::spark::connect::Relation& relation);
  // Spark's explanation of a relation's plan (extended: parsed to physical).
  arrow::Result<std::string> Explain(const ::spark::connect::Relation& relation);
  // Runs a command to the end (DDL, DML, SQL commands, view creation).
  arrow::Result<CommandResult> Run(const ::spark::connect::Command& command);

  // Session configuration (the Config RPC).
  arrow::Status SetConf(const std::string& key, const std::string& value);
  arrow::Result<std::string> GetConf(const std::string& key);

  // Asks the server to stop operation `operation_id`. Returns once the server has
  // answered; an operation that already ended is not an error.
  arrow::Status Interrupt(const std::string& operation_id);

  // Detail for requests: a context carrying the session's headers and, if `deadline`,
  // the unary call deadline.
  std::unique_ptr<grpc::ClientContext> NewContext(bool deadline) const;
  void FillUserContext(::spark::connect::UserContext* user) const;
  std::string client_type() const;
  // Fills the fields every Spark Connect request starts with.
  template <typename Request>
  void FillHeader(Request* request) const {
    request->set_session_id(session_id_);
    FillUserContext(request->mutable_user_context());
    request->set_client_type(client_type());
    const std::string observed = observed_server_session();
    if (!observed.empty()) request->set_client_observed_server_side_session_id(observed);
  }
  // Remembers the server-side session id a response carried; fails if it changed (the
  // server restarted and the session's state is gone).
  arrow::Status ObserveServerSession(const std::string& server_side_session_id);
  // The server-side session id seen so far, or empty.
  std::string observed_server_session() const;
  // Turns a failed call into a Status carrying Spark's error class, SQL state and full
  // message (fetched with FetchErrorDetails when the server has them).
  arrow::Status ToStatus(const grpc::Status& status, const std::string& what);
  // Runs `call` until it returns something other than UNAVAILABLE, backing off between
  // tries, up to options().max_retries.
  grpc::Status WithRetries(const std::function<grpc::Status()>& call) const;

  ::spark::connect::SparkConnectService::Stub* stub() const { return stub_.get(); }

 private:
  SparkClient(ConnectionString connection, ClientOptions options);
  arrow::Result<::spark::connect::ConfigResponse> Config(
      ::spark::connect::ConfigRequest request, const std::string& what);

  ConnectionString connection_;
  ClientOptions options_;
  std::string session_id_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<::spark::connect::SparkConnectService::Stub> stub_;
  mutable std::mutex mutex_;
  std::string server_session_;  // guarded by mutex_
};

// A random version 4 UUID, as Spark wants for session and operation ids.
std::string NewUuid();

}  // namespace sluice::spark
