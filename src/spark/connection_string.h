#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arrow/result.h>

namespace sluice::spark {

// A Spark Connect endpoint as its connection string names it:
//   sc://host[:port][/;param=value;param=value...]
// Known parameters: token (sent as "authorization: Bearer <token>"; implies TLS),
// user_id, user_agent, session_id (a UUID to join an existing server session), use_ssl
// (true/false). Any other parameter is sent as a gRPC metadata header on every call.
struct ConnectionString {
  std::string host;
  int port = 15002;
  std::string token;
  std::string user_id;
  std::string user_agent = "sluice";
  std::string session_id;
  bool use_ssl = false;
  std::vector<std::pair<std::string, std::string>> headers;

  // Parses `uri`; errors name the part that is wrong.
  static arrow::Result<ConnectionString> Parse(std::string_view uri);
  // "host:port", for gRPC and messages.
  std::string Target() const;
};

// How a client talks to the server, beyond what the connection string says.
struct ClientOptions {
  // A call that fails with UNAVAILABLE (the server is starting, or restarting) is retried
  // with exponential backoff from `initial_backoff`, doubled each time up to
  // `max_backoff`, for at most `max_retries` tries: about 15 s in all by default.
  int max_retries = 12;
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  // Deadline of each unary call (schema, config, interrupt, release); 0 means none.
  // Result streams have no deadline: they last as long as the consumer reads.
  std::chrono::milliseconds call_timeout{std::chrono::minutes(10)};
};

}  // namespace sluice::spark
