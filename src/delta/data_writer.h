#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>

#include "delta/actions.h"

namespace sluice::delta {

// Writes batches of a table's rows as Parquet data files under the table root, one file
// per partition value (hive-style directories `col=value/`, NULL as
// __HIVE_DEFAULT_PARTITION__), starting a new file after `target_file_rows` rows.
// Partition columns are not stored in the files. A file's first rows (up to
// kEncodingSampleRows) are held until its column encodings are chosen from them; the
// columns without NULLs in those rows are stored REQUIRED, and a later batch with a NULL
// in one of them starts a new file. Collects each file's Delta statistics (numRecords,
// minValues, maxValues, nullCount). Not thread-safe.
class DataWriter {
 public:
  DataWriter(std::string root, std::shared_ptr<arrow::Schema> table_schema,
             std::vector<std::string> partition_columns, int64_t target_file_rows);
  ~DataWriter();

  arrow::Status Write(const std::shared_ptr<arrow::RecordBatch>& batch);
  // Closes every file and returns their add actions (dataChange = true).
  arrow::Result<std::vector<AddFile>> Finish();
  // Deletes every file written so far (the commit did not happen).
  void Abort();

  int64_t rows() const { return rows_; }

 private:
  struct OpenFile;
  arrow::Status WritePartition(const PartitionValues& values,
                               const std::shared_ptr<arrow::RecordBatch>& batch);
  arrow::Status StartFile(OpenFile* file);
  arrow::Status WriteStored(const OpenFile& file, const arrow::RecordBatch& batch);
  arrow::Status CloseFile(OpenFile* file);

  std::string root_;
  std::shared_ptr<arrow::Schema> table_schema_;
  std::shared_ptr<arrow::Schema> file_schema_;  // without partition columns
  std::vector<std::string> partition_columns_;
  std::vector<int> partition_indices_, data_indices_;
  int64_t target_file_rows_;
  std::map<std::string, std::unique_ptr<OpenFile>> open_;  // by partition directory
  std::vector<AddFile> done_;
  std::vector<std::string> written_paths_;
  int64_t rows_ = 0;
};

// The string form of a partition value in the log, and back.
arrow::Result<std::optional<std::string>> PartitionValueToString(
    const arrow::Scalar& value);
arrow::Result<std::shared_ptr<arrow::Scalar>> PartitionValueFromString(
    const std::optional<std::string>& text, const std::shared_ptr<arrow::DataType>& type);

}  // namespace sluice::delta
