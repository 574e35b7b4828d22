#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

namespace sluice::sql {

// One token of SQL text as PostgreSQL's scanner (libpg_query) reads it. Comments are
// dropped; everything else keeps its byte range in the text.
struct Token {
  enum class Kind {
    kWord,
    kQuotedIdentifier,
    kString,
    kInteger,
    kFloat,
    kSymbol,
    kOther
  };

  int begin = 0;  // byte offsets into the scanned text, end exclusive
  int end = 0;
  Kind kind = Kind::kOther;
  // kWord: the keyword or identifier lower-cased, as SQL folds it; kQuotedIdentifier:
  // the name between the quotes; kString: the value of a plain '...' literal (empty for
  // other string forms, see `plain_string`); kSymbol: the character; otherwise the text.
  std::string text;
  bool plain_string = false;  // kString written as '...' (no E'', $$, U&'' forms)
  bool reserved = false;      // a reserved keyword (SELECT, FROM, AS, ...)

  bool IsWord(std::string_view word) const { return kind == Kind::kWord && text == word; }
  bool IsSymbol(char c) const { return kind == Kind::kSymbol && text[0] == c; }
  // What can name a table or column: an identifier, a quoted identifier or a keyword
  // that is not reserved (`version` may name a table, `from` may not).
  bool IsName() const {
    return (kind == Kind::kWord && !reserved) || kind == Kind::kQuotedIdentifier;
  }
};

// Scans `sql` in time linear in its length. Invalid, with the scanner's message, for
// text PostgreSQL cannot tokenize (an unterminated literal, say).
arrow::Result<std::vector<Token>> Scan(std::string_view sql);

}  // namespace sluice::sql
