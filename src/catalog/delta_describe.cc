#include "catalog/delta_describe.h"

#include <arrow/builder.h>
#include <arrow/table.h>
#include <nlohmann/json.hpp>

#include "catalog/memory_table.h"
#include "delta/delta_table.h"
#include "delta/snapshot.h"

namespace sluice::catalog {

arrow::Result<std::shared_ptr<TableSource>> MakeHistorySource(delta::DeltaTable* table,
                                                              const std::string& name) {
  ARROW_ASSIGN_OR_RAISE(auto history, table->History());
  arrow::Int64Builder versions, read_versions;
  arrow::TimestampBuilder times(arrow::timestamp(arrow::TimeUnit::MILLI, "UTC"),
                                arrow::default_memory_pool());
  arrow::StringBuilder operations, parameters;
  arrow::BooleanBuilder blind;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    const auto& [version, info] = *it;
    ARROW_RETURN_NOT_OK(versions.Append(version));
    ARROW_RETURN_NOT_OK(times.Append(info.timestamp));
    ARROW_RETURN_NOT_OK(operations.Append(info.operation));
    ARROW_RETURN_NOT_OK(parameters.Append(info.operation_parameters.dump()));
    ARROW_RETURN_NOT_OK(info.read_version ? read_versions.Append(*info.read_version)
                                          : read_versions.AppendNull());
    ARROW_RETURN_NOT_OK(blind.Append(info.is_blind_append));
  }
  auto schema = arrow::schema({arrow::field("version", arrow::int64()),
                               arrow::field("timestamp", times.type()),
                               arrow::field("operation", arrow::utf8()),
                               arrow::field("operation_parameters", arrow::utf8()),
                               arrow::field("read_version", arrow::int64()),
                               arrow::field("is_blind_append", arrow::boolean())});
  arrow::ArrayVector columns(6);
  ARROW_RETURN_NOT_OK(versions.Finish(&columns[0]));
  ARROW_RETURN_NOT_OK(times.Finish(&columns[1]));
  ARROW_RETURN_NOT_OK(operations.Finish(&columns[2]));
  ARROW_RETURN_NOT_OK(parameters.Finish(&columns[3]));
  ARROW_RETURN_NOT_OK(read_versions.Finish(&columns[4]));
  ARROW_RETURN_NOT_OK(blind.Finish(&columns[5]));
  return std::make_shared<MemoryTable>(arrow::Table::Make(schema, columns),
                                       "history of " + name);
}

arrow::Result<std::shared_ptr<TableSource>> MakeDetailSource(delta::DeltaTable* table,
                                                             const std::string& name) {
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table->Latest());
  int64_t bytes = 0;
  for (const auto& file : snapshot->files()) bytes += file.size;
  const auto& metadata = snapshot->metadata();
  std::string warnings;
  for (const auto& warning : table->health().warnings) {
    warnings += (warnings.empty() ? "" : "\n") + warning;
  }
  const auto ms = arrow::timestamp(arrow::TimeUnit::MILLI, "UTC");
  auto schema = arrow::schema(
      {arrow::field("format", arrow::utf8()), arrow::field("id", arrow::utf8()),
       arrow::field("name", arrow::utf8()), arrow::field("location", arrow::utf8()),
       arrow::field("created_at", ms), arrow::field("last_modified", ms),
       arrow::field("version", arrow::int64()),
       arrow::field("partition_columns", arrow::utf8()),
       arrow::field("num_files", arrow::int64()),
       arrow::field("size_in_bytes", arrow::int64()),
       arrow::field("properties", arrow::utf8()),
       arrow::field("min_reader_version", arrow::int32()),
       arrow::field("min_writer_version", arrow::int32()),
       arrow::field("warnings", arrow::utf8())});
  arrow::ScalarVector row = {
      arrow::MakeScalar("delta"),
      arrow::MakeScalar(metadata.id),
      arrow::MakeScalar(name),
      arrow::MakeScalar(table->root()),
      std::make_shared<arrow::TimestampScalar>(metadata.created_time, ms),
      std::make_shared<arrow::TimestampScalar>(snapshot->timestamp_ms(), ms),
      arrow::MakeScalar(snapshot->version()),
      arrow::MakeScalar(nlohmann::json(metadata.partition_columns).dump()),
      arrow::MakeScalar(static_cast<int64_t>(snapshot->files().size())),
      arrow::MakeScalar(bytes),
      arrow::MakeScalar(nlohmann::json(metadata.configuration).dump()),
      arrow::MakeScalar(static_cast<int32_t>(snapshot->protocol().min_reader_version)),
      arrow::MakeScalar(static_cast<int32_t>(snapshot->protocol().min_writer_version)),
      warnings.empty() ? arrow::MakeNullScalar(arrow::utf8())
                       : arrow::MakeScalar(warnings)};
  arrow::ArrayVector columns;
  for (const auto& value : row) {
    ARROW_ASSIGN_OR_RAISE(auto column, arrow::MakeArrayFromScalar(*value, 1));
    columns.push_back(std::move(column));
  }
  return std::make_shared<MemoryTable>(arrow::Table::Make(schema, columns),
                                       "detail of " + name);
}

}  // namespace sluice::catalog
