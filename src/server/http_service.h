#pragma once

#include <memory>
#include <string>

#include <arrow/status.h>

#include "server/query_registry.h"

namespace httplib {
class Server;
}

namespace sluice {
class Session;
}

namespace sluice::server {

// The HTTP endpoint:
// - `GET /v1/query?sql=...` or `POST /v1/query` (the SQL as the body, or JSON
//   {"sql": "..."}) streams a query's rows as NDJSON, or as an Arrow IPC stream with
//   `Accept: application/vnd.apache.arrow.stream`, chunked, one chunk per batch, written
//   only as fast as the client reads. DDL and DML answer one JSON object. An error before
//   the first row is a 400 with {"error": ...}; an error mid-stream ends NDJSON with an
//   {"error": ...} line and aborts an Arrow stream (no end-of-stream marker, no final
//   chunk), never a silent truncation. A client that disconnects cancels its query.
// - `GET /v1/queries`: the running queries as JSON; `DELETE /v1/queries/<id>` cancels
// one.
// - `GET /healthz`.
// With a token, every endpoint but /healthz needs `Authorization: Bearer <token>`.
class HttpService {
 public:
  HttpService(std::shared_ptr<Session> session, std::shared_ptr<QueryRegistry> registry,
              std::string token, int threads);
  ~HttpService();

  // Binds `host:port` (port 0: any free port).
  arrow::Status Bind(const std::string& host, int port);
  int port() const { return port_; }
  // Serves until Stop; blocks.
  void Serve();
  void Stop();

 private:
  std::shared_ptr<Session> session_;
  std::shared_ptr<QueryRegistry> registry_;
  std::string token_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = -1;
};

}  // namespace sluice::server
