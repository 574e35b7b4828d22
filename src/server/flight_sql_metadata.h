#pragma once

#include <memory>
#include <vector>

#include <arrow/result.h>
#include <arrow/table.h>

#include "server/flight_sql_messages.h"

namespace sluice {
class Session;
}

namespace sluice::server {

// The results of Flight SQL's metadata commands, with the schemas the protocol fixes.
// Sluice has one catalog ("sluice") with one schema ("main") holding every table of the
// session: registered ones and the warehouse's Delta tables, all of type "TABLE".
// Patterns use SQL LIKE's % and _.
arrow::Result<std::shared_ptr<arrow::Table>> CatalogsTable();
arrow::Result<std::shared_ptr<arrow::Table>> DbSchemasTable(
    const CommandGetDbSchemas& command);
arrow::Result<std::shared_ptr<arrow::Table>> TablesTable(Session* session,
                                                         const CommandGetTables& command);
arrow::Result<std::shared_ptr<arrow::Table>> TableTypesTable();
arrow::Result<std::shared_ptr<arrow::Table>> SqlInfoTable(
    const CommandGetSqlInfo& command);

// The schema each metadata command's result has (for GetFlightInfo and GetSchema).
std::shared_ptr<arrow::Schema> MetadataSchema(const Command& command);

}  // namespace sluice::server
