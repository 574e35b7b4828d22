#include "api/offset_log.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/durable_file.h"

namespace sluice {

namespace fs = std::filesystem;

OffsetLog::OffsetLog(std::string directory) : directory_(std::move(directory)) {}

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
  const std::string text = ToJson(files);
  return WriteFileAtomically(EpochPath(epoch), [&](const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return arrow::Status::IOError("cannot write ", path);
    return arrow::Status::OK();
  });
}

arrow::Result<std::optional<std::vector<std::string>>> OffsetLog::Read(
    int64_t epoch) const {
  const std::string path = EpochPath(epoch);
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

arrow::Result<std::vector<std::string>> OffsetLog::FilesUpTo(int64_t last) const {
  std::vector<std::string> files;
  for (int64_t epoch = 0; epoch <= last; ++epoch) {
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
