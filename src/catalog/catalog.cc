#include "catalog/catalog.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "catalog/delta_describe.h"
#include "catalog/delta_source.h"
#include "common/ascii.h"
#include "common/durable_file.h"
#include "delta/data_files.h"
#include "delta/delta_table.h"
#include "delta/snapshot.h"

namespace sluice::catalog {

namespace {

// A stored view's query, in its directory under the warehouse.
constexpr const char* kViewFile = "_view.sql";

}  // namespace

Catalog::Catalog(std::string warehouse, FileAccess file_access)
    : warehouse_(std::move(warehouse)), file_access_(std::move(file_access)) {}

arrow::Status Catalog::CheckTableName(const std::string& name) {
  auto refuse = [&](const char* rule) {
    std::string shown;
    for (unsigned char c : name.substr(0, 64)) {
      shown += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
    }
    return arrow::Status::Invalid("invalid table name \"", shown, "\": ", rule);
  };
  if (name.empty()) return refuse("a name must not be empty");
  if (name.size() > 255) return refuse("a name is at most 255 bytes");
  if (name == "." || name == "..") return refuse("'.' and '..' are not names");
  if (name.front() == '.') return refuse("a name must not start with '.'");
  for (unsigned char c : name) {
    if (c == '/' || c == '\\') return refuse("a name must not contain '/' or '\\'");
    if (c < 0x20 || c == 0x7f)
      return refuse("a name must not contain control characters");
  }
  return arrow::Status::OK();
}

arrow::Result<std::string> Catalog::WarehousePath(const std::string& name) const {
  ARROW_RETURN_NOT_OK(CheckTableName(name));
  namespace fs = std::filesystem;
  const fs::path path = fs::path(warehouse_) / AsciiLower(name);
  // A symlinked table directory could lead anywhere: the resolved path must be the
  // warehouse's own child.
  std::error_code error;
  const fs::path root = fs::weakly_canonical(fs::absolute(warehouse_, error), error);
  const fs::path resolved = fs::weakly_canonical(fs::absolute(path, error), error);
  if (error || resolved.parent_path() != root) {
    return arrow::Status::Invalid("table \"", name, "\" resolves to ", resolved.string(),
                                  ", outside the warehouse ", root.string());
  }
  return path.string();
}

arrow::Result<std::shared_ptr<TableSource>> Catalog::LookupPath(
    const std::string& path, std::optional<int64_t> version) const {
  ARROW_RETURN_NOT_OK(file_access_.CheckRead(path));
  ARROW_ASSIGN_OR_RAISE(auto table, OpenCached(path));
  ARROW_ASSIGN_OR_RAISE(auto snapshot,
                        version ? table->AtVersion(*version) : table->Latest());
  return SourceOf(std::move(snapshot));
}

arrow::Result<std::shared_ptr<delta::DeltaTable>> Catalog::OpenCached(
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
  if (warehouse_.empty())
    return arrow::Status::KeyError("table '", name, "' does not exist");
  ARROW_ASSIGN_OR_RAISE(auto path, WarehousePath(name));
  if (!delta::DeltaTable::Exists(path)) {
    return arrow::Status::KeyError("table '", name, "' does not exist");
  }
  return OpenCached(path);
}

arrow::Result<std::shared_ptr<TableSource>> Catalog::LookupVersion(
    const std::string& name, int64_t version) const {
  ARROW_ASSIGN_OR_RAISE(auto table, WarehouseTable(name));
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table->AtVersion(version));
  return SourceOf(std::move(snapshot));
}

arrow::Result<std::shared_ptr<TableSource>> Catalog::LookupAsOf(
    const std::string& name, int64_t timestamp_ms) const {
  ARROW_ASSIGN_OR_RAISE(auto table, WarehouseTable(name));
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table->AtTimestamp(timestamp_ms));
  return SourceOf(std::move(snapshot));
}

arrow::Result<std::shared_ptr<TableSource>> Catalog::LookupHistory(
    const std::string& name) const {
  ARROW_ASSIGN_OR_RAISE(auto table, WarehouseTable(name));
  return MakeHistorySource(table.get(), name);
}

arrow::Result<std::shared_ptr<TableSource>> Catalog::LookupDetail(
    const std::string& name) const {
  ARROW_ASSIGN_OR_RAISE(auto table, WarehouseTable(name));
  return MakeDetailSource(table.get(), name);
}

void Catalog::Forget(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  delta_tables_.erase(path);
}

