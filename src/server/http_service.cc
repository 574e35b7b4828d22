#include "server/http_service.h"

#include <httplib.h>

#include <optional>

#include <arrow/api.h>
#include <arrow/io/interfaces.h>
#include <arrow/ipc/writer.h>
#include <nlohmann/json.hpp>

#include "output/batch_writer.h"
#include "sluice/session.h"

namespace sluice::server {

using Json = nlohmann::json;

namespace {

constexpr const char* kArrowStream = "application/vnd.apache.arrow.stream";
constexpr const char* kNdjson = "application/x-ndjson";
constexpr size_t kSlice = 256 * 1024;  // bytes per HTTP chunk

// Collects what an IPC writer writes, to be sent as the next chunk.
class ChunkOutputStream : public arrow::io::OutputStream {
 public:
  arrow::Status Write(const void* data, int64_t nbytes) override {
    pending_.append(static_cast<const char*>(data), static_cast<size_t>(nbytes));
    position_ += nbytes;
    return arrow::Status::OK();
  }
  arrow::Status Close() override {
    closed_ = true;
    return arrow::Status::OK();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return position_; }
  // The bytes written since the last call; valid until the next write. The buffer is
  // reused, so large batches do not cost fresh pages each time.
  std::string_view Take() {
    pending_.swap(sent_);
    pending_.clear();
    return sent_;
  }

 private:
  std::string pending_, sent_;
  int64_t position_ = 0;
  bool closed_ = false;
};

void SendJson(httplib::Response& response, int status, const Json& body) {
  response.status = status;
  response.set_content(body.dump() + "\n", "application/json");
}

void SendError(httplib::Response& response, int status, const arrow::Status& error) {
  SendJson(response, status,
           {{"error", error.message()}, {"code", error.CodeAsString()}});
}

// One query's stream being written out as the response body.
struct Streaming {
  std::shared_ptr<arrow::RecordBatchReader> reader;
  std::shared_ptr<ChunkOutputStream> chunks;
  std::shared_ptr<arrow::ipc::RecordBatchWriter> ipc;  // for Arrow responses
  bool done = false;
};

// A request from a web page of another origin carries `Origin` (and, in current browsers,
// `Sec-Fetch-Site`); command-line clients send neither.
bool SameOriginOrAllowed(const httplib::Request& request,
                         const std::vector<std::string>& allowed) {
  if (request.get_header_value("Sec-Fetch-Site") == "cross-site" &&
      !request.has_header("Origin")) {
    return false;
  }
  if (!request.has_header("Origin")) return true;
  const std::string origin = request.get_header_value("Origin");
  for (const auto& ok : allowed) {
    if (origin == ok) return true;
  }
  return false;
}

}  // namespace

HttpService::HttpService(std::shared_ptr<Clients> clients,
                         std::shared_ptr<QueryRegistry> registry, HttpOptions options)
    : clients_(std::move(clients)),
      registry_(std::move(registry)),
      options_(std::move(options)),
      server_(options_.tls_cert_path.empty()
                  ? std::make_unique<httplib::Server>()
                  : std::make_unique<httplib::SSLServer>(options_.tls_cert_path.c_str(),
                                                         options_.tls_key_path.c_str())) {
  server_->new_task_queue = [threads = options_.threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  server_->set_payload_max_length(options_.max_request_bytes);
  // The request's client, or nullopt after answering 403 or 401.
  auto authorized = [this](const httplib::Request& request,
                           httplib::Response& response) -> std::optional<Client> {
    if (!SameOriginOrAllowed(request, options_.allowed_origins)) {
      SendJson(response, 403,
               {{"error", "cross-origin request refused (Origin '" +
                              request.get_header_value("Origin") +
                              "'; allow it with sluiced --allow-origin)"},
                {"code", "Forbidden"}});
      return std::nullopt;
    }
    auto client = clients_->Authenticate(request.get_header_value("Authorization"));
    if (client.ok()) return *client;
    response.set_header("WWW-Authenticate", "Bearer");
    SendJson(response, 401,
             {{"error", client.status().message()}, {"code", "Unauthenticated"}});
    return std::nullopt;
  };

  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
    SendJson(
        response, 200,
        {{"status", "ok"},
         {"running_queries", registry_->size()},
         {"arrow_bytes_allocated", arrow::default_memory_pool()->bytes_allocated()}});
  });

  server_->Get("/v1/queries", [this, authorized](const httplib::Request& request,
                                                 httplib::Response& response) {
    auto client = authorized(request, response);
    if (!client) return;
    Json queries = Json::array();
    for (const auto& info : registry_->List(*client)) {
      queries.push_back({{"id", info.id},
                         {"sql", info.sql},
                         {"protocol", info.protocol},
                         {"peer", info.peer},
                         {"owner", info.owner},
                         {"started_ms", info.started_ms},
                         {"rows", info.rows},
                         {"bytes", info.bytes}});
    }
    SendJson(response, 200, queries);
  });

  server_->Delete(
      R"(/v1/queries/(\d+))",
      [this, authorized](const httplib::Request& request, httplib::Response& response) {
        auto client = authorized(request, response);
        if (!client) return;
        const int64_t id = std::stoll(request.matches[1]);
        if (registry_->Cancel(id, *client)) {
          SendJson(response, 200, {{"cancelled", id}});
        } else {
          SendJson(response, 404,
                   {{"error", "no running query " + std::to_string(id)},
                    {"code", "Key error"}});
        }
      });

