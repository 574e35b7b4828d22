#include "spark/connection_string.h"

#include <charconv>

#include <arrow/status.h>

#include "common/ascii.h"

namespace sluice::spark {

namespace {

constexpr std::string_view kScheme = "sc://";

arrow::Status Bad(std::string_view uri, std::string_view what) {
  return arrow::Status::Invalid("invalid Spark Connect connection string '", uri,
                                "': ", what);
}

arrow::Result<bool> ParseBool(std::string_view uri, std::string_view value) {
  const std::string lower = AsciiLower(value);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return Bad(uri, "use_ssl must be true or false, not '" + std::string(value) + "'");
}

arrow::Status ParseHostPort(std::string_view uri, std::string_view authority,
                            ConnectionString* out) {
  if (authority.empty()) return Bad(uri, "no host");
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    out->host = std::string(authority);
    return arrow::Status::OK();
  }
  out->host = std::string(authority.substr(0, colon));
  const std::string_view port = authority.substr(colon + 1);
  int value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc() || end != port.data() + port.size() || value < 1 ||
      value > 65535) {
    return Bad(uri,
               "port must be a number from 1 to 65535, not '" + std::string(port) + "'");
  }
  if (out->host.empty()) return Bad(uri, "no host");
  out->port = value;
  return arrow::Status::OK();
}

arrow::Status ApplyParameter(std::string_view uri, std::string_view param,
                             ConnectionString* out) {
  const size_t equals = param.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return Bad(uri, "parameter '" + std::string(param) + "' is not name=value");
  }
  const std::string name(param.substr(0, equals));
  std::string value(param.substr(equals + 1));
  if (name == "token") {
    out->token = std::move(value);
    out->use_ssl = true;
  } else if (name == "user_id") {
    out->user_id = std::move(value);
  } else if (name == "user_agent") {
    out->user_agent = std::move(value);
  } else if (name == "session_id") {
    out->session_id = std::move(value);
  } else if (name == "use_ssl") {
    ARROW_ASSIGN_OR_RAISE(out->use_ssl, ParseBool(uri, value));
  } else {
    out->headers.emplace_back(AsciiLower(name), std::move(value));
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<ConnectionString> ConnectionString::Parse(std::string_view uri) {
  if (uri.substr(0, kScheme.size()) != kScheme)
    return Bad(uri, "it must start with sc://");
  std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  ConnectionString out;
  ARROW_RETURN_NOT_OK(ParseHostPort(uri, rest.substr(0, slash), &out));
  if (slash == std::string_view::npos) return out;
  std::string_view params = rest.substr(slash + 1);
  if (!params.empty() && params.front() != ';') {
    return Bad(uri, "a path is not allowed; parameters follow '/;'");
  }
  while (!params.empty()) {
    params.remove_prefix(1);  // the ';'
    const size_t next = params.find(';');
    const std::string_view param = params.substr(0, next);
    if (!param.empty()) ARROW_RETURN_NOT_OK(ApplyParameter(uri, param, &out));
    if (next == std::string_view::npos) break;
    params.remove_prefix(next);
  }
  return out;
}

std::string ConnectionString::Target() const { return host + ":" + std::to_string(port); }

}  // namespace sluice::spark
