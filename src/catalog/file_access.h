#pragma once

#include <string>
#include <vector>

#include <arrow/status.h>

namespace sluice::catalog {

// Which local files a session's table functions (read_parquet, read_csv, read_ipc,
// delta_scan) may read. Unrestricted by default (the CLI and the embedded library);
// sluiced confines its sessions to the warehouse and the directories given with
// --allow-read. Paths are resolved (symlinks followed, `..` removed) before they are
// checked, so neither can lead outside. Immutable, so thread-safe.
class FileAccess {
 public:
  static FileAccess Unrestricted() { return FileAccess(false, {}); }
  // `roots` that do not exist are kept as given: nothing under them can be read anyway.
  static FileAccess Confined(const std::vector<std::string>& roots);

  bool confined() const { return confined_; }
  // PermissionDenied naming `path` and the readable directories, unless reading it is
  // allowed. `path` may be a glob: its directory part before the first wildcard is
  // checked (each matched file must be checked too).
  arrow::Status CheckRead(const std::string& path) const;

 private:
  FileAccess(bool confined, std::vector<std::string> roots)
      : confined_(confined), roots_(std::move(roots)) {}

  bool confined_;
  std::vector<std::string> roots_;  // canonical
};

}  // namespace sluice::catalog
