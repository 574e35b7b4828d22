#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <arrow/result.h>

namespace sluice {

// A streaming query's write-ahead log of its input: `<dir>/offsets/<epoch>` names the
// source files of that epoch, written (atomically, synced) before the epoch runs. With
// the table's last committed epoch it tells a restarted query what it has processed and
// which epoch to run again with the same input.
class OffsetLog {
 public:
  explicit OffsetLog(std::string directory);

  const std::string& directory() const { return directory_; }

  // Creates the log's directory if needed.
  arrow::Status Open() const;
  arrow::Status Write(int64_t epoch, const std::vector<std::string>& files) const;
  // The files of `epoch`, or nullopt if it was never written.
  arrow::Result<std::optional<std::vector<std::string>>> Read(int64_t epoch) const;
  // Forgets an epoch that failed without committing, so its input is planned afresh.
  arrow::Status Remove(int64_t epoch) const;
  // Every file of epochs 0..last, in epoch order; an error if one of those epochs has
  // no entry (the log does not belong to the table's commits).
  arrow::Result<std::vector<std::string>> FilesUpTo(int64_t last) const;

  // The offset JSON recorded in the commit: {"files": [...]}.
  static std::string ToJson(const std::vector<std::string>& files);

 private:
  std::string EpochPath(int64_t epoch) const;

  std::string directory_;
};

}  // namespace sluice
