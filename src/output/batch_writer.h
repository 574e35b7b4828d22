#pragma once

#include <memory>
#include <string>

#include <arrow/io/interfaces.h>
#include <arrow/record_batch.h>

namespace sluice::output {

enum class OutputFormat { kTable, kCsv, kNdjson, kArrow };

// "table", "csv", "ndjson" or "arrow" (an Arrow IPC stream); anything else is Invalid.
arrow::Result<OutputFormat> ParseOutputFormat(const std::string& name);

// Writes a stream of batches in one text or binary format, flushing after every batch so
// a reader downstream sees rows as soon as they are produced.
class BatchWriter {
 public:
  virtual ~BatchWriter() = default;
  virtual arrow::Status Write(const arrow::RecordBatch& batch) = 0;
  // Ends the output (IPC end-of-stream marker, the table's footer).
  virtual arrow::Status Finish() = 0;
};

arrow::Result<std::unique_ptr<BatchWriter>> MakeBatchWriter(
    OutputFormat format, std::shared_ptr<arrow::io::OutputStream> sink,
    std::shared_ptr<arrow::Schema> schema);

// One JSON object per row, keys in column order, a newline after each ("NDJSON"). Numbers
// stay numbers; NaN and infinities, which JSON cannot hold, become null.
arrow::Status AppendNdjson(const arrow::RecordBatch& batch, std::string* out);

}  // namespace sluice::output
