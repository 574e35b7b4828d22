#include "api/spark_backend.h"

#include <arrow/array.h>
#include <arrow/scalar.h>
#include <arrow/table.h>

#include "api/spark_streaming_query.h"
#include "api/streaming_query_engine.h"
#include "delta/delta_schema.h"
#include "spark/arrow_batch_decoder.h"
#include "spark/connect/commands.pb.h"
#include "spark/connect/relations.pb.h"
#include "spark/execute_stream.h"
#include "spark/relation_builder.h"
#include "spark/spark_client.h"
#include "spark/spark_types.h"
#include "spark/table_upload.h"

namespace sluice {

namespace {

namespace sc = ::spark::connect;

// The first value of `column` in a command's result, if it has that column.
int64_t CountColumn(const arrow::Table& table, const std::string& column) {
  auto chunked = table.GetColumnByName(column);
  if (!chunked || chunked->length() == 0) return 0;
  auto scalar = chunked->GetScalar(0);
  if (!scalar.ok() || !(*scalar)->is_valid) return 0;
  auto cast = (*scalar)->CastTo(arrow::int64());
  return cast.ok() ? static_cast<const arrow::Int64Scalar&>(**cast).value : 0;
}

arrow::Result<std::shared_ptr<arrow::Table>> CollectRelation(
    const std::shared_ptr<spark::SparkClient>& client, const sc::Relation& relation) {
  ARROW_ASSIGN_OR_RAISE(auto stream, spark::ExecuteStream::Start(client, relation, {}));
  return stream->ToTable();
}

}  // namespace

SparkBackend::SparkBackend(std::shared_ptr<spark::SparkClient> client)
    : client_(std::move(client)) {}

SparkBackend::~SparkBackend() = default;

arrow::Result<std::unique_ptr<SparkBackend>> SparkBackend::Connect(std::string_view uri) {
  ARROW_ASSIGN_OR_RAISE(auto connection, spark::ConnectionString::Parse(uri));
  ARROW_ASSIGN_OR_RAISE(auto client, spark::SparkClient::Connect(std::move(connection)));
  return std::unique_ptr<SparkBackend>(new SparkBackend(std::move(client)));
}

arrow::Result<plan::FrameOpPtr> SparkBackend::Sql(std::string_view sql,
                                                  const std::vector<Param>& params) {
  sc::Command command;
  auto* query = command.mutable_sql_command()->mutable_input()->mutable_sql();
  query->set_query(std::string(sql));
  for (const auto& param : params) {
    ARROW_RETURN_NOT_OK(
        spark::ToLiteral(param, query->add_pos_arguments()->mutable_literal()));
  }
  ARROW_ASSIGN_OR_RAISE(auto result, client_->Run(command));
  // A command ran already and its result came back as a local relation.
  if (result.relation && result.relation->has_local_relation() &&
      result.relation->local_relation().has_data()) {
    auto data = std::make_unique<std::string>(result.relation->local_relation().data());
    ARROW_ASSIGN_OR_RAISE(auto decoded, spark::DecodeArrowBatch(std::move(data)));
    ARROW_ASSIGN_OR_RAISE(
        auto table, arrow::Table::FromRecordBatches(decoded.schema, decoded.batches));
    return plan::FrameOp::Values(std::move(table));
  }
  if (result.relation && !result.relation->has_sql() &&
      !result.relation->has_local_relation()) {
    return arrow::Status::NotImplemented(
        "Spark answered the statement with a relation Sluice cannot hold (",
        result.relation->rel_type_case(), "); it is not supported");
  }
  return plan::FrameOp::Sql(std::string(sql), params);
}

arrow::Result<ExecResult> SparkBackend::Exec(std::string_view sql,
                                             const std::vector<Param>& params) {
  ARROW_ASSIGN_OR_RAISE(auto frame, Sql(sql, params));
  ExecResult out;
  out.message = "OK";
  if (frame->kind() == plan::FrameOp::Kind::kValues) {
    out.rows_affected = CountColumn(*frame->rows(), "num_affected_rows");
  }
  return out;
}

arrow::Status SparkBackend::RegisterDirectoryStream(const std::string& name,
                                                    const std::string& directory,
                                                    std::string_view format,
                                                    const arrow::Schema& schema) {
  const bool json = format == "ndjson" || format == "json";
  if (format != "parquet" && format != "csv" && !json) {
    return arrow::Status::NotImplemented(
        "not supported: directory streams of ", format,
        " files on a Spark session (parquet, csv, ndjson)");
  }
  sc::Command command;
  auto* view = command.mutable_create_dataframe_view();
  view->set_name(name);
  view->set_is_global(false);
  view->set_replace(true);
  auto* read = view->mutable_input()->mutable_read();
  read->set_is_streaming(true);
  auto* source = read->mutable_data_source();
  source->set_format(json ? "json" : std::string(format));
  // Spark reads a struct type's JSON, which is what a Delta schema string is.
  ARROW_ASSIGN_OR_RAISE(*source->mutable_schema(), delta::SchemaToDelta(schema));
  source->add_paths(directory);
  if (format == "csv") (*source->mutable_options())["header"] = "true";
  return client_->Run(command).status();
}

arrow::Result<std::unique_ptr<StreamingQueryEngine>> SparkBackend::WriteStream(
    const plan::FrameOp& frame, const std::string& table,
    const StreamingWriteOptions& options) {
  const char* refused = options.output_mode == OutputMode::kUpdate
                            ? "update mode (Spark's Delta sink appends or completes)"
                        : options.trigger.max_files_per_epoch > 0 ? "max_files_per_epoch"
                        : options.compact_every_epochs > 0        ? "compact_every_epochs"
                        : options.on_progress ? "on_progress (poll RecentProgress)"
                                              : nullptr;
  if (refused) {
    return arrow::Status::NotImplemented("not supported: ", refused,
                                         " in a streaming write on a Spark session");
  }
  sc::Command command;
  auto* start = command.mutable_write_stream_operation_start();
  ARROW_ASSIGN_OR_RAISE(*start->mutable_input(), spark::ToRelation(frame));
  start->set_format("delta");
  start->set_output_mode(OutputModeName(options.output_mode));
  start->set_query_name(options.query_id);
  start->set_table_name(table);
  auto& settings = *start->mutable_options();
  if (!options.checkpoint_location.empty()) {
    settings["checkpointLocation"] = options.checkpoint_location;
  }
  if (options.merge_schema) settings["mergeSchema"] = "true";
  if (options.trigger.kind == Trigger::Kind::kAvailableNow) {
    start->set_available_now(true);
  } else {
    start->set_processing_time_interval(std::to_string(options.trigger.interval.count()) +
                                        " milliseconds");
  }
  ARROW_ASSIGN_OR_RAISE(auto result, client_->Run(command));
  if (!result.write_stream) {
    return arrow::Status::IOError("Spark did not start streaming query ",
                                  options.query_id);
  }
  return std::make_unique<SparkStreamingQuery>(client_, options.query_id,
                                               result.write_stream->query_id());
}

arrow::Status SparkBackend::RegisterTable(const std::string& name,
                                          const arrow::Table& table) {
  sc::Command command;
  auto* view = command.mutable_create_dataframe_view();
  view->set_name(name);
  view->set_is_global(false);
  view->set_replace(false);
  ARROW_ASSIGN_OR_RAISE(*view->mutable_input(), spark::UploadTable(client_.get(), table));
  return client_->Run(command).status();
}

arrow::Status SparkBackend::DropTable(const std::string& name) {
  sc::Relation relation;
  relation.mutable_catalog()->mutable_drop_temp_view()->set_view_name(name);
  ARROW_ASSIGN_OR_RAISE(auto result, CollectRelation(client_, relation));
  if (CountColumn(*result, result->schema()->field(0)->name()) == 0) {
    return arrow::Status::KeyError("no temporary view named '", name, "'");
  }
  return arrow::Status::OK();
}

arrow::Result<std::vector<std::string>> SparkBackend::TableNames() {
  sc::Relation relation;
  relation.mutable_catalog()->mutable_list_tables();
  ARROW_ASSIGN_OR_RAISE(auto result, CollectRelation(client_, relation));
  std::vector<std::string> names;
  auto column = result->GetColumnByName("name");
  if (!column) return names;
  for (const auto& chunk : column->chunks()) {
    const auto& strings = static_cast<const arrow::StringArray&>(*chunk);
    for (int64_t i = 0; i < strings.length(); ++i) {
      names.push_back(std::string(strings.GetView(i)));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

arrow::Status SparkBackend::SetConf(const std::string& key, const std::string& value) {
  return client_->SetConf(key, value);
}

arrow::Result<std::string> SparkBackend::GetConf(const std::string& key) {
  return client_->GetConf(key);
}

arrow::Result<std::shared_ptr<arrow::Schema>> SparkBackend::Schema(
    const plan::FrameOp& frame) {
  if (frame.kind() == plan::FrameOp::Kind::kValues) return frame.rows()->schema();
  ARROW_ASSIGN_OR_RAISE(auto relation, spark::ToRelation(frame));
  return client_->Schema(relation);
}

arrow::Result<std::string> SparkBackend::Explain(const plan::FrameOp& frame) {
  ARROW_ASSIGN_OR_RAISE(auto relation, spark::ToRelation(frame));
  return client_->Explain(relation);
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> SparkBackend::Stream(
    const plan::FrameOp& frame, const ExecOptions& options) {
  if (frame.kind() == plan::FrameOp::Kind::kValues) {
    return std::make_shared<arrow::TableBatchReader>(frame.rows());
  }
  ARROW_ASSIGN_OR_RAISE(auto relation, spark::ToRelation(frame));
  spark::ExecuteOptions execute;
  execute.max_buffered_batches = *options.max_buffered_batches;
  execute.stop_token = options.stop_token;
  ARROW_ASSIGN_OR_RAISE(auto stream,
                        spark::ExecuteStream::Start(client_, relation, execute));
  return stream;
}

}  // namespace sluice
