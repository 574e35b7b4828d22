#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace sluice::sql {

// A column visible to expressions: `qualifier.name` in SQL, `internal` in the plan.
struct ScopeColumn {
  std::string qualifier;  // table name or alias; may be empty
  std::string name;
  std::string internal;
  std::shared_ptr<arrow::DataType> type;
};

// The columns an expression may reference (the FROM clause's output).
class Scope {
 public:
  Scope() = default;
  explicit Scope(std::vector<ScopeColumn> columns) : columns_(std::move(columns)) {}

  const std::vector<ScopeColumn>& columns() const { return columns_; }
  void Append(const Scope& other);

  // Resolves `name` or `qualifier.name`: an exact match first, then a case-insensitive
  // one. Returns the column index, -1 if nothing matches, -2 if the match is ambiguous.
  int Find(std::string_view qualifier, std::string_view name) const;
  bool HasQualifier(std::string_view qualifier) const;
  // "a, b, c" (at most 12) for "did you mean" style messages.
  std::string Candidates() const;

 private:
  std::vector<ScopeColumn> columns_;
};

}  // namespace sluice::sql
