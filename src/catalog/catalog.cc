#include "catalog/catalog.h"

#include <algorithm>
#include <cctype>

namespace sluice::catalog {

namespace {
std::string Lower(const std::string& name) {
  std::string out = name;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}
}  // namespace

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
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tables_.find(Lower(name));
  if (it == tables_.end())
    return arrow::Status::KeyError("table '", name, "' does not exist");
  return it->second.second;
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
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [key, entry] : tables_) names.push_back(entry.first);
  return names;
}

}  // namespace sluice::catalog
