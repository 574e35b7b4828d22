#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <arrow/record_batch.h>

#include "catalog/table_source.h"

namespace sluice::catalog {

// A table whose rows come from a RecordBatchReader, read as the query pulls: nothing is
// read before a query scans it and nothing is materialised. `open` makes the reader for
// each scan. A table made from one reader (`once`) can be scanned by one query; a second
// scan is refused, naming the table.
//
// Readers may block (a Python generator, a remote stream), so they are read on Arrow's
// I/O threads, one ReadNext at a time, never on the query's CPU threads.
class ReaderTable : public TableSource {
 public:
  using Opener =
      std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>()>;
  ReaderTable(std::string name, std::shared_ptr<arrow::Schema> schema, Opener open,
              bool once);

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  std::string Describe() const override;
  arrow::Status CheckScannable() const override;
  arrow::Result<ScanStream> MakeScan(const ScanRequest& request) const override;

 private:
  std::string name_;
  std::shared_ptr<arrow::Schema> schema_;
  Opener open_;
  bool once_;
  mutable std::mutex mutex_;
  mutable bool scanned_ = false;
};

}  // namespace sluice::catalog
