#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "sluice/data_frame.h"
#include "sluice/param.h"
#include "sluice/table_sink.h"

namespace sluice {

namespace catalog {
class Catalog;
}
namespace sql {
struct DialectStatement;
}
class SessionSettings;
class SparkBackend;
class StreamingWrites;

// What a DDL or DML statement did.
struct ExecResult {
  // PostgreSQL-style command tag: "CREATE TABLE", "INSERT 0 42", "DROP TABLE".
  std::string message;
  int64_t rows_affected = 0;
  // The table version the statement committed, or -1.
  int64_t version = -1;
};

struct SessionOptions {
  // Where durable tables live. Set by Connect from the URI ("local:/path"); "./warehouse"
  // when the URI names none.
  std::string warehouse;
  // When true, the table functions that read files (read_parquet, read_csv, read_ipc,
  // delta_scan) may read only under the warehouse and `readable_directories` (symlinks
  // and `..` resolved first); anything else is an IOError saying "permission denied".
  // sluiced confines every client this way. False: the process's own access applies.
  bool confine_file_access = false;
  std::vector<std::string> readable_directories;
  // Whether SQL may start streaming writes (CREATE STREAMING WRITE), which run beyond
  // the statement. sluiced refuses them: every request it serves is bounded in time.
  bool allow_streaming_writes = true;
};

// A connection to an engine and its catalog of named tables. Create with Connect.
// Sessions are thread-safe: queries may be built and run from several threads at once.
class Session : public std::enable_shared_from_this<Session> {
 public:
  ~Session();

  // Parses and binds one SQL statement (SELECT, VALUES or EXPLAIN) into a lazy DataFrame.
  // Errors name the position (line and column) of what was wrong: syntax errors, unknown
  // tables and columns, type errors. `params` fill $1, $2, ...
  arrow::Result<DataFrame> Sql(std::string_view sql, std::vector<Param> params = {});

  // Runs one DDL or DML statement on the warehouse's durable (Delta Lake) tables:
  // CREATE TABLE [IF NOT EXISTS] t (col type [NOT NULL], ...) [PARTITIONED BY (cols)]
  // (PostgreSQL's PARTITION BY LIST (cols) also works), CREATE TABLE t AS SELECT,
  // INSERT INTO t [(cols)] VALUES ... | SELECT ..., DROP TABLE [IF EXISTS] t.
  // INSERT streams: memory stays bounded whatever the size of its SELECT. A failed
  // statement leaves every table as it was.
  arrow::Result<ExecResult> Exec(std::string_view sql, std::vector<Param> params = {});

  // Appends `rows` to the warehouse table `table` in one commit. Columns are matched by
  // name (a table column the rows lack gets NULL; a column the table lacks is an error),
  // cast as INSERT casts, and NOT NULL and invariants are enforced; a rejected append
  // leaves the table as it was. Streams: memory stays bounded.
  arrow::Result<ExecResult> Append(std::string_view table,
                                   std::shared_ptr<arrow::RecordBatchReader> rows);

  // The session's settings, which queries use where their ExecOptions leave a field
  // unset: max_buffered_batches, threads, partitions, memory_limit (bytes, or '4GB'),
  // timezone ('UTC' only). Also `SET name = value`, `RESET name | ALL` (Exec) and
  // `SHOW name | ALL` (Sql). Errors name an unknown setting or say what a bad value
  // should be.
  arrow::Status Set(std::string_view name, std::string_view value);
  arrow::Result<std::string> Get(std::string_view name) const;

  // Whether `sql` is a query (SELECT, VALUES, EXPLAIN, SHOW) for Sql rather than Exec,
  // in the embedded engine's SQL.
  static bool IsQuery(std::string_view sql);
  // The same for this session's engine. On Spark, a statement only reads if it starts
  // with SELECT, VALUES, TABLE, FROM, SHOW, DESCRIBE or EXPLAIN; anything else (WITH
  // included, which may write) counts as a command.
  bool ReadsOnly(std::string_view sql) const;

  // A DataFrame reading the whole of a registered table.
  arrow::Result<DataFrame> Table(std::string_view name);

