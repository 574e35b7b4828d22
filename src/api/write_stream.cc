// DataFrame::WriteStream: checks a streaming write and starts its StreamingQuery.
#include <filesystem>

#include "api/spark_backend.h"
#include "api/streaming_run.h"
#include "catalog/catalog.h"
#include "catalog/directory_stream.h"
#include "catalog/streaming_table.h"
#include "delta/delta_table.h"
#include "plan/logical_plan.h"
#include "sluice/session.h"
#include "sluice/streaming_write.h"

namespace sluice {

namespace {

// The unbounded sources `node` reads: directory streams and streaming tables.
void FindStreams(const plan::LogicalNode& node, std::vector<StreamingSource>* streams) {
  if (auto stream = std::dynamic_pointer_cast<catalog::DirectoryStream>(node.source())) {
    streams->push_back({std::move(stream), nullptr});
  } else if (auto table =
                 std::dynamic_pointer_cast<catalog::StreamingTable>(node.source())) {
    streams->push_back({nullptr, std::move(table)});
  }
  for (const auto& input : node.inputs()) FindStreams(*input, streams);
}

// Update mode needs key columns of the result; the other modes take none.
arrow::Status CheckKeys(const StreamingWriteOptions& options,
                        const arrow::Schema& result) {
  if (options.output_mode != OutputMode::kUpdate) {
    if (options.key_columns.empty()) return arrow::Status::OK();
    return arrow::Status::Invalid("key columns are for update mode; output mode ",
                                  OutputModeName(options.output_mode), " takes none");
  }
  if (options.key_columns.empty()) {
    return arrow::Status::Invalid(
        "update mode needs key columns (StreamingWriteOptions::key_columns)");
  }
  for (const auto& key : options.key_columns) {
    if (result.GetFieldIndex(key) < 0) {
      return arrow::Status::KeyError("update key column \"", key,
                                     "\" is not a column of the query's result");
    }
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<std::unique_ptr<StreamingQuery>> DataFrame::WriteStream(
    const std::string& table, const StreamingWriteOptions& options) const {
  ARROW_RETURN_NOT_OK(status_);
  if (options.query_id.empty()) {
    return arrow::Status::Invalid(
        "a streaming write needs a query id (StreamingWriteOptions::query_id)");
  }
  // The id names the default checkpoint directory: the rules of a table name apply.
  auto id_check = catalog::Catalog::CheckTableName(options.query_id);
  if (!id_check.ok()) {
    return arrow::Status::Invalid("query id \"", options.query_id,
                                  "\": ", id_check.message());
  }
  if (on_spark()) {
    ARROW_ASSIGN_OR_RAISE(auto engine,
                          session_->spark_->WriteStream(*op_, table, options));
    return std::unique_ptr<StreamingQuery>(new StreamingQuery(std::move(engine)));
  }
  ARROW_RETURN_NOT_OK(CheckKeys(options, *schema()));
  std::vector<StreamingSource> streams;
  FindStreams(*plan_, &streams);
  if (streams.size() > 1) {
    return arrow::Status::NotImplemented(
        "not supported: a streaming write of a query that reads more than one stream");
  }
  const StreamingSource source = streams.empty() ? StreamingSource{} : streams[0];
  if (source.push && options.output_mode == OutputMode::kComplete) {
    return arrow::Status::NotImplemented(
        "not supported: complete mode over a streaming table (its epochs are not kept, "
        "so a result over every input so far cannot be recomputed)");
  }
  const auto& catalog = *session_->catalog_;
  ARROW_ASSIGN_OR_RAISE(auto delta_table, catalog.WarehouseTable(table));
  StreamingWriteOptions resolved = options;
  if (resolved.checkpoint_location.empty()) {
    resolved.checkpoint_location =
        (std::filesystem::path(catalog.warehouse()) / ".streaming" / options.query_id)
            .string();
  }
  auto run = std::make_unique<StreamingRun>(*this, source, std::move(delta_table),
                                            std::move(resolved));
  ARROW_RETURN_NOT_OK(run->Recover());
  if (source.directory) ARROW_RETURN_NOT_OK(source.directory->Claim(options.query_id));
  if (source.push) ARROW_RETURN_NOT_OK(source.push->Claim(options.query_id));
  run->Start();
  return std::unique_ptr<StreamingQuery>(new StreamingQuery(std::move(run)));
}

arrow::Result<int64_t> Session::LastCommittedEpoch(std::string_view table,
                                                   std::string_view query_id) {
  if (spark_) {
    return arrow::Status::NotImplemented(
        "not supported: LastCommittedEpoch on a Spark session");
  }
  ARROW_ASSIGN_OR_RAISE(auto delta_table, catalog_->WarehouseTable(std::string(table)));
  ARROW_ASSIGN_OR_RAISE(auto version,
                        delta_table->LatestTxnVersion(std::string(query_id)));
  return version.value_or(-1);
}

}  // namespace sluice
