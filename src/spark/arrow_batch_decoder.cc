#include "spark/arrow_batch_decoder.h"

#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/reader.h>
#include <arrow/record_batch.h>

namespace sluice::spark {

arrow::Result<DecodedBatches> DecodeArrowBatch(std::unique_ptr<std::string> data) {
  if (!data) return arrow::Status::Invalid("Spark sent an ArrowBatch without data");
  auto buffer = arrow::Buffer::FromString(std::move(*data));
  auto input = std::make_shared<arrow::io::BufferReader>(std::move(buffer));
  ARROW_ASSIGN_OR_RAISE(auto reader, arrow::ipc::RecordBatchStreamReader::Open(input));
  DecodedBatches out;
  out.schema = reader->schema();
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader->ReadNext(&batch));
    if (!batch) break;
    out.batches.push_back(std::move(batch));
  }
  return out;
}

}  // namespace sluice::spark