  // Makes an in-memory Arrow table queryable as `name` (case-insensitive). Fails with
  // AlreadyExists if the name is taken. The table is shared, not copied.
  arrow::Status RegisterTable(std::string name, std::shared_ptr<arrow::Table> table);
  // Makes a stream queryable as `name` without reading it first: the one query that
  // scans it pulls batches from `reader` as it needs them (a later scan is an error
  // naming the table). The reader is read on an I/O thread, so it may block.
  arrow::Status RegisterReader(std::string name,
                               std::shared_ptr<arrow::RecordBatchReader> reader);
  // The same, with a new reader for each query that scans `name`, made by `open` when
  // the query starts; every reader must have `schema`.
  using ReaderOpener =
      std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>()>;
  arrow::Status RegisterReader(std::string name, std::shared_ptr<arrow::Schema> schema,
                               ReaderOpener open);
  // Registers `directory` as a stream of files, the source of a streaming write
  // (DataFrame::WriteStream): files arrive over time and are taken in name order; names
  // starting with "." or "_" are skipped (write such a file, then rename it in). `format`
  // is "parquet", "csv", "arrow" (IPC files) or "ndjson"; `schema` may be null if the
  // directory already holds a file to read it from. A query that is not a streaming write
  // reads every file present when it starts.
  arrow::Status RegisterDirectoryStream(std::string name, std::string directory,
                                        std::string_view format = "parquet",
                                        std::shared_ptr<arrow::Schema> schema = nullptr);
  // Registers a push-mode streaming table: producers write batches through the returned
  // sink while one query reads `name` (from SQL or Table) concurrently. Each partition
  // buffers at most `capacity` batches. The first query to read the table consumes it;
  // another scan meanwhile is an error naming the table; once that scan ends (finished,
  // failed or cancelled) the name is free again. Fails if the name is taken, the schema
  // is null or capacity < 1.
  arrow::Result<std::shared_ptr<TableSink>> RegisterStreamingTable(
      std::string name, std::shared_ptr<arrow::Schema> schema, int capacity = 8);
  // The same with `partitions` producers, one sink each, read in parallel by the query;
  // the stream ends when every sink is closed.
  arrow::Result<std::vector<std::shared_ptr<TableSink>>> RegisterStreamingTable(
      std::string name, std::shared_ptr<arrow::Schema> schema, int capacity,
      int partitions);

  // The last epoch streaming query `query_id` committed to warehouse table `table` (the
  // version of the table's txn for that id), -1 if none: where a restarted producer of
  // epochs resumes. Read from the table's state, not by scanning its log.
  arrow::Result<int64_t> LastCommittedEpoch(std::string_view table,
                                            std::string_view query_id);

  // Stops every streaming write this session's SQL started (CREATE STREAMING WRITE).
  // Until then a running one keeps the session alive.
  void StopStreamingWrites();

  // Removes a registered table; queries already running keep reading it.
  arrow::Status DropTable(std::string_view name);
  // Names of the registered tables and the warehouse's tables, sorted.
  std::vector<std::string> TableNames() const;

  const SessionOptions& options() const { return options_; }
  // "local" for the embedded engine, "spark" for a Spark Connect session.
  std::string_view engine() const { return spark_ ? "spark" : "local"; }

 private:
  friend class DataFrame;
  friend arrow::Result<std::shared_ptr<Session>> Connect(std::string_view,
                                                         SessionOptions);
  Session(SessionOptions options, std::unique_ptr<SparkBackend> spark);
  // Sql and Exec without the guard that turns an unexpected parse tree into an error.
  arrow::Result<DataFrame> BindQuery(std::string_view sql, std::vector<Param> params);
  arrow::Status RegisterReader(std::string name, std::shared_ptr<arrow::Schema> schema,
                               ReaderOpener open, bool once);
  arrow::Result<ExecResult> RunStatement(std::string_view sql, std::vector<Param> params);
  // CREATE, STOP, AWAIT and SHOW STREAMING WRITE(S).
  arrow::Result<ExecResult> RunStreamingCommand(const sql::DialectStatement& statement,
                                                std::string_view sql,
                                                std::vector<Param> params);

  SessionOptions options_;
  std::shared_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<SessionSettings> settings_;
  // Set when the session runs on Spark; null on the embedded engine.
  std::unique_ptr<SparkBackend> spark_;
  std::unique_ptr<StreamingWrites> streaming_writes_;
};

// Splits an SQL script into its statements with the SQL lexer, so semicolons inside
// strings and comments are safe. Statements come back without their semicolons; empty
// ones are dropped. Fails only on text the lexer cannot read (an unterminated string).
arrow::Result<std::vector<std::string>> SplitStatements(std::string_view script);

// Opens a session. "local:" (the embedded engine, warehouse ./warehouse),
// "local:/path/to/warehouse", or "sc://host:port[/;param=value...]" for a Spark Connect
// server: then SQL is Spark's dialect and runs on Spark, DataFrame calls become Spark
// relations (expressions are parsed by Spark), Table reads Spark tables, RegisterTable
// uploads the table as a temporary view, and Set/Get reach Spark's session
// configuration for names that are not Sluice's own settings. Connection string
// parameters: token, user_id, user_agent, session_id, use_ssl; the server is retried
// with backoff while it is unavailable. Any other scheme is InvalidArgument.
arrow::Result<std::shared_ptr<Session>> Connect(std::string_view uri = "local:",
                                                SessionOptions options = {});

}  // namespace sluice
