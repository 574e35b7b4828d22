#include "catalog/catalog.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "catalog/delta_source.h"
#include "delta/delta_table.h"

namespace sluice::catalog {

namespace {
std::string Lower(const std::string& name) {
  std::string out = name;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}
}  // namespace

Catalog::Catalog(std::string warehouse) : warehouse_(std::move(warehouse)) {}

std::string Catalog::WarehousePath(const std::string& name) const {
  return (std::filesystem::path(warehouse_) / Lower(name)).string();
}

arrow::Result<std::shared_ptr<delta::DeltaTable>> Catalog::DeltaTableAt(
    const std::string& path) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = delta_tables_.find(path);
    if (it != delta_tables_.end()) return it->second;
  }
  ARROW_ASSIGN_OR_RAISE(auto table, delta::DeltaTable::Open(path));
  std::lock_guard<std::mutex> lock(mutex_);
  return delta_tables_.emplace(path, std::move(table)).first->second;
}

arrow::Result<std::shared_ptr<delta::DeltaTable>> Catalog::WarehouseTable(
    const std::string& name) const {
  const std::string path = WarehousePath(name);
  if (warehouse_.empty() || !delta::DeltaTable::Exists(path)) {
    return arrow::Status::KeyError("table '", name, "' does not exist");
  }
  return DeltaTableAt(path);
}

void Catalog::Forget(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  delta_tables_.erase(path);
}

arrow::Status Catalog::Register(const std::string& name,
                                std::shared_ptr<TableSource> source, bool replace) {
  if (name.empty()) return arrow::Status::Invalid("table name must not be empty");
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = Lower(name);
  if (!replace && tables_.count(key)) {
    return arrow::Status::AlreadyExists("table '", name, "' already exists");
  }
  tables_[key] = {name, std::move(source)};
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<TableSource>> Catalog::Lookup(
    const std::string& name) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tables_.find(Lower(name));
    if (it != tables_.end()) return it->second.second;
  }
  ARROW_ASSIGN_OR_RAISE(auto table, WarehouseTable(name));
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table->Latest());
  return std::make_shared<DeltaSource>(std::move(snapshot));
}

arrow::Status Catalog::Drop(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tables_.erase(Lower(name)) == 0) {
    return arrow::Status::KeyError("table '", name, "' does not exist");
  }
  return arrow::Status::OK();
}

bool Catalog::DropIf(const std::string& name, const TableSource* source) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tables_.find(Lower(name));
  if (it == tables_.end() || it->second.second.get() != source) return false;
  tables_.erase(it);
  return true;
}

std::vector<std::string> Catalog::Names() const {
  std::set<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, entry] : tables_) names.insert(entry.first);
  }
  std::error_code error;
  if (!warehouse_.empty()) {
    for (const auto& entry : std::filesystem::directory_iterator(warehouse_, error)) {
      if (entry.is_directory() && delta::DeltaTable::Exists(entry.path().string())) {
        names.insert(entry.path().filename().string());
      }
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace sluice::catalog
