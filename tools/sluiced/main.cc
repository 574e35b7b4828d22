// sluiced: serve the embedded engine over Arrow Flight SQL and HTTP.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arrow/flight/server.h>
#include <CLI/CLI.hpp>

#include "server/flight_sql_service.h"
#include "server/http_service.h"
#include "sluice/session.h"

namespace {

// "host:port" -> (host, port); false if malformed.
bool SplitAddress(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = address.substr(0, colon);
  char* end = nullptr;
  const long value = std::strtol(address.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || value < 0 || value > 65535) return false;
  *port = static_cast<int>(value);
  return true;
}

arrow::Result<arrow::flight::CertKeyPair> ReadCertKeyPair(const std::string& cert,
                                                          const std::string& key) {
  auto read = [](const std::string& path) -> arrow::Result<std::string> {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return arrow::Status::IOError("cannot read ", path);
    return text.str();
  };
  arrow::flight::CertKeyPair pair;
  ARROW_ASSIGN_OR_RAISE(pair.pem_cert, read(cert));
  ARROW_ASSIGN_OR_RAISE(pair.pem_key, read(key));
  return pair;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that goes away is an error, not a crash
  // A long-running server with a thread pool per query: jemalloc hands memory back when
  // idle, where mimalloc (the wheel's default) kept ~600 MiB after a 32-client load test.
  // An explicit ARROW_DEFAULT_MEMORY_POOL still wins.
  ::setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc", /*overwrite=*/0);

  CLI::App app{"sluiced: stream query results over Arrow Flight SQL and HTTP"};
  std::string flight_address = "127.0.0.1:8815", http_address = "127.0.0.1:8080";
  std::string warehouse = "./warehouse", token, tokens_file, admin_token;
  int http_threads = 64;
  std::vector<std::string> allow_read, allow_origins;
  size_t max_queries = 64, max_request_bytes = 16 << 20;
  double query_timeout_s = 3600;
  int64_t query_memory_mib = 4096;
  app.add_option("--flight", flight_address,
                 "Flight SQL address HOST:PORT (default 127.0.0.1:8815; port 0: any)");
  app.add_option("--http", http_address,
                 "HTTP address HOST:PORT (default 127.0.0.1:8080; port 0: any)");
  app.add_option("--warehouse", warehouse, "Directory of durable tables");
  std::string engine;
  app.add_option("--engine", engine,
                 "Run queries on a Spark Connect server (sc://host:port[/;params]) "
                 "instead of the embedded engine; each client gets a Spark session");
  app.add_option(
      "--token", token,
      "Require 'Authorization: Bearer TOKEN' (default: $SLUICED_TOKEN, else none)");
  app.add_option("--tokens-file", tokens_file,
                 "Clients, one a line: \"name token\" or \"name token admin\"; each has "
                 "its own session, statements and query list")
      ->check(CLI::ExistingFile);
  app.add_option("--admin-token", admin_token,
                 "A token that may list and cancel every client's queries");
  app.add_option("--http-threads", http_threads, "Concurrent HTTP requests (default 64)")
      ->check(CLI::PositiveNumber);
  app.add_option("--allow-read", allow_read,
                 "A directory whose files clients may read with read_parquet, read_csv, "
                 "read_ipc and delta_scan (repeatable; default: the warehouse only)");
  app.add_option("--max-queries", max_queries,
                 "Queries streaming at once; more are refused (default 64, 0: no limit)");
  app.add_option("--query-timeout", query_timeout_s,
                 "Seconds after which a running query is stopped (default 3600, 0: none)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--query-memory-limit", query_memory_mib,
                 "MiB a query's operators may hold (default 4096, 0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-request-bytes", max_request_bytes,
                 "Largest HTTP request body or Flight parameter stream (default 16 MiB)")
      ->check(CLI::PositiveNumber);
  app.add_option("--allow-origin", allow_origins,
                 "A browser origin (scheme://host:port) allowed to call the HTTP API "
                 "(repeatable; default: none, requests with an Origin are refused)");
  std::string tls_cert, tls_key;
  app.add_option("--tls-cert", tls_cert,
                 "PEM certificate chain: serve Flight SQL over TLS and HTTPS")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (token.empty() && std::getenv("SLUICED_TOKEN") != nullptr) {
    token = std::getenv("SLUICED_TOKEN");
  }
  if (tls_cert.empty() != tls_key.empty()) {
    std::fprintf(stderr, "Error: --tls-cert and --tls-key go together\n");
    return 2;
  }
  const bool tls = !tls_cert.empty();
  std::string flight_host, http_host;
  int flight_port = 0, http_port = 0;
  if (!SplitAddress(flight_address, &flight_host, &flight_port) ||
      !SplitAddress(http_address, &http_host, &http_port)) {
    std::fprintf(stderr, "Error: addresses are HOST:PORT\n");
    return 2;
  }

  sluice::SessionOptions session_options;
  session_options.confine_file_access = true;  // clients read only what is allowed
  session_options.readable_directories = allow_read;
  session_options.allow_streaming_writes = false;  // they outlive the request
  std::vector<sluice::server::Clients::Token> tokens;
  if (!tokens_file.empty()) {
    auto read = sluice::server::ReadTokensFile(tokens_file);
    if (!read.ok()) {
      std::fprintf(stderr, "Error: %s\n", read.status().message().c_str());
      return 2;
    }
    tokens = std::move(*read);
  }
  if (!token.empty()) tokens.push_back({token, {"default", false}});
  if (!admin_token.empty()) tokens.push_back({admin_token, {"admin", true}});
  if (engine.empty()) engine = "local:" + warehouse;
  auto clients = std::make_shared<sluice::server::Clients>(engine, session_options,
                                                           std::move(tokens));
  auto session = clients->SessionOf({"anonymous", false});  // checks the warehouse
  if (!session.ok()) {
    std::fprintf(stderr, "Error: %s\n", session.status().message().c_str());
    return 2;
  }
  sluice::server::QueryRegistry::Limits limits;
  limits.max_queries = max_queries;
  limits.timeout =
      std::chrono::milliseconds(static_cast<int64_t>(query_timeout_s * 1000));
  limits.query_memory_bytes = query_memory_mib << 20;
  limits.max_request_bytes = static_cast<int64_t>(max_request_bytes);
  auto registry = std::make_shared<sluice::server::QueryRegistry>(limits);

  auto location = tls ? arrow::flight::Location::ForGrpcTls(flight_host, flight_port)
                      : arrow::flight::Location::ForGrpcTcp(flight_host, flight_port);
  if (!location.ok()) {
    std::fprintf(stderr, "Error: %s\n", location.status().message().c_str());
    return 2;
  }
  arrow::flight::FlightServerOptions options(*location);
  if (tls) {
    auto pair = ReadCertKeyPair(tls_cert, tls_key);
    if (!pair.ok()) {
      std::fprintf(stderr, "Error: %s\n", pair.status().message().c_str());
      return 2;
    }
    options.tls_certificates.push_back(*pair);
  }
  options.middleware.emplace_back("auth", sluice::server::MakeClientAuth(clients));
  sluice::server::FlightSqlService flight(clients, registry);
  auto status = flight.Init(options);
  if (!status.ok()) {
    std::fprintf(stderr, "Error: cannot serve Flight SQL on %s: %s\n",
                 flight_address.c_str(), status.message().c_str());
    return 1;
  }
  sluice::server::HttpOptions http_options;
  http_options.threads = http_threads;
  http_options.max_request_bytes = max_request_bytes;
  http_options.allowed_origins = allow_origins;
  http_options.tls_cert_path = tls_cert;
  http_options.tls_key_path = tls_key;
  sluice::server::HttpService http(clients, registry, std::move(http_options));
  status = http.Bind(http_host, http_port);
  if (!status.ok()) {
    std::fprintf(stderr, "Error: %s\n", status.message().c_str());
    return 1;
  }
  std::thread http_thread([&http] { http.Serve(); });

  std::printf("sluiced: Flight SQL on %s://%s:%d, HTTP on %s://%s:%d, engine %s\n",
              tls ? "grpc+tls" : "grpc", flight_host.c_str(), flight.port(),
              tls ? "https" : "http", http_host.c_str(), http.port(), engine.c_str());
  std::fflush(stdout);
  status = flight.SetShutdownOnSignals({SIGINT, SIGTERM});
  if (status.ok()) status = flight.Serve();  // until SIGINT or SIGTERM
  http.Stop();
  http_thread.join();
  if (!status.ok()) {
    std::fprintf(stderr, "Error: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
