#pragma once

#include <memory>
#include <vector>

#include <arrow/record_batch.h>

namespace sluice::exec {

// Shapes a query's rows into a table's columns for INSERT: target column i takes the
// query's column sources[i] (by position) cast to the table's type, or NULL when
// sources[i] is -1. A NULL reaching a NOT NULL column fails the stream, naming it.
class InsertReader : public arrow::RecordBatchReader {
 public:
  // Checks before anything is read that every cast is possible; TypeError naming the
  // column otherwise.
  static arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Make(
      std::shared_ptr<arrow::RecordBatchReader> input,
      std::shared_ptr<arrow::Schema> target, std::vector<int> sources);

  std::shared_ptr<arrow::Schema> schema() const override { return target_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override { return input_->Close(); }

 private:
  InsertReader(std::shared_ptr<arrow::RecordBatchReader> input,
               std::shared_ptr<arrow::Schema> target, std::vector<int> sources);

  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::shared_ptr<arrow::Schema> target_;
  std::vector<int> sources_;
};

}  // namespace sluice::exec