  auto query = [this, authorized](const httplib::Request& request,
                                  httplib::Response& response) {
    auto client = authorized(request, response);
    if (!client) return;
    auto session = clients_->SessionOf(*client);
    if (!session.ok()) {
      SendError(response, 500, session.status());
      return;
    }
    std::string sql;
    const bool json_body =
        request.method == "POST" &&
        request.get_header_value("Content-Type").rfind("application/json", 0) == 0;
    if (request.method == "GET") {
      sql = request.get_param_value("sql");
    } else if (json_body) {
      Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
      if (!body.is_object() || !body.contains("sql") || !body["sql"].is_string()) {
        SendError(response, 400,
                  arrow::Status::Invalid("expected a JSON body {\"sql\": \"...\"}"));
        return;
      }
      sql = body["sql"].get<std::string>();
    } else {
      sql = request.body;
    }
    if (sql.find_first_not_of(" \t\r\n;") == std::string::npos) {
      SendError(response, 400,
                arrow::Status::Invalid("no SQL given (sql parameter or body)"));
      return;
    }
    if (!(*session)->ReadsOnly(sql)) {
      if (!json_body) {
        SendError(response, 405,
                  arrow::Status::Invalid("DDL and DML run only from a POST with a JSON "
                                         "body {\"sql\": \"...\"}"));
        return;
      }
      auto result = (*session)->Exec(sql);
      if (!result.ok()) {
        SendError(response, 400, result.status());
        return;
      }
      SendJson(response, 200,
               {{"message", result->message},
                {"rows_affected", result->rows_affected},
                {"version", result->version}});
      return;
    }
    auto frame = (*session)->Sql(sql);
    if (!frame.ok()) {
      SendError(response, 400, frame.status());
      return;
    }
    auto stop = std::make_shared<arrow::StopSource>();
    ExecOptions options;
    options.stop_token = stop->token();
    options.memory_limit_bytes = registry_->limits().query_memory_bytes;
    auto reader = frame->Stream(options);
    if (!reader.ok()) {
      SendError(response, 400, reader.status());
      return;
    }
    const bool arrow_format =
        request.get_header_value("Accept").find(kArrowStream) != std::string::npos;
    auto tracked = registry_->Track(
        *reader, stop, sql, "http",
        request.remote_addr + ":" + std::to_string(request.remote_port), client->name);
    if (!tracked.ok()) {
      if (tracked.status().IsCapacityError()) response.set_header("Retry-After", "1");
      SendError(response, tracked.status().IsCapacityError() ? 429 : 500,
                tracked.status());
      return;
    }
    auto streaming = std::make_shared<Streaming>();
    streaming->reader = std::move(*tracked);
    if (arrow_format) {
      streaming->chunks = std::make_shared<ChunkOutputStream>();
      auto writer =
          arrow::ipc::MakeStreamWriter(streaming->chunks, streaming->reader->schema());
      if (!writer.ok()) {
        SendError(response, 500, writer.status());
        return;
      }
      streaming->ipc = *writer;
    }
    response.status = 200;
    response.set_chunked_content_provider(
        arrow_format ? kArrowStream : kNdjson,
        [streaming](size_t, httplib::DataSink& sink) {
          if (streaming->done) return false;
          std::shared_ptr<arrow::RecordBatch> batch;
          auto status = streaming->reader->ReadNext(&batch);
          std::string_view chunk;
          std::string text;
          if (!status.ok()) {
            (void)streaming->reader->Close();
            if (streaming->ipc) return false;  // aborts the response: no final chunk
            text = Json({{"error", status.message()}, {"code", status.CodeAsString()}})
                       .dump() +
                   "\n";
            chunk = text;
            streaming->done = true;
          } else if (!batch) {
            if (streaming->ipc) {  // the end-of-stream marker
              if (!streaming->ipc->Close().ok()) return false;
              chunk = streaming->chunks->Take();
            }
            streaming->done = true;
          } else if (streaming->ipc) {
            if (!streaming->ipc->WriteRecordBatch(*batch).ok()) return false;
            chunk = streaming->chunks->Take();
          } else {
            if (!output::AppendNdjson(*batch, &text).ok()) return false;
            chunk = text;
          }
          // A failed write means the client is gone: returning false ends the response
          // and the releaser below stops the query. Slices keep the library's copy of
          // each chunk small.
          for (size_t at = 0; at < chunk.size(); at += kSlice) {
            const size_t n = std::min(kSlice, chunk.size() - at);
            if (!sink.write(chunk.data() + at, n)) return false;
          }
          if (streaming->done) sink.done();
          return true;
        },
        [streaming](bool) { (void)streaming->reader->Close(); });
  };
  server_->Get("/v1/query", query);
  server_->Post("/v1/query", query);
}

HttpService::~HttpService() { Stop(); }

arrow::Status HttpService::Bind(const std::string& host, int port) {
  if (!server_->is_valid()) {
    return arrow::Status::IOError("cannot serve HTTPS: the certificate ",
                                  options_.tls_cert_path, " or key ",
                                  options_.tls_key_path, " cannot be loaded");
  }
  port_ = port == 0 ? server_->bind_to_any_port(host)
                    : (server_->bind_to_port(host, port) ? port : -1);
  if (port_ < 0) {
    return arrow::Status::IOError("cannot listen for HTTP on ", host, ":", port);
  }
  return arrow::Status::OK();
}

void HttpService::Serve() { server_->listen_after_bind(); }

void HttpService::Stop() { server_->stop(); }

}  // namespace sluice::server
