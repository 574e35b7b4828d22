#include "spark/spark_client.h"

#include <random>
#include <thread>

#include <arrow/table.h>
#include <grpcpp/grpcpp.h>

#include "spark/arrow_batch_decoder.h"
#include "spark/connect/base.grpc.pb.h"
#include "spark/spark_error.h"
#include "spark/spark_types.h"

namespace sluice::spark {

namespace {

namespace sc = ::spark::connect;

// Results come in ArrowBatch responses of a few MB; allow far larger ones.
constexpr int kMaxMessageBytes = 256 * 1024 * 1024;

std::shared_ptr<grpc::Channel> MakeChannel(const ConnectionString& connection) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetUserAgentPrefix(connection.user_agent);
  // Reconnect about as often as calls are retried, so a server that comes up is found
  // soon (gRPC's own default backs off to minutes).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  auto credentials = connection.use_ssl
                         ? grpc::SslCredentials(grpc::SslCredentialsOptions())
                         : grpc::InsecureChannelCredentials();
  return grpc::CreateCustomChannel(connection.Target(), credentials, args);
}

}  // namespace

std::string NewUuid() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t high = random();
  uint64_t low = random();
  high = (high & ~0xF000ULL) | 0x4000ULL;            // version 4
  low = (low & ~(0xC0ULL << 56)) | (0x80ULL << 56);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF),
                static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

SparkClient::SparkClient(ConnectionString connection, ClientOptions options)
    : connection_(std::move(connection)), options_(std::move(options)) {
  session_id_ = connection_.session_id.empty() ? NewUuid() : connection_.session_id;
  channel_ = MakeChannel(connection_);
  stub_ = sc::SparkConnectService::NewStub(channel_);
}

arrow::Result<std::shared_ptr<SparkClient>> SparkClient::Connect(
    ConnectionString connection, ClientOptions options) {
  std::shared_ptr<SparkClient> client(
      new SparkClient(std::move(connection), std::move(options)));
  // Fail now, not at the first query, if the server is not there (after the retries).
  auto probe = client->GetConf("spark.sql.session.timeZone");
  if (!probe.ok()) {
    return probe.status().WithMessage("cannot use the Spark Connect server at ",
                                      client->connection_.Target(), ": ",
                                      probe.status().message());
  }
  return client;
}

SparkClient::~SparkClient() {
  sc::ReleaseSessionRequest request;
  request.set_session_id(session_id_);
  FillUserContext(request.mutable_user_context());
  request.set_client_type(client_type());
  sc::ReleaseSessionResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  ARROW_UNUSED(stub_->ReleaseSession(&context, request, &response));
}

std::unique_ptr<grpc::ClientContext> SparkClient::NewContext(bool deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!connection_.token.empty()) {
    context->AddMetadata("authorization", "Bearer " + connection_.token);
  }
  for (const auto& [name, value] : connection_.headers) context->AddMetadata(name, value);
  if (deadline && options_.call_timeout.count() > 0) {
    context->set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
  }
  return context;
}

void SparkClient::FillUserContext(sc::UserContext* user) const {
  user->set_user_id(connection_.user_id.empty() ? "sluice" : connection_.user_id);
  user->set_user_name(user->user_id());
}

std::string SparkClient::client_type() const { return connection_.user_agent + "/c++"; }

arrow::Status SparkClient::ObserveServerSession(
    const std::string& server_side_session_id) {
  if (server_side_session_id.empty()) return arrow::Status::OK();
  std::lock_guard<std::mutex> lock(mutex_);
  if (server_session_.empty()) {
    server_session_ = server_side_session_id;
  } else if (server_session_ != server_side_session_id) {
    return arrow::Status::IOError(
        "the Spark Connect server's session changed (the server restarted?): its state "
        "and this session's temporary views are gone; reconnect");
  }
  return arrow::Status::OK();
}

std::string SparkClient::observed_server_session() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return server_session_;
}

