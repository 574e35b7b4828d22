#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace sluice::spark {

// The record batches of one ArrowBatch response (an Arrow IPC stream: a schema, then
// batches). Takes the response's bytes without copying: the batches point into them.
struct DecodedBatches {
  std::shared_ptr<arrow::Schema> schema;
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
};
arrow::Result<DecodedBatches> DecodeArrowBatch(std::unique_ptr<std::string> data);

}  // namespace sluice::spark
