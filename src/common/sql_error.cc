#include "common/sql_error.h"

#include <algorithm>

namespace sluice {

arrow::Status SqlError(arrow::StatusCode code, std::string_view sql, int offset,
                       std::string_view message) {
  std::string text(message);
  if (offset >= 0 && static_cast<size_t>(offset) <= sql.size()) {
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < static_cast<size_t>(offset); ++i) {
      if (sql[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    size_t line_end = sql.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = sql.size();
    // Columns count characters: UTF-8 continuation bytes (10xxxxxx) are not counted.
    size_t column = 1;
    for (size_t i = line_start; i < static_cast<size_t>(offset); ++i) {
      if ((static_cast<unsigned char>(sql[i]) & 0xC0) != 0x80) ++column;
    }
    text += " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
    std::string_view line_text = sql.substr(line_start, line_end - line_start);
    text += "\n  ";
    text += line_text;
    text += "\n  ";
    text += std::string(std::min(column - 1, line_text.size()), ' ');
    text += "^";
  }
  return arrow::Status(code, std::move(text));
}

}  // namespace sluice
