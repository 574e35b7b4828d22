#include "catalog/delta_history.h"

#include <arrow/builder.h>
#include <arrow/table.h>

#include "catalog/memory_table.h"
#include "delta/delta_table.h"

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

}  // namespace sluice::catalog
