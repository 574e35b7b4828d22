#include "catalog/directory_stream.h"

#include <algorithm>
#include <filesystem>

namespace sluice::catalog {

namespace fs = std::filesystem;

namespace {

bool HasExtension(FileFormatKind format, const fs::path& path) {
  const std::string extension = path.extension().string();
  switch (format) {
    case FileFormatKind::kParquet:
      return extension == ".parquet";
    case FileFormatKind::kCsv:
      return extension == ".csv";
    case FileFormatKind::kIpc:
      return extension == ".arrow" || extension == ".feather" || extension == ".ipc";
    case FileFormatKind::kNdjson:
      return extension == ".ndjson" || extension == ".jsonl" || extension == ".json";
  }
  return false;
}

// The data files now in `directory`, by name, in name order.
arrow::Result<std::vector<std::string>> ListFiles(FileFormatKind format,
                                                  const std::string& directory) {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name[0] == '_') continue;
    if (!it->is_regular_file() || !HasExtension(format, it->path())) continue;
    names.push_back(name);
  }
  if (error) {
    return arrow::Status::IOError("cannot list the stream directory ", directory, ": ",
                                  error.message());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

arrow::Result<std::shared_ptr<DirectoryStream>> DirectoryStream::Open(
    std::string name, FileFormatKind format, std::string directory,
    std::shared_ptr<arrow::Schema> schema, const FileAccess& access) {
  ARROW_RETURN_NOT_OK(access.CheckRead(directory));
  if (!fs::is_directory(directory)) {
    return arrow::Status::IOError("stream directory ", directory, " does not exist");
  }
  if (!schema) {
    ARROW_ASSIGN_OR_RAISE(auto files, ListFiles(format, directory));
    if (files.empty()) {
      return arrow::Status::Invalid("stream directory ", directory,
                                    " is empty: give the stream's schema");
    }
    ARROW_ASSIGN_OR_RAISE(
        auto first,
        FileTable::Open(format, (fs::path(directory) / files[0]).string(), access));
    schema = first->schema();
  }
  return std::shared_ptr<DirectoryStream>(new DirectoryStream(
      std::move(name), format, std::move(directory), std::move(schema)));
}

DirectoryStream::DirectoryStream(std::string name, FileFormatKind format,
                                 std::string directory,
                                 std::shared_ptr<arrow::Schema> schema)
    : name_(std::move(name)),
      format_(format),
      directory_(std::move(directory)),
      schema_(std::move(schema)) {}

std::string DirectoryStream::Describe() const {
  return "directory stream " + name_ + " ('" + directory_ + "')";
}

arrow::Result<std::vector<std::string>> DirectoryStream::ListNew(
    const std::set<std::string>& seen, int64_t limit) const {
  ARROW_ASSIGN_OR_RAISE(auto names, ListFiles(format_, directory_));
  std::vector<std::string> fresh;
  for (auto& name : names) {
    if (seen.count(name)) continue;
    fresh.push_back(std::move(name));
    if (limit > 0 && static_cast<int64_t>(fresh.size()) == limit) break;
  }
  return fresh;
}

arrow::Status DirectoryStream::ClaimedError() const {
  return arrow::Status::Invalid(
      "directory stream ", name_, " is being written by streaming query \"", claimed_by_,
      "\"; register the directory under another name to read it");
}

arrow::Result<int64_t> DirectoryStream::TotalBytes(
    const std::vector<std::string>& files) const {
  int64_t total = 0;
  for (const auto& name : files) {
    std::error_code error;
    const auto size = fs::file_size(fs::path(directory_) / name, error);
    if (error) {
      return arrow::Status::IOError("file ", name, " of directory stream ", name_, ": ",
                                    error.message());
    }
    total += static_cast<int64_t>(size);
  }
  return total;
}

arrow::Status DirectoryStream::CheckScannable() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return claimed_by_.empty() ? arrow::Status::OK() : ClaimedError();
}

arrow::Status DirectoryStream::Claim(const std::string& query_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!claimed_by_.empty()) return ClaimedError();
  claimed_by_ = query_id;
  return arrow::Status::OK();
}

void DirectoryStream::Release() {
  std::lock_guard<std::mutex> lock(mutex_);
  claimed_by_.clear();
  epoch_input_.reset();
}

void DirectoryStream::SetEpochInput(std::vector<std::string> files) {
  std::lock_guard<std::mutex> lock(mutex_);
  epoch_input_ = std::move(files);
}

arrow::Result<ScanStream> DirectoryStream::MakeScan(const ScanRequest& request) const {
  std::optional<std::vector<std::string>> names;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    names = epoch_input_;
  }
  if (!names) {
    ARROW_ASSIGN_OR_RAISE(names, ListFiles(format_, directory_));
  }
  std::vector<std::string> paths;
  for (const auto& name : *names) paths.push_back((fs::path(directory_) / name).string());
  auto files = FileTable::OfFiles(format_, Describe(), std::move(paths), schema_);
  return files->MakeScan(request);
}

}  // namespace sluice::catalog
