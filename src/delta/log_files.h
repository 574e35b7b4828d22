#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <arrow/result.h>

namespace sluice::delta {

// "<root>/_delta_log"
std::filesystem::path LogDir(const std::string& root);

// Versions of the commit files in the log, ascending.
std::vector<int64_t> ListCommits(const std::string& root);

// A whole file's text; IOError naming the path.
arrow::Result<std::string> ReadTextFile(const std::filesystem::path& path);

// A file's modification time in milliseconds since the epoch, or 0.
int64_t FileTimeMillis(const std::string& path);

}  // namespace sluice::delta
