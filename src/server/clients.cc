#include "server/clients.h"

#include <fstream>
#include <sstream>

#include "server/token_check.h"

namespace sluice::server {

Clients::Clients(std::string engine, SessionOptions options, std::vector<Token> tokens)
    : engine_(std::move(engine)),
      options_(std::move(options)),
      tokens_(std::move(tokens)) {}

arrow::Result<Client> Clients::Authenticate(std::string_view authorization) const {
  if (tokens_.empty()) return Client{"anonymous", false};
  if (authorization.empty()) {
    return arrow::Status::IOError("sluiced requires a bearer token");
  }
  // Every token is compared, so the time taken says nothing of which came close.
  const Client* found = nullptr;
  for (const auto& token : tokens_) {
    if (ConstantTimeEquals(authorization, "Bearer " + token.token)) found = &token.client;
  }
  if (found == nullptr) return arrow::Status::IOError("the bearer token is not valid");
  return *found;
}

arrow::Result<std::shared_ptr<Session>> Clients::SessionOf(const Client& client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(client.name);
  if (it != sessions_.end()) return it->second;
  ARROW_ASSIGN_OR_RAISE(auto session, Connect(engine_, options_));
  sessions_.emplace(client.name, session);
  return session;
}

arrow::Result<std::vector<Clients::Token>> ReadTokensFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return arrow::Status::IOError("cannot read the tokens file ", path);
  std::vector<Clients::Token> tokens;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream words(line);
    std::string name, token, role, extra;
    words >> name;
    if (name.empty() || name[0] == '#') continue;
    words >> token >> role >> extra;
    if (token.empty() || !extra.empty() || (!role.empty() && role != "admin")) {
      return arrow::Status::Invalid(path, ":", number,
                                    ": expected \"name token\" or \"name token admin\"");
    }
    tokens.push_back({token, Client{name, role == "admin"}});
  }
  return tokens;
}

}  // namespace sluice::server
