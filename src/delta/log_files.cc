#include "delta/log_files.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sluice::delta {

namespace fs = std::filesystem;

fs::path LogDir(const std::string& root) { return fs::path(root) / "_delta_log"; }

std::vector<int64_t> ListCommits(const std::string& root) {
  std::vector<int64_t> versions;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(LogDir(root), error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 25 && name.compare(20, 5, ".json") == 0 &&
        name.find_first_not_of("0123456789") == 20) {
      versions.push_back(std::stoll(name.substr(0, 20)));
    }
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

arrow::Result<std::string> ReadTextFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return arrow::Status::IOError("cannot read ", path.string(), ": ",
                                  std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int64_t FileTimeMillis(const std::string& path) {
  std::error_code error;
  const auto mtime = fs::last_write_time(path, error);
  if (error) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::file_clock::to_sys(mtime).time_since_epoch())
      .count();
}

}  // namespace sluice::delta