grpc::Status SparkClient::WithRetries(const std::function<grpc::Status()>& call) const {
  auto backoff = options_.initial_backoff;
  for (int attempt = 0;; ++attempt) {
    grpc::Status status = call();
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE ||
        attempt >= options_.max_retries) {
      return status;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

arrow::Status SparkClient::ToStatus(const grpc::Status& status, const std::string& what) {
  SparkErrorInfo info = ParseGrpcError(status);
  if (!info.error_id.empty()) {
    sc::FetchErrorDetailsRequest request;
    FillHeader(&request);
    request.set_error_id(info.error_id);
    sc::FetchErrorDetailsResponse details;
    auto context = NewContext(/*deadline=*/true);
    if (stub_->FetchErrorDetails(context.get(), request, &details).ok()) {
      MergeErrorDetails(details, &info);
    }
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    info.message += " (Spark Connect server at " + connection_.Target() + ")";
  }
  return MakeSparkStatus(status, info, what);
}

arrow::Result<std::shared_ptr<arrow::Schema>> SparkClient::Schema(
    const sc::Relation& relation) {
  sc::AnalyzePlanRequest request;
  FillHeader(&request);
  *request.mutable_schema()->mutable_plan()->mutable_root() = relation;
  sc::AnalyzePlanResponse response;
  grpc::Status status = WithRetries([&] {
    auto context = NewContext(/*deadline=*/true);
    return stub_->AnalyzePlan(context.get(), request, &response);
  });
  if (!status.ok()) return ToStatus(status, "analyzing the query");
  ARROW_ASSIGN_OR_RAISE(auto timezone, GetConf("spark.sql.session.timeZone"));
  return ToArrowSchema(response.schema().schema(), timezone);
}

arrow::Result<std::string> SparkClient::Explain(const sc::Relation& relation) {
  sc::AnalyzePlanRequest request;
  FillHeader(&request);
  auto* explain = request.mutable_explain();
  *explain->mutable_plan()->mutable_root() = relation;
  explain->set_explain_mode(sc::AnalyzePlanRequest::Explain::EXPLAIN_MODE_EXTENDED);
  sc::AnalyzePlanResponse response;
  grpc::Status status = WithRetries([&] {
    auto context = NewContext(/*deadline=*/true);
    return stub_->AnalyzePlan(context.get(), request, &response);
  });
  if (!status.ok()) return ToStatus(status, "explaining the query");
  return response.explain().explain_string();
}

arrow::Result<CommandResult> SparkClient::Run(const sc::Command& command) {
  sc::ExecutePlanRequest request;
  FillHeader(&request);
  request.set_operation_id(NewUuid());
  *request.mutable_plan()->mutable_command() = command;
  CommandResult result;
  std::shared_ptr<arrow::Schema> schema;
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  arrow::Status handled;
  grpc::Status status = WithRetries([&] {
    batches.clear();
    auto context = NewContext(/*deadline=*/false);
    auto reader = stub_->ExecutePlan(context.get(), request);
    sc::ExecutePlanResponse response;
    while (handled.ok() && reader->Read(&response)) {
      handled = ObserveServerSession(response.server_side_session_id());
      if (response.has_sql_command_result()) {
        result.relation =
            std::make_shared<sc::Relation>(response.sql_command_result().relation());
      } else if (response.has_write_stream_operation_start_result()) {
        result.write_stream = std::make_shared<sc::WriteStreamOperationStartResult>(
            response.write_stream_operation_start_result());
      } else if (response.has_streaming_query_command_result()) {
        result.streaming_query = std::make_shared<sc::StreamingQueryCommandResult>(
            response.streaming_query_command_result());
      } else if (response.has_arrow_batch() && handled.ok()) {
        std::unique_ptr<std::string> data(response.mutable_arrow_batch()->release_data());
        auto decoded = DecodeArrowBatch(std::move(data));
        handled = decoded.status();
        if (!decoded.ok()) break;
        schema = decoded->schema;
        for (auto& batch : decoded->batches) batches.push_back(std::move(batch));
      }
    }
    if (!handled.ok()) context->TryCancel();
    return reader->Finish();
  });
  ARROW_RETURN_NOT_OK(handled);
  if (!status.ok()) return ToStatus(status, "running the statement");
  if (schema) {
    ARROW_ASSIGN_OR_RAISE(result.rows, arrow::Table::FromRecordBatches(schema, batches));
  }
  return result;
}

arrow::Result<sc::ConfigResponse> SparkClient::Config(sc::ConfigRequest request,
                                                      const std::string& what) {
  FillHeader(&request);
  sc::ConfigResponse response;
  grpc::Status status = WithRetries([&] {
    auto context = NewContext(/*deadline=*/true);
    return stub_->Config(context.get(), request, &response);
  });
  if (!status.ok()) return ToStatus(status, what);
  ARROW_RETURN_NOT_OK(ObserveServerSession(response.server_side_session_id()));
  return response;
}

arrow::Status SparkClient::SetConf(const std::string& key, const std::string& value) {
  sc::ConfigRequest request;
  auto* pair = request.mutable_operation()->mutable_set()->add_pairs();
  pair->set_key(key);
  pair->set_value(value);
  return Config(std::move(request), "setting " + key).status();
}

arrow::Result<std::string> SparkClient::GetConf(const std::string& key) {
  sc::ConfigRequest request;
  request.mutable_operation()->mutable_get()->add_keys(key);
  ARROW_ASSIGN_OR_RAISE(auto response,
                        Config(std::move(request), "reading setting " + key));
  if (response.pairs_size() != 1 || !response.pairs(0).has_value()) {
    return arrow::Status::KeyError("Spark has no value for setting ", key);
  }
  return response.pairs(0).value();
}

arrow::Status SparkClient::Interrupt(const std::string& operation_id) {
  sc::InterruptRequest request;
  FillHeader(&request);
  request.set_interrupt_type(sc::InterruptRequest::INTERRUPT_TYPE_OPERATION_ID);
  request.set_operation_id(operation_id);
  sc::InterruptResponse response;
  auto context = NewContext(/*deadline=*/true);
  grpc::Status status = stub_->Interrupt(context.get(), request, &response);
  if (!status.ok()) return ToStatus(status, "interrupting operation " + operation_id);
  return arrow::Status::OK();
}

}  // namespace sluice::spark
