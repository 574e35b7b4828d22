#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/table_source.h"

namespace sluice::catalog {

// The named tables of one session. Names are case-insensitive (SQL folds unquoted
// identifiers to lower case; C++ callers may register "Trades" and query trades).
// Thread-safe.
class Catalog {
 public:
  // Fails with AlreadyExists if the name is taken, unless `replace`.
  arrow::Status Register(const std::string& name, std::shared_ptr<TableSource> source,
                         bool replace = false);
  // Returns KeyError "table 'x' does not exist" if unknown.
  arrow::Result<std::shared_ptr<TableSource>> Lookup(const std::string& name) const;
  // Returns KeyError if unknown.
  arrow::Status Drop(const std::string& name);
  // Removes `name` only if it still refers to `source`; returns whether it did.
  bool DropIf(const std::string& name, const TableSource* source);
  std::vector<std::string> Names() const;

 private:
  mutable std::mutex mutex_;
  // Keyed by lower-cased name; the value keeps the name as registered.
  std::map<std::string, std::pair<std::string, std::shared_ptr<TableSource>>> tables_;
};

}  // namespace sluice::catalog
