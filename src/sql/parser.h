#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <nlohmann/json.hpp>

namespace sluice::sql {

using Json = nlohmann::json;

// One statement of a script: its parse tree (a libpg_query JSON node such as
// {"SelectStmt": {...}}) and where its text lies in the script.
struct ParsedStatement {
  Json node;
  std::string kind;  // "SelectStmt", "ExplainStmt", ...
  int begin = 0;
  int length = 0;  // bytes, to the end of the statement
};

// Where a syntax error is shown: in `text` (what the user wrote), `shift` bytes further
// on than in the parsed text. Empty `text`: the parsed text itself.
struct ShownText {
  std::string_view text;
  int shift = 0;
};

// Parses PostgreSQL-dialect SQL with libpg_query. A syntax error becomes an Invalid
// status that names the line and column and shows the offending line with a caret.
arrow::Result<std::vector<ParsedStatement>> Parse(std::string_view sql,
                                                  ShownText shown = {});

// The byte offset in `sql` of a libpg_query error's `cursorpos`, which counts
// characters from 1 (0: no position); -1 for none.
int ErrorByteOffset(std::string_view sql, int cursorpos);

// The statements of a script as text, split by the lexer; empty statements dropped.
arrow::Result<std::vector<std::string>> Split(std::string_view script);

// Helpers for reading libpg_query's JSON: a node is a one-key object {"Kind": body}.
const std::string& NodeKind(const Json& node);
const Json& NodeBody(const Json& node);
// The "location" of a node's body (a byte offset), or -1.
int NodeLocation(const Json& node);
// The value of an integer constant (an A_Const body with "ival"). libpg_query's JSON
// output omits the value of zero and of every negative integer ("ival": {}), so a missing
// value is read back from the SQL text at the constant's location.
int64_t ConstInteger(const Json& a_const, std::string_view sql);

// The "sval"s of a list of String nodes (qualified names, function names).
std::vector<std::string> StringList(const Json& list);

// The single bare name of a ColumnRef, or "".
std::string BareName(const Json& expr);

// The value of an integer constant expression (ORDER BY 2), if it is one.
std::optional<int64_t> IntegerConstant(const Json& expr, std::string_view sql);

// The direction of a SortBy body, with PostgreSQL's default NULL placement (NULLs sort
// as if larger than every value: last ascending, first descending).
struct SortOrder {
  bool ascending = true;
  bool nulls_first = false;
};
SortOrder ReadSortOrder(const Json& sort_by);

}  // namespace sluice::sql
