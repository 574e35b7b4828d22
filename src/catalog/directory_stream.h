#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "catalog/file_access.h"
#include "catalog/file_table.h"
#include "catalog/table_source.h"

namespace sluice::catalog {

// A directory that files arrive in, the source of a streaming write
// (Session::RegisterDirectoryStream). Files are taken in name order, so producers that
// name them by time or sequence get them processed in that order; names starting with
// "." or "_" are skipped, so a producer writes a hidden file and renames it in when it is
// complete. Only files with the format's extensions count (.parquet; .csv; .arrow,
// .feather, .ipc; .ndjson, .jsonl, .json).
//
// A streaming write claims the stream (Claim) and sets the files each epoch reads
// (SetEpochInput); while it holds the claim no other query may name the stream (another
// writer of the same directory registers it under a name of its own). Unclaimed, a query
// reads every file present when it starts.
class DirectoryStream : public TableSource {
 public:
  // `schema` may be null: it is then read from the first file, and the directory must
  // not be empty.
  static arrow::Result<std::shared_ptr<DirectoryStream>> Open(
      std::string name, FileFormatKind format, std::string directory,
      std::shared_ptr<arrow::Schema> schema, const FileAccess& access);

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  std::string Describe() const override;
  arrow::Status CheckScannable() const override;
  arrow::Result<ScanStream> MakeScan(const ScanRequest& request) const override;

  const std::string& name() const { return name_; }
  // The files now in the directory that are not in `seen`, in name order, at most
  // `limit` of them (0: all).
  arrow::Result<std::vector<std::string>> ListNew(const std::set<std::string>& seen,
                                                  int64_t limit) const;
  // The total size of these files (names in the directory).
  arrow::Result<int64_t> TotalBytes(const std::vector<std::string>& files) const;
  // Takes the stream for streaming query `query_id`; Invalid if another holds it.
  arrow::Status Claim(const std::string& query_id);
  // Gives the stream back: scans read every file present again.
  void Release();
  // From now on, scans read exactly these files (names in the directory).
  void SetEpochInput(std::vector<std::string> files);

 private:
  DirectoryStream(std::string name, FileFormatKind format, std::string directory,
                  std::shared_ptr<arrow::Schema> schema);

  arrow::Status ClaimedError() const;  // with mutex_ held

  std::string name_;
  FileFormatKind format_;
  std::string directory_;
  std::shared_ptr<arrow::Schema> schema_;
  mutable std::mutex mutex_;
  std::optional<std::vector<std::string>> epoch_input_;
  std::string claimed_by_;  // the streaming query holding the stream; empty: none
};

}  // namespace sluice::catalog
