#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

namespace sluice::sql {

// A statement after the Spark/Delta forms PostgreSQL's grammar lacks were taken out of it
// or rewritten into forms Parse accepts:
// - `PARTITIONED BY (cols)` in CREATE TABLE is taken into `partitioned_by`, and
//   `USING DELTA` is dropped (the only format);
// - `CREATE OR REPLACE TABLE` becomes CREATE TABLE with `or_replace`;
// - `INSERT OVERWRITE [TABLE] t` becomes INSERT INTO with `overwrite`;
// - `TBLPROPERTIES ('k' = 'v', ...)` is taken into `properties`;
// - `t VERSION AS OF n`, `t TIMESTAMP AS OF 'ts'` and `DESCRIBE HISTORY t` become
//   internal table functions;
// - `OPTIMIZE t` and `VACUUM t [RETAIN n HOURS] [DRY RUN]` are recognised whole and
//   leave `sql` empty.
// Positions in errors refer to `sql`, which is what must be parsed and bound.
struct DialectStatement {
  enum class Command { kNone, kOptimize, kVacuum };

  std::string sql;
  bool or_replace = false;
  bool overwrite = false;
  std::vector<std::string> partitioned_by;
  std::map<std::string, std::string> properties;
  Command command = Command::kNone;
  std::string table;                   // of OPTIMIZE and VACUUM
  std::optional<double> retain_hours;  // VACUUM ... RETAIN n HOURS
  bool dry_run = false;                // VACUUM ... DRY RUN
};

// Invalid, with the position, for a malformed TBLPROPERTIES, OPTIMIZE or VACUUM.
arrow::Result<DialectStatement> RewriteDialect(std::string_view sql);

}  // namespace sluice::sql
