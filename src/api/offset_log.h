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
//
// Every `compact_every` epochs, `<dir>/offsets/<epoch>.compact` records the files of all
// epochs up to it and the single entries it covers are deleted, so a restart reads at
// most one compact file and `compact_every` entries, however long the query has run.
class OffsetLog {
 public:
  explicit OffsetLog(std::string directory, int64_t compact_every = 1000);

  const std::string& directory() const { return directory_; }

  // Creates the log's directory if needed.
  arrow::Status Open() const;
  arrow::Status Write(int64_t epoch, const std::vector<std::string>& files) const;
  // The files of `epoch`, or nullopt if it was never written.
  arrow::Result<std::optional<std::vector<std::string>>> Read(int64_t epoch) const;
  // After epoch `epoch` committed with `files` the input of every epoch so far (in
  // order): writes a compact entry if `epoch` is at the interval.
  arrow::Status Committed(int64_t epoch, const std::vector<std::string>& files) const;
  // Forgets an epoch that failed without committing, so its input is planned afresh.
  arrow::Status Remove(int64_t epoch) const;
  // Every file of epochs 0..last, in epoch order; an error if one of those epochs has
  // no entry (the log does not belong to the table's commits).
  arrow::Result<std::vector<std::string>> FilesUpTo(int64_t last) const;

  // The offset JSON recorded in the commit: {"files": [...]}.
  static std::string ToJson(const std::vector<std::string>& files);

 private:
  std::string EpochPath(int64_t epoch) const;
  arrow::Result<std::optional<std::vector<std::string>>> ReadFiles(
      const std::string& path) const;
  arrow::Status WriteFiles(const std::string& path,
                           const std::vector<std::string>& files) const;

  std::string directory_;
  int64_t compact_every_;
};

}  // namespace sluice