arrow::Status Catalog::Register(const std::string& name,
                                std::shared_ptr<TableSource> source, bool replace) {
  if (name.empty()) return arrow::Status::Invalid("table name must not be empty");
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = AsciiLower(name);
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
    auto it = tables_.find(AsciiLower(name));
    if (it != tables_.end()) return it->second.second;
  }
  ARROW_ASSIGN_OR_RAISE(auto table, WarehouseTable(name));
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table->Latest());
  return SourceOf(std::move(snapshot));
}

arrow::Result<std::shared_ptr<TableSource>> Catalog::SourceOf(
    std::shared_ptr<const delta::Snapshot> snapshot) const {
  if (file_access_.confined()) {
    for (const auto& add : snapshot->files()) {
      const std::filesystem::path relative(delta::DecodePath(add.path));
      bool inside = relative.is_relative() && add.path.rfind("file:", 0) != 0;
      for (const auto& part : relative) inside = inside && part != "..";
      if (!inside) {
        ARROW_RETURN_NOT_OK(
            file_access_.CheckRead(delta::DataFilePath(snapshot->root(), add.path)));
      }
    }
  }
  return std::make_shared<DeltaSource>(std::move(snapshot));
}

arrow::Status Catalog::Drop(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tables_.erase(AsciiLower(name)) == 0) {
    return arrow::Status::KeyError("table '", name, "' does not exist");
  }
  return arrow::Status::OK();
}

bool Catalog::DropIf(const std::string& name, const TableSource* source) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tables_.find(AsciiLower(name));
  if (it == tables_.end() || it->second.second.get() != source) return false;
  tables_.erase(it);
  return true;
}

std::vector<std::string> Catalog::Names() const {
  std::set<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, entry] : tables_) names.insert(entry.first);
    for (const auto& [key, entry] : views_) names.insert(entry.first);
  }
  std::error_code error;
  if (!warehouse_.empty()) {
    for (const auto& entry : std::filesystem::directory_iterator(warehouse_, error)) {
      if (entry.is_directory() &&
          (delta::DeltaTable::Exists(entry.path().string()) ||
           std::filesystem::exists(entry.path() / kViewFile, error))) {
        names.insert(entry.path().filename().string());
      }
    }
  }
  return {names.begin(), names.end()};
}

arrow::Status Catalog::CreateView(const std::string& name, const std::string& query,
                                  bool temporary, bool replace) {
  ARROW_RETURN_NOT_OK(CheckTableName(name));
  const bool is_view = LookupView(name).ok();
  if ((is_view && !replace) || (!is_view && Lookup(name).ok())) {
    return arrow::Status::AlreadyExists("\"", name, "\" already exists");
  }
  if (temporary) {
    std::lock_guard<std::mutex> lock(mutex_);
    views_[AsciiLower(name)] = {name, query};
    return arrow::Status::OK();
  }
  ARROW_ASSIGN_OR_RAISE(auto path, WarehousePath(name));
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return arrow::Status::IOError("cannot create ", path, ": ", error.message());
  return WriteFileAtomically((std::filesystem::path(path) / kViewFile).string(),
                             [&](const std::string& file) -> arrow::Status {
                               std::ofstream out(file, std::ios::binary);
                               out << query;
                               out.close();
                               if (!out)
                                 return arrow::Status::IOError("cannot write ", file);
                               return arrow::Status::OK();
                             });
}

arrow::Result<std::string> Catalog::LookupView(const std::string& name) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = views_.find(AsciiLower(name));
    if (it != views_.end()) return it->second.second;
  }
  const auto missing = arrow::Status::KeyError("view \"", name, "\" does not exist");
  if (warehouse_.empty() || !CheckTableName(name).ok()) return missing;
  auto path = WarehousePath(name);
  if (!path.ok()) return missing;
  std::ifstream in(std::filesystem::path(*path) / kViewFile, std::ios::binary);
  if (!in) return missing;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

arrow::Status Catalog::DropView(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (views_.erase(AsciiLower(name)) > 0) return arrow::Status::OK();
  }
  if (!LookupView(name).ok()) {
    return arrow::Status::KeyError("view \"", name, "\" does not exist");
  }
  ARROW_ASSIGN_OR_RAISE(auto path, WarehousePath(name));
  std::error_code error;
  std::filesystem::remove(std::filesystem::path(path) / kViewFile, error);
  if (error)
    return arrow::Status::IOError("cannot remove the view ", path, ": ", error.message());
  std::filesystem::remove(path, error);  // only if empty
  return arrow::Status::OK();
}

}  // namespace sluice::catalog
