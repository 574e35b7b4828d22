#include "sql/subquery_names.h"

#include <pg_query.h>

#include <string_view>
#include <vector>

#include "sql/parser.h"
#include "sql/tokens.h"

namespace sluice::sql {

namespace {

// Only a parenthesis that opens a query can open an unnamed subquery.
bool MayHaveSubquery(const std::vector<Token>& tokens) {
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (!tokens[i].IsSymbol('(')) continue;
    const Token& next = tokens[i + 1];
    if (next.IsWord("select") || next.IsWord("values") || next.IsWord("with") ||
        next.IsWord("table") || next.IsSymbol('(')) {
      return true;
    }
  }
  return false;
}

// Where PostgreSQL's grammar refused a subquery in FROM for want of an alias: the byte
// offset of its opening parenthesis, or -1 if the text parses or fails otherwise.
int UnaliasedSubqueryAt(const std::string& sql) {
  PgQueryParseResult result = pg_query_parse(sql.c_str());
  int offset = -1;
  if (result.error) {
    const std::string_view message = result.error->message;
    if (message == "subquery in FROM must have an alias" ||
        message == "VALUES in FROM must have an alias") {
      offset = ErrorByteOffset(sql, result.error->cursorpos);
    }
  }
  pg_query_free_parse_result(result);
  return offset;
}

// The index of the token that closes the parenthesis at `open`, or -1.
int ClosingParenthesis(const std::vector<Token>& tokens, size_t open) {
  int depth = 0;
  for (size_t i = open; i < tokens.size(); ++i) {
    if (tokens[i].IsSymbol('(')) ++depth;
    if (tokens[i].IsSymbol(')') && --depth == 0) return static_cast<int>(i);
  }
  return -1;
}

std::string Name(int number) {
  return number == 1 ? "unnamed_subquery" : "unnamed_subquery" + std::to_string(number);
}

}  // namespace

arrow::Result<bool> NameUnaliasedSubqueries(std::string* sql,
                                            std::map<int, TableVersionSpec>* versions) {
  auto tokens = Scan(*sql);
  if (!tokens.ok() || !MayHaveSubquery(*tokens)) return false;
  int named = 0;
  // Each round parses the whole text again, so hostile text with thousands of unnamed
  // subqueries must not make it quadratic: past the limit the parser's error stands.
  constexpr int kMaxNamed = 100;
  while (named < kMaxNamed) {
    const int open = UnaliasedSubqueryAt(*sql);
    if (open < 0) break;
    size_t index = 0;
    while (index < tokens->size() && (*tokens)[index].begin != open) ++index;
    if (index == tokens->size() || !(*tokens)[index].IsSymbol('(')) break;
    const int close = ClosingParenthesis(*tokens, index);
    if (close < 0) break;
    const std::string alias = " AS " + Name(++named);
    const int at = (*tokens)[static_cast<size_t>(close)].end;
    sql->insert(static_cast<size_t>(at), alias);
    std::map<int, TableVersionSpec> moved;
    for (auto& [position, spec] : *versions) {
      moved[position < at ? position : position + static_cast<int>(alias.size())] =
          std::move(spec);
    }
    *versions = std::move(moved);
    ARROW_ASSIGN_OR_RAISE(*tokens, Scan(*sql));
  }
  return named > 0;
}

}  // namespace sluice::sql
