#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/table.h>

namespace sluice::exec {

// The rows of a materialized CTE (plan::CommonTable) in one query: computed by the
// first reference that asks, then kept for the others until the query ends.
class CommonTableResult {
 public:
  using Open = std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>()>;

  explicit CommonTableResult(Open open) : open_(std::move(open)) {}

  // The rows; the first call opens and reads the CTE's plan to its end (the others wait
  // for it). An error is every caller's.
  arrow::Result<std::shared_ptr<arrow::Table>> Get();

 private:
  std::mutex mutex_;
  Open open_;
  std::optional<arrow::Result<std::shared_ptr<arrow::Table>>> result_;
};

// One reference to a materialized CTE: `columns` (by index) of its rows, under
// `schema`'s names, read in batches. The rows are fetched at the first ReadNext.
class CommonTableReader : public arrow::RecordBatchReader {
 public:
  CommonTableReader(std::shared_ptr<CommonTableResult> result, std::vector<int> columns,
                    std::shared_ptr<arrow::Schema> schema, int64_t batch_rows)
      : result_(std::move(result)),
        columns_(std::move(columns)),
        schema_(std::move(schema)),
        batch_rows_(batch_rows) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;

 private:
  std::shared_ptr<CommonTableResult> result_;
  std::vector<int> columns_;
  std::shared_ptr<arrow::Schema> schema_;
  int64_t batch_rows_;
  std::shared_ptr<arrow::Table> table_;  // this reference's columns, once fetched
  std::unique_ptr<arrow::TableBatchReader> reader_;
};

}  // namespace sluice::exec
