#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

namespace sluice::sql {

// How a table reference reads a Delta table other than at its newest version.
struct TableVersionSpec {
  enum class Kind { kVersion, kTimestamp, kHistory, kDetail };
  Kind kind = Kind::kVersion;
  int64_t version = 0;    // kVersion
  std::string timestamp;  // kTimestamp: the literal's text, unquoted
};

// A statement after the Spark/Delta forms PostgreSQL's grammar lacks were taken out of
// it. The work is done on libpg_query's tokens, so string literals, quoted identifiers
// and comments are never touched, and it takes time linear in the text. `sql` has
// exactly the length of the original text: a recognised clause is replaced by spaces (or
// by PostgreSQL keywords of the same length), so every position in `sql` is the same
// position in the user's text.
// - `PARTITIONED BY (cols)` and `TBLPROPERTIES ('k' = 'v', ...)` in CREATE TABLE are
//   taken into `partitioned_by` and `properties`;
// - `CREATE OR REPLACE TABLE` becomes CREATE TABLE with `or_replace`;
// - `INSERT OVERWRITE [TABLE] t` becomes INSERT INTO with `overwrite`;
// - `t VERSION AS OF n`, `t TIMESTAMP AS OF 'ts'` leave `t` and record the version in
//   `versions`, keyed by the position of the table's name (a RangeVar's location);
//   `DESCRIBE HISTORY t` and `DESCRIBE DETAIL t` become `SELECT * FROM t` with a
//   kHistory or kDetail entry;
// - `OPTIMIZE t` and `VACUUM t [RETAIN n HOURS] [DRY RUN]` are recognised whole and
//   set `command`;
// - `CREATE STREAMING WRITE q INTO t [KEY (cols)] [WITH (k = v, ...)] AS query` sets
//   `command`, `stream`, `table`, `keys` and `properties`, and blanks everything before
//   the query, which stays in `sql` at its place; `STOP STREAMING WRITE q`,
//   `AWAIT STREAMING WRITE q [TIMEOUT n SECONDS]` and `SHOW STREAMING WRITES` are
//   recognised whole.
// `USING DELTA` is left to PostgreSQL's grammar (a table access method).
//
// Two rewrites change the text's length; then `lengthened` is set, positions (and
// `versions`) refer to `sql`, and errors show it:
// - `?` placeholders (what JDBC, ODBC and Flight SQL clients send) become `$1`, `$2`, ...
//   in order. A statement that mixes `?` with `$n` is an error.
// - a subquery in FROM without an alias gets one (`NameUnaliasedSubqueries`).
struct DialectStatement {
  enum class Command {
    kNone,
    kOptimize,
    kVacuum,
    kCreateStreamingWrite,
    kStopStreamingWrite,
    kAwaitStreamingWrite,
    kShowStreamingWrites,
  };

  std::string sql;
  bool lengthened = false;  // `?` became `$n` or an alias was added: `sql` is longer
  bool or_replace = false;
  bool overwrite = false;
  std::vector<std::string> partitioned_by;
  std::map<std::string, std::string> properties;
  std::map<int, TableVersionSpec> versions;
  Command command = Command::kNone;
  std::string table;                      // of OPTIMIZE, VACUUM and a streaming write
  std::string stream;                     // the streaming write's name (its query id)
  std::vector<std::string> keys;          // CREATE STREAMING WRITE ... KEY (cols)
  std::optional<double> timeout_seconds;  // AWAIT STREAMING WRITE ... TIMEOUT n SECONDS
  std::optional<double> retain_hours;     // VACUUM ... RETAIN n HOURS
  bool dry_run = false;                   // VACUUM ... DRY RUN
};

// Invalid, with the position, for a malformed PARTITIONED BY, TBLPROPERTIES, OPTIMIZE,
// VACUUM or streaming-write statement. Text the scanner cannot read is returned
// unchanged, so that parsing reports it.
arrow::Result<DialectStatement> RewriteDialect(std::string_view sql);

}  // namespace sluice::sql
