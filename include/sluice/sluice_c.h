#ifndef SLUICE_SLUICE_C_H_
#define SLUICE_SLUICE_C_H_

/* The C entry points of libsluice, for other languages. Results leave through the Arrow C
 * stream interface (struct ArrowArrayStream), so any Arrow implementation can consume
 * them without linking Arrow C++.
 *
 * Every function returns 0 on success. On failure it returns a nonzero Arrow status code
 * and, if `error` is not NULL, stores a message in *error that the caller frees with
 * sluice_free_error. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
#include <stdint.h>
struct ArrowSchema;
struct ArrowArray;
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
#endif

typedef struct sluice_session sluice_session;

/* Opens a session ("local:" or "local:/path/to/warehouse"). Free with
 * sluice_session_free. */
int sluice_connect(const char* uri, sluice_session** out, char** error);
void sluice_session_free(sluice_session* session);

/* Starts one SQL query and exports its result stream into `out`, which the caller must
 * release. At most `max_buffered_batches` batches (0 = the default, 8) wait unread;
 * releasing the stream cancels the query. */
int sluice_query(sluice_session* session, const char* sql, size_t max_buffered_batches,
                 struct ArrowArrayStream* out, char** error);

/* Push-mode streaming tables (see sluice::TableSink): producers in any language write
 * record batches through the Arrow C data interface while one query reads the table. */
typedef struct sluice_sink sluice_sink;

/* Registers streaming table `name` with the columns of `schema` (a struct schema;
 * borrowed, not released). Stores `partitions` sink handles into sinks[0..partitions-1].
 */
int sluice_register_streaming_table(sluice_session* session, const char* name,
                                    struct ArrowSchema* schema, int capacity,
                                    int partitions, sluice_sink** sinks, char** error);

/* Writes one record batch (a struct array and its struct schema). Blocks while the
 * partition's buffer is full. Both structs are moved: Sluice releases them, also on
 * error. */
int sluice_sink_write(sluice_sink* sink, struct ArrowArray* batch,
                      struct ArrowSchema* schema, char** error);

/* Like sluice_sink_write but never blocks. *accepted is 1 if the batch was queued (both
 * structs moved) and 0 if the buffer was full, in which case the structs are left to the
 * caller, unreleased. */
int sluice_sink_try_write(sluice_sink* sink, struct ArrowArray* batch,
                          struct ArrowSchema* schema, int* accepted, char** error);

/* Epochs for a streaming write of the table (see sluice::TableSink::BeginEpoch): the
 * batches written between begin and end are epoch `epoch`, committed in one commit. */
int sluice_sink_begin_epoch(sluice_sink* sink, int64_t epoch, char** error);
int sluice_sink_end_epoch(sluice_sink* sink, char** error);

/* Clean end of this partition. */
int sluice_sink_close(sluice_sink* sink, char** error);

/* Ends the stream with an error; the reading query fails with `message`. */
void sluice_sink_fail(sluice_sink* sink, const char* message);

/* Frees the handle. Without close or fail first, the query fails: "producer went away".
 */
void sluice_sink_free(sluice_sink* sink);

/* Streaming writes (see sluice::StreamingQuery): a directory of files written into a
 * warehouse Delta table in micro-batches, exactly once. */
typedef struct sluice_streaming_query sluice_streaming_query;

/* Registers `directory` as stream `name` of `format` files ("parquet", "csv" or
 * "arrow"). `schema` (a struct schema, borrowed) may be NULL: it is then read from the
 * directory's first file. */
int sluice_register_directory_stream(sluice_session* session, const char* name,
                                     const char* directory, const char* format,
                                     struct ArrowSchema* schema, char** error);

/* How a streaming write runs (see sluice::StreamingWriteOptions). Zero-initialise it and
 * set what differs from the defaults. */
typedef struct sluice_stream_write_options {
  const char* query_id;           /* required, stable across restarts */
  int64_t interval_ms;            /* >= 0: an epoch at most that often, until stopped;
                                     < 0: what is there now (available now), then finish */
  int64_t max_files_per_epoch;    /* directory sources; 0: no cap */
  const char* output_mode;        /* "append" (also NULL), "complete" or "update" */
  const char* const* key_columns; /* update mode: the key columns, NULL-terminated */
  int merge_schema;               /* nonzero: new columns are added to the table */
  int64_t compact_every_epochs;   /* 0: no automatic compaction */
} sluice_stream_write_options;

/* Starts writing the rows of `sql` into warehouse table `table`, one commit per epoch.
 * The query reads a directory stream, a streaming table whose producer marks epochs
 * (sluice_sink_begin_epoch), or neither (a bounded query: one epoch). */
int sluice_write_stream(sluice_session* session, const char* sql, const char* table,
                        const sluice_stream_write_options* options,
                        sluice_streaming_query** out, char** error);

/* The last epoch streaming query `query_id` committed to warehouse table `table`
 * (-1: none) into *epoch: where a restarted producer resumes. */
int sluice_last_committed_epoch(sluice_session* session, const char* table,
                                const char* query_id, int64_t* epoch, char** error);

/* Waits at most `timeout_ms` (< 0: without limit) for the query to end; *ended is 1 if
 * it has. Returns nonzero, with the query's error, if it failed. */
int sluice_streaming_query_await(sluice_streaming_query* query, int64_t timeout_ms,
                                 int* ended, char** error);

/* The last committed epoch (-1: none). */
int64_t sluice_streaming_query_last_epoch(sluice_streaming_query* query);

/* Stops the query (the epoch in progress is abandoned) and waits for its thread. */
void sluice_streaming_query_stop(sluice_streaming_query* query);

/* Stops the query if it runs and frees the handle. */
void sluice_streaming_query_free(sluice_streaming_query* query);

void sluice_free_error(char* error);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_SLUICE_C_H_ */
