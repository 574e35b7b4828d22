#include "api/offset_log.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/durable_file.h"

namespace sluice {

namespace fs = std::filesystem;

OffsetLog::OffsetLog(std::string directory, int64_t compact_every)
    : directory_(std::move(directory)),
      compact_every_(std::max<int64_t>(1, compact_every)) {}

std::string OffsetLog::EpochPath(int64_t epoch) const {
  return (fs::path(directory_) / "offsets" / std::to_string(epoch)).string();
}

arrow::Status OffsetLog::Open() const {
  std::error_code error;
  fs::create_directories(fs::path(directory_) / "offsets", error);
  if (error) {
    return arrow::Status::IOError("cannot create the checkpoint directory ", directory_,
                                  ": ", error.message());
  }
  return arrow::Status::OK();
}

std::string OffsetLog::ToJson(const std::vector<std::string>& files) {
  return nlohmann::json{{"files", files}}.dump();
}

arrow::Status OffsetLog::Write(int64_t epoch,
                               const std::vector<std::string>& files) const {
  return WriteFiles(EpochPath(epoch), files);
}

arrow::Status OffsetLog::WriteFiles(const std::string& target,
                                    const std::vector<std::string>& files) const {
  const std::string text = ToJson(files);
  return WriteFileAtomically(target, [&](const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return arrow::Status::IOError("cannot write ", path);
    return arrow::Status::OK();
  });
}

arrow::Result<std::optional<std::vector<std::string>>> OffsetLog::Read(
    int64_t epoch) const {
  return ReadFiles(EpochPath(epoch));
}

arrow::Result<std::optional<std::vector<std::string>>> OffsetLog::ReadFiles(
    const std::string& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::optional<std::vector<std::string>>();
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("files") || !json["files"].is_array()) {
    return arrow::Status::IOError("offset log entry ", path, " is not readable");
  }
  std::vector<std::string> files;
  for (const auto& file : json["files"]) {
    if (!file.is_string())
      return arrow::Status::IOError("offset log entry ", path, " is not readable");
    files.push_back(file.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(files));
}

arrow::Status OffsetLog::Remove(int64_t epoch) const {
  std::error_code error;
  fs::remove(EpochPath(epoch), error);
  if (error) return arrow::Status::IOError("cannot remove ", EpochPath(epoch));
  return SyncDirectory((fs::path(directory_) / "offsets").string());
}

arrow::Status OffsetLog::Committed(int64_t epoch,
                                   const std::vector<std::string>& files) const {
  if ((epoch + 1) % compact_every_ != 0) return arrow::Status::OK();
  ARROW_RETURN_NOT_OK(WriteFiles(EpochPath(epoch) + ".compact", files));
  // The entries (and the older compact file) it covers are no longer needed.
  std::error_code error;
  for (int64_t covered = epoch - compact_every_ + 1; covered <= epoch; ++covered) {
    fs::remove(EpochPath(covered), error);
  }
  if (epoch >= compact_every_)
    fs::remove(EpochPath(epoch - compact_every_) + ".compact", error);
  return arrow::Status::OK();
}

arrow::Result<std::vector<std::string>> OffsetLog::FilesUpTo(int64_t last) const {
  std::vector<std::string> files;
  int64_t first = 0;
  // The newest compact entry at or before `last`, if any.
  for (int64_t compact = (last + 1) / compact_every_ * compact_every_ - 1; compact >= 0;
       compact -= compact_every_) {
    ARROW_ASSIGN_OR_RAISE(auto entry, ReadFiles(EpochPath(compact) + ".compact"));
    if (!entry) continue;
    files = std::move(*entry);
    first = compact + 1;
    break;
  }
  for (int64_t epoch = first; epoch <= last; ++epoch) {
    ARROW_ASSIGN_OR_RAISE(auto entry, Read(epoch));
    if (!entry) {
      return arrow::Status::IOError(
          "the table has epoch ", epoch, " of this query committed, but the checkpoint ",
          directory_, " has no offsets for it: it belongs to another query or was lost");
    }
    files.insert(files.end(), entry->begin(), entry->end());
  }
  return files;
}

}  // namespace sluice
