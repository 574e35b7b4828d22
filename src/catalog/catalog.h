#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/table_source.h"

namespace sluice::delta {
class DeltaTable;
}

namespace sluice::catalog {

// The named tables of one session: tables registered in memory, and durable Delta tables
// in the warehouse directory (`<warehouse>/<name>/`). Names are case-insensitive (SQL
// folds unquoted identifiers to lower case; C++ callers may register "Trades" and query
// trades); warehouse directories use the lower-cased name. Registered names shadow
// warehouse tables. Thread-safe.
class Catalog {
 public:
  explicit Catalog(std::string warehouse = "");
  const std::string& warehouse() const { return warehouse_; }

  // Fails with AlreadyExists if the name is taken, unless `replace`.
  arrow::Status Register(const std::string& name, std::shared_ptr<TableSource> source,
                         bool replace = false);
  // Returns KeyError "table 'x' does not exist" if unknown. A warehouse table is read at
  // its newest version.
  arrow::Result<std::shared_ptr<TableSource>> Lookup(const std::string& name) const;

  // The warehouse table `name`: its directory, and the open table if it exists (cached,
  // so its log is read incrementally). KeyError if there is none.
  std::string WarehousePath(const std::string& name) const;
  arrow::Result<std::shared_ptr<delta::DeltaTable>> DeltaTableAt(
      const std::string& path) const;
  arrow::Result<std::shared_ptr<delta::DeltaTable>> WarehouseTable(
      const std::string& name) const;
  // Forgets a cached table whose directory was removed.
  void Forget(const std::string& path) const;
  // Returns KeyError if unknown.
  arrow::Status Drop(const std::string& name);
  // Removes `name` only if it still refers to `source`; returns whether it did.
  bool DropIf(const std::string& name, const TableSource* source);
  // Registered tables and the warehouse's Delta tables, sorted.
  std::vector<std::string> Names() const;

 private:
  std::string warehouse_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<delta::DeltaTable>>
      delta_tables_;  // by path
  // Keyed by lower-cased name; the value keeps the name as registered.
  std::map<std::string, std::pair<std::string, std::shared_ptr<TableSource>>> tables_;
};

}  // namespace sluice::catalog
