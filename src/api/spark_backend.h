#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "plan/frame_op.h"
#include "sluice/exec_options.h"
#include "sluice/session.h"
#include "sluice/streaming_write.h"

namespace sluice {

namespace spark {
class SparkClient;
}
class StreamingQueryEngine;

// What a Session does when it is connected to Spark ("sc://..."): SQL is Spark's dialect
// and runs on the server; DataFrames are lowered to Spark Connect relations; results
// stream back as Arrow batches. Thread-safe.
class SparkBackend {
 public:
  static arrow::Result<std::unique_ptr<SparkBackend>> Connect(std::string_view uri);
  ~SparkBackend();

  // Sends one statement to Spark, as pyspark's spark.sql does: a command (DDL, DML, SET,
  // SHOW...) runs now, once, and the frame holds its result; a query stays lazy.
  arrow::Result<plan::FrameOpPtr> Sql(std::string_view sql,
                                      const std::vector<Param>& params);
  // Runs one statement to the end; DML reports Spark's num_affected_rows.
  arrow::Result<ExecResult> Exec(std::string_view sql, const std::vector<Param>& params);
  // Makes `directory` a streaming temporary view `name`: Spark reads the files that
  // arrive in it ("parquet", "csv" with a header line, or "ndjson") with `schema`.
  arrow::Status RegisterDirectoryStream(const std::string& name,
                                        const std::string& directory,
                                        std::string_view format,
                                        const arrow::Schema& schema);
  // Starts a Spark Structured Streaming query that writes `frame` (which reads a
  // streaming view) into Delta table `table` of Spark's catalog.
  arrow::Result<std::unique_ptr<StreamingQueryEngine>> WriteStream(
      const plan::FrameOp& frame, const std::string& table,
      const StreamingWriteOptions& options);
  // Uploads `table` and makes it a temporary view `name` of the Spark session.
  arrow::Status RegisterTable(const std::string& name, const arrow::Table& table);
  arrow::Status DropTable(const std::string& name);
  arrow::Result<std::vector<std::string>> TableNames();
  // Spark session configuration.
  arrow::Status SetConf(const std::string& key, const std::string& value);
  arrow::Result<std::string> GetConf(const std::string& key);

  arrow::Result<std::shared_ptr<arrow::Schema>> Schema(const plan::FrameOp& frame);
  arrow::Result<std::string> Explain(const plan::FrameOp& frame);
  // Starts the query; `options` has every field resolved.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Stream(
      const plan::FrameOp& frame, const ExecOptions& options);

 private:
  explicit SparkBackend(std::shared_ptr<spark::SparkClient> client);

  std::shared_ptr<spark::SparkClient> client_;
};

}  // namespace sluice
