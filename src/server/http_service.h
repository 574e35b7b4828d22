#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/status.h>

#include "server/clients.h"
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
// When the server takes tokens, every endpoint but /healthz needs `Authorization: Bearer
// <token>` (compared in constant time); the token names the client, whose own session
// runs its statements and who sees and cancels only its own queries (an admin: all).
//
// Browsers: a request with an `Origin` header (or `Sec-Fetch-Site: cross-site`) is
// refused with 403 unless the origin is listed in `allowed_origins`; DDL and DML run only
// from a POST with a JSON body (which a web page cannot send cross-site without a CORS
// preflight this server never grants), so a page a user visits cannot drive it. GET and
// other POST bodies run queries only. Bodies over `max_request_bytes` get 413; a query
// over the registry's limit gets 429.
struct HttpOptions {
  int threads = 64;
  size_t max_request_bytes = 16 << 20;
  std::vector<std::string> allowed_origins;
  // HTTPS with this certificate chain and private key (PEM files) when both are set.
  std::string tls_cert_path, tls_key_path;
};

class HttpService {
 public:
  HttpService(std::shared_ptr<Clients> clients, std::shared_ptr<QueryRegistry> registry,
              HttpOptions options);
  ~HttpService();

  // Binds `host:port` (port 0: any free port).
  arrow::Status Bind(const std::string& host, int port);
  int port() const { return port_; }
  // Serves until Stop; blocks.
  void Serve();
  void Stop();

 private:
  std::shared_ptr<Clients> clients_;
  std::shared_ptr<QueryRegistry> registry_;
  HttpOptions options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = -1;
};

}  // namespace sluice::server
