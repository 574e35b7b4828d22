#include "sql/scope.h"

#include <strings.h>

namespace sluice::sql {

namespace {
bool SameName(std::string_view a, std::string_view b, bool fold_case) {
  if (a.size() != b.size()) return false;
  if (!fold_case) return a == b;
  return strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

void Scope::Append(const Scope& other) {
  columns_.insert(columns_.end(), other.columns_.begin(), other.columns_.end());
}

int Scope::Find(std::string_view qualifier, std::string_view name) const {
  for (bool fold_case : {false, true}) {
    int found = -1;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const auto& column = columns_[i];
      if (!qualifier.empty() && !SameName(column.qualifier, qualifier, fold_case))
        continue;
      if (!SameName(column.name, name, fold_case)) continue;
      if (found >= 0) return -2;
      found = static_cast<int>(i);
    }
    if (found >= 0) return found;
  }
  return -1;
}

bool Scope::HasQualifier(std::string_view qualifier) const {
  for (const auto& column : columns_) {
    if (SameName(column.qualifier, qualifier, true)) return true;
  }
  return false;
}

std::string Scope::Candidates() const {
  std::string out;
  size_t shown = 0;
  for (const auto& column : columns_) {
    if (shown == 12) {
      out += ", ...";
      break;
    }
    if (shown++) out += ", ";
    out += column.qualifier.empty() ? column.name : column.qualifier + "." + column.name;
  }
  return out;
}

}  // namespace sluice::sql
