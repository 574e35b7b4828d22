#pragma once

#include <string>
#include <string_view>

#include <arrow/status.h>

namespace sluice {

// Errors that point into SQL text. `offset` is a 0-based byte offset into `sql`
// (libpg_query locations), or -1 when unknown. The message reads (C counts characters)
//   "<message> (line L, column C)\n  <that line of SQL>\n  <caret under column C>".
arrow::Status SqlError(arrow::StatusCode code, std::string_view sql, int offset,
                       std::string_view message);

inline arrow::Status SqlInvalid(std::string_view sql, int offset,
                                std::string_view message) {
  return SqlError(arrow::StatusCode::Invalid, sql, offset, message);
}

// "not supported: <what>" with the position: the engine refuses rather than guesses.
inline arrow::Status SqlNotSupported(std::string_view sql, int offset,
                                     std::string_view what) {
  return SqlError(arrow::StatusCode::NotImplemented, sql, offset,
                  "not supported: " + std::string(what));
}

}  // namespace sluice
