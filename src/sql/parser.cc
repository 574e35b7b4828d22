#include "sql/parser.h"

#include <pg_query.h>

#include "common/sql_error.h"

namespace sluice::sql {

arrow::Result<std::vector<ParsedStatement>> Parse(std::string_view sql, ShownText shown) {
  // libpg_query reads C strings: text after a NUL would silently vanish.
  if (const size_t nul = sql.find('\0'); nul != std::string_view::npos) {
    return SqlInvalid(shown.text.empty() ? sql : shown.text,
                      static_cast<int>(nul) + shown.shift,
                      "SQL text contains a NUL byte");
  }
  const std::string text(sql);
  PgQueryParseResult result = pg_query_parse(text.c_str());
  if (result.error) {
    std::string message = result.error->message;
    const int offset = ErrorByteOffset(sql, result.error->cursorpos);
    pg_query_free_parse_result(result);
    if (shown.text.empty()) return SqlInvalid(sql, offset, message);
    return SqlInvalid(shown.text, offset < 0 ? -1 : offset + shown.shift, message);
  }
  Json tree = Json::parse(result.parse_tree, nullptr, /*allow_exceptions=*/false);
  pg_query_free_parse_result(result);
  if (tree.is_discarded()) return arrow::Status::UnknownError("unreadable parse tree");

  std::vector<ParsedStatement> statements;
  if (!tree.contains("stmts")) return statements;
  for (const auto& raw : tree["stmts"]) {
    ParsedStatement statement;
    statement.node = raw.at("stmt");
    statement.kind = NodeKind(statement.node);
    statement.begin = raw.value("stmt_location", 0);
    statement.length = raw.value("stmt_len", 0);
    if (statement.length == 0)
      statement.length = static_cast<int>(sql.size()) - statement.begin;
    statements.push_back(std::move(statement));
  }
  return statements;
}

int ErrorByteOffset(std::string_view sql, int cursorpos) {
  if (cursorpos <= 0) return -1;
  int characters = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    // UTF-8 continuation bytes (10xxxxxx) do not start a character.
    if ((static_cast<unsigned char>(sql[i]) & 0xC0) == 0x80) continue;
    if (++characters == cursorpos) return static_cast<int>(i);
  }
  return static_cast<int>(sql.size());
}

arrow::Result<std::vector<std::string>> Split(std::string_view script) {
  // A small lexer: ';' ends a statement unless it is inside a quoted string or
  // identifier, a dollar-quoted string or a comment. libpg_query's scanner-based splitter
  // drops text it cannot classify (a misspelt keyword), which would hide the error.
  std::vector<std::string> statements;
  size_t start = 0, i = 0;
  const size_t n = script.size();
  auto flush = [&](size_t end) {
    std::string statement(script.substr(start, end - start));
    // Whitespace or a lone comment is no statement; text that does not parse is kept,
    // so running it reports the syntax error.
    auto parsed = Parse(statement);
    if (!parsed.ok() || !parsed->empty()) statements.push_back(std::move(statement));
  };
  while (i < n) {
    const char c = script[i];
    if (c == '\'' || c == '"') {
      const bool escapes =
          c == '\'' && i > 0 && (script[i - 1] == 'E' || script[i - 1] == 'e');
      for (++i; i < n; ++i) {
        if (escapes && script[i] == '\\') {
          ++i;
        } else if (script[i] == c) {
          if (i + 1 < n && script[i + 1] == c) {
            ++i;  // doubled quote
          } else {
            break;
          }
        }
      }
      if (i >= n)
        return SqlInvalid(script, static_cast<int>(n), "unterminated quoted text");
      ++i;
    } else if (c == '-' && i + 1 < n && script[i + 1] == '-') {
      while (i < n && script[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && script[i + 1] == '*') {
      int depth = 0;
      for (; i < n; ++i) {
        if (script.compare(i, 2, "/*") == 0) {
          ++depth;
          ++i;
        } else if (script.compare(i, 2, "*/") == 0) {
          ++i;
          if (--depth == 0) break;
        }
      }
      if (i >= n) return SqlInvalid(script, static_cast<int>(n), "unterminated comment");
      ++i;
    } else if (c == '$') {
      const size_t close = script.find('$', i + 1);
      const std::string_view tag = close == std::string_view::npos
                                       ? std::string_view()
                                       : script.substr(i, close - i + 1);
      const bool is_tag =
          !tag.empty() &&
          tag.find_first_not_of(
              "$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") ==
              std::string_view::npos &&
          !(tag.size() > 2 && std::isdigit(static_cast<unsigned char>(tag[1])));
      if (!is_tag) {
        ++i;
        continue;
      }
      const size_t end = script.find(tag, i + tag.size());
      if (end == std::string_view::npos) {
        return SqlInvalid(script, static_cast<int>(n),
                          "unterminated dollar-quoted string");
      }
      i = end + tag.size();
    } else if (c == ';') {
      flush(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  flush(n);
  return statements;
}

const std::string& NodeKind(const Json& node) { return node.begin().key(); }

const Json& NodeBody(const Json& node) { return node.begin().value(); }

int NodeLocation(const Json& node) {
  if (!node.is_object() || node.empty()) return -1;
  const Json& body = NodeBody(node);
  if (!body.is_object()) return -1;
  return body.value("location", -1);
}

int64_t ConstInteger(const Json& a_const, std::string_view sql) {
  const Json& ival = a_const.at("ival");
  if (ival.contains("ival")) return ival["ival"].get<int64_t>();
  const int location = a_const.value("location", -1);
  if (location < 0 || static_cast<size_t>(location) >= sql.size()) return 0;
  const std::string text(sql.substr(static_cast<size_t>(location), 32));
  return std::strtoll(text.c_str(), nullptr, 10);
}

std::vector<std::string> StringList(const Json& list) {
  std::vector<std::string> out;
  for (const auto& item : list) {
    if (item.contains("String")) out.push_back(item["String"].value("sval", ""));
  }
  return out;
}

std::string BareName(const Json& expr) {
  if (NodeKind(expr) != "ColumnRef") return "";
  const auto& fields = NodeBody(expr).at("fields");
  if (fields.size() != 1 || !fields[0].contains("String")) return "";
  return fields[0]["String"].value("sval", "");
}

std::optional<int64_t> IntegerConstant(const Json& expr, std::string_view sql) {
  if (NodeKind(expr) != "A_Const" || !NodeBody(expr).contains("ival"))
    return std::nullopt;
  return ConstInteger(NodeBody(expr), sql);
}

SortOrder ReadSortOrder(const Json& sort_by) {
  SortOrder order;
  order.ascending = sort_by.value("sortby_dir", "") != "SORTBY_DESC";
  const std::string nulls = sort_by.value("sortby_nulls", "SORTBY_NULLS_DEFAULT");
  order.nulls_first =
      nulls == "SORTBY_NULLS_DEFAULT" ? !order.ascending : nulls == "SORTBY_NULLS_FIRST";
  return order;
}

}  // namespace sluice::sql
