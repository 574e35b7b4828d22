#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/dictionary_sizes.h"
#include "catalog/file_access.h"
#include "catalog/table_source.h"

namespace arrow::dataset {
class FileFormat;
class FileSystemDataset;
}  // namespace arrow::dataset

namespace sluice::catalog {

enum class FileFormatKind { kParquet, kCsv, kIpc, kNdjson };

// "parquet", "csv", "arrow" or "ipc", "ndjson" or "json"; nullopt for anything else.
std::optional<FileFormatKind> FileFormatNamed(std::string_view name);

// Files on the local filesystem matched by a glob, read through Arrow Datasets. Files are
// scanned in sorted path order; each file is one unit of partitioning.
class FileTable : public TableSource {
 public:
  // Expands `glob` and infers the schema from the files. Fails, naming the glob, if
  // nothing matches or a file cannot be read as `format`, and naming the path if
  // `access` does not allow reading it.
  static arrow::Result<std::shared_ptr<FileTable>> Open(FileFormatKind format,
                                                        const std::string& glob,
                                                        const FileAccess& access);

  // Exactly `paths`, read with `schema` (nothing is inferred or listed); `description`
  // names them in EXPLAIN.
  static std::shared_ptr<FileTable> OfFiles(FileFormatKind format,
                                            std::string description,
                                            std::vector<std::string> paths,
                                            std::shared_ptr<arrow::Schema> schema);

  std::shared_ptr<arrow::Schema> schema() const override;
  std::string Describe() const override;
  int MaxPartitions() const override;
  // Parquet: the row counts in the footers; other formats: from the files' sizes.
  std::optional<int64_t> EstimatedRows() const override;
  // Parquet: the sum of every footer's row count (each read when asked); other
  // formats: unknown.
  std::optional<int64_t> ExactRows() const override;
  // Parquet: the entries of the first file's dictionary for the column, where it has
  // one; other formats: unknown.
  std::optional<int64_t> EstimatedDistinct(const std::string& column) const override;
  arrow::Result<ScanStream> MakeScan(const ScanRequest& request) const override;

  const std::vector<std::string>& paths() const { return paths_; }

 private:
  FileTable(FileFormatKind kind, std::string glob, std::vector<std::string> paths,
            std::shared_ptr<arrow::dataset::FileFormat> format,
            std::shared_ptr<arrow::Schema> schema);

  FileFormatKind kind_;
  std::string glob_;
  std::vector<std::string> paths_;
  std::shared_ptr<arrow::dataset::FileFormat> format_;
  std::shared_ptr<arrow::Schema> schema_;
  int64_t CountRows() const;
  // EstimatedRows reads footers once.
  mutable std::once_flag estimate_once_;
  mutable int64_t estimated_rows_ = 0;
  DictionarySizes dictionary_sizes_;  // of the first file
};

}  // namespace sluice::catalog
