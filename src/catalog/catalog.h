#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/file_access.h"
#include "catalog/table_source.h"

namespace sluice::delta {
class DeltaTable;
class Snapshot;
}  // namespace sluice::delta

namespace sluice::catalog {

// The named tables of one session: tables registered in memory, and durable Delta tables
// in the warehouse directory (`<warehouse>/<name>/`). Names are case-insensitive (SQL
// folds unquoted identifiers to lower case; C++ callers may register "Trades" and query
// trades); warehouse directories use the lower-cased name. Registered names shadow
// warehouse tables. Thread-safe.
//
// Warehouse table names are checked before they become paths (see CheckTableName), and
// every warehouse path must resolve to a directory directly under the warehouse root.
class Catalog {
 public:
  explicit Catalog(std::string warehouse = "",
                   FileAccess file_access = FileAccess::Unrestricted());
  const std::string& warehouse() const { return warehouse_; }
  const FileAccess& file_access() const { return file_access_; }

  // Invalid, naming the rule, unless `name` can name a warehouse table: 1 to 255 bytes,
  // no '/', '\\', control characters or NUL, not "." or "..", not starting with '.'.
  static arrow::Status CheckTableName(const std::string& name);

  // Fails with AlreadyExists if the name is taken, unless `replace`.
  arrow::Status Register(const std::string& name, std::shared_ptr<TableSource> source,
                         bool replace = false);
  // Returns KeyError "table 'x' does not exist" if unknown. A warehouse table is read at
  // its newest version.
  arrow::Result<std::shared_ptr<TableSource>> Lookup(const std::string& name) const;

  // The warehouse table `name`: its directory (Invalid for a name CheckTableName
  // refuses, or a directory that resolves outside the warehouse, through a symlink say),
  // and the open table if it exists (cached, so its log is read incrementally; KeyError
  // if there is none).
  arrow::Result<std::string> WarehousePath(const std::string& name) const;
  arrow::Result<std::shared_ptr<delta::DeltaTable>> WarehouseTable(
      const std::string& name) const;
  // The Delta table at `path` (delta_scan), at `version` or its newest, if the
  // session's FileAccess allows reading it.
  arrow::Result<std::shared_ptr<TableSource>> LookupPath(
      const std::string& path, std::optional<int64_t> version) const;

  // Warehouse table `name` at a version, as of a time (milliseconds since the epoch,
  // UTC), or its commit history as a table. KeyError if there is no such table.
  arrow::Result<std::shared_ptr<TableSource>> LookupVersion(const std::string& name,
                                                            int64_t version) const;
  arrow::Result<std::shared_ptr<TableSource>> LookupAsOf(const std::string& name,
                                                         int64_t timestamp_ms) const;
  arrow::Result<std::shared_ptr<TableSource>> LookupHistory(
      const std::string& name) const;
  // DESCRIBE DETAIL: one row about the warehouse table `name`.
  arrow::Result<std::shared_ptr<TableSource>> LookupDetail(const std::string& name) const;
  // Forgets a cached table whose directory was removed.
  void Forget(const std::string& path) const;
  // Returns KeyError if unknown.
  arrow::Status Drop(const std::string& name);
  // Removes `name` only if it still refers to `source`; returns whether it did.
  bool DropIf(const std::string& name, const TableSource* source);
  // Registered tables, the warehouse's Delta tables and views, sorted.
  std::vector<std::string> Names() const;

  // Views: a query's text under a name, read in place of a table. A temporary view lives
  // as long as the session; a stored one in the warehouse, as the file
  // `<warehouse>/<name>/_view.sql`. AlreadyExists if the name is taken (by a table too),
  // unless `replace` and it is a view.
  arrow::Status CreateView(const std::string& name, const std::string& query,
                           bool temporary, bool replace);
  // The view's query text; KeyError if there is no such view.
  arrow::Result<std::string> LookupView(const std::string& name) const;
  // KeyError if there is no such view.
  arrow::Status DropView(const std::string& name);

 private:
  arrow::Result<std::shared_ptr<delta::DeltaTable>> OpenCached(
      const std::string& path) const;
  // A snapshot as a scan source, once FileAccess allows each of its data files that lies
  // outside the table's directory (a log may name absolute paths).
  arrow::Result<std::shared_ptr<TableSource>> SourceOf(
      std::shared_ptr<const delta::Snapshot> snapshot) const;

  std::string warehouse_;
  FileAccess file_access_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<delta::DeltaTable>>
      delta_tables_;  // by path
  // Keyed by lower-cased name; the value keeps the name as registered.
  std::map<std::string, std::pair<std::string, std::shared_ptr<TableSource>>> tables_;
  // Temporary views by lower-cased name: the name as created, the query.
  std::map<std::string, std::pair<std::string, std::string>> views_;
};

}  // namespace sluice::catalog
