// DataFrame::WriteStream: checks a streaming write and starts its StreamingQuery.
#include <filesystem>

#include "api/streaming_run.h"
#include "catalog/catalog.h"
#include "catalog/directory_stream.h"
#include "plan/logical_plan.h"
#include "sluice/session.h"
#include "sluice/streaming_write.h"

namespace sluice {

namespace {

// The directory streams `node` reads.
void FindStreams(const plan::LogicalNode& node,
                 std::vector<std::shared_ptr<catalog::DirectoryStream>>* streams) {
  if (auto stream = std::dynamic_pointer_cast<catalog::DirectoryStream>(node.source())) {
    streams->push_back(std::move(stream));
  }
  for (const auto& input : node.inputs()) FindStreams(*input, streams);
}

}  // namespace

arrow::Result<std::unique_ptr<StreamingQuery>> DataFrame::WriteStream(
    const std::string& table, const StreamingWriteOptions& options) const {
  ARROW_RETURN_NOT_OK(status_);
  if (on_spark()) {
    return arrow::Status::NotImplemented(
        "not supported: streaming writes on a Spark session");
  }
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
  std::vector<std::shared_ptr<catalog::DirectoryStream>> streams;
  FindStreams(*plan_, &streams);
  if (streams.size() != 1) {
    return arrow::Status::NotImplemented(
        "not supported: a streaming write of a query that reads ",
        streams.empty() ? "no stream" : "more than one stream",
        " (it must read one directory stream, see RegisterDirectoryStream)");
  }
  const auto& catalog = *session_->catalog_;
  ARROW_ASSIGN_OR_RAISE(auto delta_table, catalog.WarehouseTable(table));
  StreamingWriteOptions resolved = options;
  if (resolved.checkpoint_location.empty()) {
    resolved.checkpoint_location =
        (std::filesystem::path(catalog.warehouse()) / ".streaming" / options.query_id)
            .string();
  }
  auto run = std::make_unique<StreamingRun>(*this, streams[0], std::move(delta_table),
                                            table, std::move(resolved));
  ARROW_RETURN_NOT_OK(run->Recover());
  ARROW_RETURN_NOT_OK(streams[0]->Claim(options.query_id));
  return std::unique_ptr<StreamingQuery>(new StreamingQuery(std::move(run)));
}

}  // namespace sluice
