#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "sluice/session.h"

namespace sluice::server {

// Who a request comes from.
struct Client {
  std::string name;  // "anonymous" when the server takes no tokens
  bool admin = false;
};

// sluiced's clients: the tokens that identify them and a Session of their own each, so
// that what one client prepares, registers or runs is not another's. An admin may list
// and cancel every client's queries. Without tokens every request is the one anonymous
// client. Thread-safe.
class Clients {
 public:
  struct Token {
    std::string token;
    Client client;
  };
  // Sessions connect to `engine`: "local:<warehouse>" or a Spark Connect URI (then each
  // client session is a Spark session of its own).
  Clients(std::string engine, SessionOptions options, std::vector<Token> tokens);

  bool requires_token() const { return !tokens_.empty(); }
  // The client whose token `authorization` ("Bearer <token>") carries, compared in
  // constant time. Unauthenticated-style errors (IOError with the reason) otherwise.
  arrow::Result<Client> Authenticate(std::string_view authorization) const;
  // The client's own session, created on first use.
  arrow::Result<std::shared_ptr<Session>> SessionOf(const Client& client);

 private:
  std::string engine_;
  SessionOptions options_;
  std::vector<Token> tokens_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;  // by client name
};

// Reads a tokens file: one client a line, "name token" or "name token admin"; blank
// lines and lines starting with '#' are skipped. Invalid naming the line otherwise.
arrow::Result<std::vector<Clients::Token>> ReadTokensFile(const std::string& path);

}  // namespace sluice::server
