#include "sql/tokens.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <cctype>
#include <memory>

#include "common/ascii.h"
#include "common/sql_error.h"
#include "sql/parser.h"

namespace sluice::sql {

namespace {

// The value of '...' with doubled quotes undone; false for any other string form.
bool PlainStringValue(std::string_view text, std::string* value) {
  if (text.size() < 2 || text.front() != '\'' || text.back() != '\'') return false;
  value->clear();
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    value->push_back(text[i]);
    if (text[i] == '\'') ++i;  // the scanner guarantees it is doubled
  }
  return true;
}

Token MakeToken(std::string_view sql, const PgQuery__ScanToken& scanned) {
  Token token;
  token.begin = scanned.start;
  token.end = scanned.end;
  const std::string_view text =
      sql.substr(static_cast<size_t>(scanned.start),
                 static_cast<size_t>(scanned.end - scanned.start));
  switch (scanned.token) {
    case PG_QUERY__TOKEN__IDENT:
      if (!text.empty() && text.front() == '"') {
        token.kind = Token::Kind::kQuotedIdentifier;
        std::string name;
        for (size_t i = 1; i + 1 < text.size(); ++i) {
          name.push_back(text[i]);
          if (text[i] == '"') ++i;
        }
        token.text = std::move(name);
      } else {
        token.kind = Token::Kind::kWord;
        token.text = AsciiLower(text);
      }
      return token;
    case PG_QUERY__TOKEN__SCONST:
      token.kind = Token::Kind::kString;
      token.plain_string = PlainStringValue(text, &token.text);
      return token;
    case PG_QUERY__TOKEN__ICONST:
      token.kind = Token::Kind::kInteger;
      break;
    case PG_QUERY__TOKEN__FCONST:
      token.kind = Token::Kind::kFloat;
      break;
    default:
      if (scanned.keyword_kind != PG_QUERY__KEYWORD_KIND__NO_KEYWORD) {
        token.kind = Token::Kind::kWord;
        token.text = AsciiLower(text);
        token.reserved = scanned.keyword_kind == PG_QUERY__KEYWORD_KIND__RESERVED_KEYWORD;
        return token;
      }
      token.kind = scanned.token < 256 ? Token::Kind::kSymbol : Token::Kind::kOther;
      break;
  }
  token.text = std::string(text);
  return token;
}

}  // namespace

arrow::Result<std::vector<Token>> Scan(std::string_view sql) {
  if (const size_t nul = sql.find('\0'); nul != std::string_view::npos) {
    return SqlInvalid(sql, static_cast<int>(nul), "SQL text contains a NUL byte");
  }
  const std::string text(sql);
  PgQueryScanResult result = pg_query_scan(text.c_str());
  std::unique_ptr<PgQueryScanResult, void (*)(PgQueryScanResult*)> owned(
      &result, [](PgQueryScanResult* r) { pg_query_free_scan_result(*r); });
  if (result.error) {
    return SqlInvalid(sql, ErrorByteOffset(sql, result.error->cursorpos),
                      result.error->message);
  }
  PgQuery__ScanResult* scanned = pg_query__scan_result__unpack(
      nullptr, result.pbuf.len, reinterpret_cast<const uint8_t*>(result.pbuf.data));
  if (scanned == nullptr) return arrow::Status::UnknownError("unreadable scan result");
  std::vector<Token> tokens;
  tokens.reserve(scanned->n_tokens);
  for (size_t i = 0; i < scanned->n_tokens; ++i) {
    const PgQuery__ScanToken& token = *scanned->tokens[i];
    if (token.token == PG_QUERY__TOKEN__SQL_COMMENT ||
        token.token == PG_QUERY__TOKEN__C_COMMENT) {
      continue;
    }
    tokens.push_back(MakeToken(sql, token));
  }
  pg_query__scan_result__free_unpacked(scanned, nullptr);
  return tokens;
}

}  // namespace sluice::sql
