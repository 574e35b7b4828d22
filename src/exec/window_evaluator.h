#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "plan/window_call.h"

namespace sluice::exec {

// Computes a Window node's functions over a chunk of whole partitions: the chunk's rows
// are sorted by the partition keys and then the ORDER BY keys, and `partition_starts`
// (ascending, starting with 0) says where each partition begins. Every function runs
// over the whole chunk in one pass, however many partitions it holds. Thread-compatible.
class WindowEvaluator {
 public:
  // `order` are the ORDER BY columns (rows with equal values in all of them are peers);
  // `output` is the input's schema followed by one field per call.
  WindowEvaluator(std::vector<std::string> order, std::vector<plan::WindowCall> calls,
                  std::shared_ptr<arrow::Schema> output);

  // The chunk with one more column per call.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Evaluate(
      const std::shared_ptr<arrow::RecordBatch>& chunk,
      const std::vector<int64_t>& partition_starts) const;

  const std::shared_ptr<arrow::Schema>& schema() const { return output_; }

 private:
  std::vector<std::string> order_;
  std::vector<plan::WindowCall> calls_;
  std::shared_ptr<arrow::Schema> output_;
};

// Sets changed[i] for every row i >= 1 of `column` whose value differs from row i - 1's
// (NULLs equal each other). `changed` has one entry per row.
arrow::Status MarkChanges(const arrow::Array& column, std::vector<uint8_t>* changed);

}  // namespace sluice::exec
