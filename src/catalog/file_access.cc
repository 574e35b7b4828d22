#include "catalog/file_access.h"

#include <filesystem>

namespace sluice::catalog {

namespace fs = std::filesystem;

namespace {

fs::path Resolve(const fs::path& path) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) return path.lexically_normal();
  fs::path resolved = fs::weakly_canonical(absolute, error);
  return error ? absolute.lexically_normal() : resolved;
}

bool IsWithin(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

// The directory part of a glob before its first wildcard.
fs::path LiteralPrefix(const std::string& glob) {
  const size_t wildcard = glob.find_first_of("*?[");
  if (wildcard == std::string::npos) return glob;
  const size_t slash = glob.rfind('/', wildcard);
  if (slash == std::string::npos) return ".";
  return glob.substr(0, slash == 0 ? 1 : slash);
}

}  // namespace

FileAccess FileAccess::Confined(const std::vector<std::string>& roots) {
  std::vector<std::string> canonical;
  for (const auto& root : roots) canonical.push_back(Resolve(root).string());
  return FileAccess(true, std::move(canonical));
}

arrow::Status FileAccess::CheckRead(const std::string& path) const {
  if (!confined_) return arrow::Status::OK();
  const fs::path resolved = Resolve(LiteralPrefix(path));
  for (const auto& root : roots_) {
    if (IsWithin(resolved, root)) return arrow::Status::OK();
  }
  std::string allowed;
  for (const auto& root : roots_) allowed += (allowed.empty() ? "" : ", ") + root;
  return arrow::Status::IOError(
      "permission denied: '", path, "' is outside the directories this server may read (",
      allowed.empty() ? "none" : allowed, "; see sluiced --allow-read)");
}

}  // namespace sluice::catalog
