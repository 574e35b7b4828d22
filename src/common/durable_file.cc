#include "common/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace sluice {

namespace fs = std::filesystem;

namespace {

arrow::Status SyncOpened(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    return arrow::Status::IOError("cannot open ", path, ": ", std::strerror(errno));
  const int synced = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (synced != 0) {
    return arrow::Status::IOError("cannot sync ", path, ": ", std::strerror(saved));
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Status SyncFile(const std::string& path) { return SyncOpened(path, O_RDONLY); }

arrow::Status SyncDirectory(const std::string& path) {
  return SyncOpened(path.empty() ? "." : path, O_RDONLY | O_DIRECTORY);
}

std::string PrivateTempName(const std::string& target) {
  const fs::path path(target);
  return (path.parent_path() /
          ("." + path.filename().string() + "." + std::to_string(::getpid()) + "." +
           std::to_string(std::random_device{}()) + ".tmp"))
      .string();
}

arrow::Status WriteFileAtomically(
    const std::string& target,
    const std::function<arrow::Status(const std::string&)>& write) {
  const std::string temp = PrivateTempName(target);
  auto status = write(temp);
  if (status.ok()) status = SyncFile(temp);
  std::error_code error;
  if (status.ok()) {
    fs::rename(temp, target, error);
    if (error)
      status = arrow::Status::IOError("cannot write ", target, ": ", error.message());
  }
  if (!status.ok()) {
    fs::remove(temp, error);
    return status;
  }
  return SyncDirectory(fs::path(target).parent_path().string());
}

}  // namespace sluice
