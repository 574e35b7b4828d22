#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "sql/parser.h"

namespace sluice::sql {

// Parses the SQL fragments a DataFrame call takes (select items, a predicate, sort keys)
// each on its own, checking that it is exactly one such fragment: text that would reach
// beyond it (`* FROM other --`, `a, b` where one is wanted, a dangling comment or quote)
// is an error naming the call. Fragments are never joined into statement text. The parse
// trees' positions are moved so that they index `text()`, all fragments given so far
// separated by ", ", which is what errors show.
class FragmentParser {
 public:
  // `call` names the DataFrame method in messages ("Select", "Filter", ...).
  explicit FragmentParser(std::string call) : call_(std::move(call)) {}

  // One select-list item, "expr [AS name]" (a ResTarget node); "*" when `allow_star`.
  arrow::Result<Json> SelectItem(std::string_view item, bool allow_star);
  // One scalar expression without a name.
  arrow::Result<Json> Expression(std::string_view expr);
  // One ORDER BY key, "expr [ASC|DESC] [NULLS FIRST|LAST]" (a SortBy node).
  arrow::Result<Json> SortKey(std::string_view key);

  const std::string& text() const { return text_; }

 private:
  // Parses `prefix + fragment` as one SelectStmt, appends the fragment to text() and
  // moves the tree's positions there.
  arrow::Result<Json> ParseProbe(std::string_view prefix, std::string_view fragment,
                                 std::string_view what);
  arrow::Status Refuse(std::string_view fragment, std::string_view why) const;

  std::string call_;
  std::string text_;
};

}  // namespace sluice::sql
