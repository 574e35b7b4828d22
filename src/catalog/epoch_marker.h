#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <arrow/record_batch.h>

namespace sluice::catalog {

// The start or end of a producer's epoch in a streaming table's queue (TableSink::
// BeginEpoch/EndEpoch): a batch without columns, tagged in its schema's metadata.
// Producers cannot forge one: their batches must have the table's columns.
struct EpochMarker {
  enum class Kind { kBegin, kEnd };
  Kind kind;
  int64_t epoch;

  std::shared_ptr<arrow::RecordBatch> ToBatch() const;
  // The marker `batch` is, if it is one.
  static std::optional<EpochMarker> Of(const arrow::RecordBatch& batch);
};

}  // namespace sluice::catalog
