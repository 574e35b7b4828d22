#include "sluice/sluice_c.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/record_batch.h>

#include "sluice/session.h"
#include "sluice/streaming_write.h"

struct sluice_session {
  std::shared_ptr<sluice::Session> session;
};

struct sluice_sink {
  std::shared_ptr<sluice::TableSink> sink;
};

struct sluice_streaming_query {
  std::unique_ptr<sluice::StreamingQuery> query;
};

namespace {

int Fail(const arrow::Status& status, char** error) {
  if (error) *error = strdup(status.ToString().c_str());
  const int code = static_cast<int>(status.code());
  return code == 0 ? 1 : code;
}

// A schema the caller keeps: imported from a shallow copy, so theirs stays intact.
arrow::Result<std::shared_ptr<arrow::Schema>> BorrowSchema(struct ArrowSchema* schema) {
  struct ArrowSchema borrowed = *schema;
  borrowed.release = [](struct ArrowSchema* s) { s->release = nullptr; };
  return arrow::ImportSchema(&borrowed);
}

arrow::Result<sluice::StreamingWriteOptions> WriteOptionsOf(
    const sluice_stream_write_options& given) {
  sluice::StreamingWriteOptions options;
  options.query_id = given.query_id;
  const auto interval = std::chrono::milliseconds(given.interval_ms);
  options.trigger =
      given.interval_ms < 0
          ? sluice::Trigger::AvailableNow(given.max_files_per_epoch)
          : sluice::Trigger::ProcessingTime(interval, given.max_files_per_epoch);
  const std::string mode = given.output_mode ? given.output_mode : "append";
  if (mode == "complete") {
    options.output_mode = sluice::OutputMode::kComplete;
  } else if (mode == "update") {
    options.output_mode = sluice::OutputMode::kUpdate;
  } else if (mode != "append") {
    return arrow::Status::Invalid("output_mode must be append, complete or update, not '",
                                  mode, "'");
  }
  for (const char* const* key = given.key_columns; key && *key; ++key) {
    options.key_columns.emplace_back(*key);
  }
  options.merge_schema = given.merge_schema != 0;
  options.compact_every_epochs = given.compact_every_epochs;
  return options;
}

}  // namespace

extern "C" {

int sluice_connect(const char* uri, sluice_session** out, char** error) {
  auto session = sluice::Connect(uri ? uri : "local:");
  if (!session.ok()) return Fail(session.status(), error);
  *out = new sluice_session{std::move(*session)};
  return 0;
}

void sluice_session_free(sluice_session* session) { delete session; }

int sluice_query(sluice_session* session, const char* sql, size_t max_buffered_batches,
                 struct ArrowArrayStream* out, char** error) {
  if (!session || !sql || !out) {
    return Fail(arrow::Status::Invalid("sluice_query: null argument"), error);
  }
  auto frame = session->session->Sql(sql);
  if (!frame.ok()) return Fail(frame.status(), error);
  sluice::ExecOptions options;
  if (max_buffered_batches > 0) options.max_buffered_batches = max_buffered_batches;
  auto status = frame->ExportArrowStream(out, nullptr, options);
  if (!status.ok()) return Fail(status, error);
  return 0;
}

int sluice_register_streaming_table(sluice_session* session, const char* name,
                                    struct ArrowSchema* schema, int capacity,
                                    int partitions, sluice_sink** sinks, char** error) {
  if (!session || !name || !schema || !sinks) {
    return Fail(arrow::Status::Invalid("sluice_register_streaming_table: null argument"),
                error);
  }
  auto imported = BorrowSchema(schema);
  if (!imported.ok()) return Fail(imported.status(), error);
  auto registered =
      session->session->RegisterStreamingTable(name, *imported, capacity, partitions);
  if (!registered.ok()) return Fail(registered.status(), error);
  for (int i = 0; i < partitions; ++i) sinks[i] = new sluice_sink{(*registered)[i]};
  return 0;
}

int sluice_sink_write(sluice_sink* sink, struct ArrowArray* batch,
                      struct ArrowSchema* schema, char** error) {
  if (!sink || !batch || !schema) {
    return Fail(arrow::Status::Invalid("sluice_sink_write: null argument"), error);
  }
  auto imported = arrow::ImportRecordBatch(batch, schema);
  if (!imported.ok()) return Fail(imported.status(), error);
  auto status = sink->sink->Write(std::move(*imported));
  if (!status.ok()) return Fail(status, error);
  return 0;
}

int sluice_sink_try_write(sluice_sink* sink, struct ArrowArray* batch,
                          struct ArrowSchema* schema, int* accepted, char** error) {
  if (!sink || !batch || !schema || !accepted) {
    return Fail(arrow::Status::Invalid("sluice_sink_try_write: null argument"), error);
  }
  auto imported = arrow::ImportRecordBatch(batch, schema);
  if (!imported.ok()) return Fail(imported.status(), error);
  auto taken = sink->sink->TryWrite(*imported);
  if (!taken.ok()) return Fail(taken.status(), error);
  *accepted = *taken ? 1 : 0;
  if (!*taken) {
    // Give the batch back, without copying, as the caller's own structs.
    auto status = arrow::ExportRecordBatch(**imported, batch, schema);
    if (!status.ok()) return Fail(status, error);
  }
  return 0;
}

int sluice_sink_begin_epoch(sluice_sink* sink, int64_t epoch, char** error) {
  if (!sink)
    return Fail(arrow::Status::Invalid("sluice_sink_begin_epoch: null sink"), error);
  auto status = sink->sink->BeginEpoch(epoch);
  return status.ok() ? 0 : Fail(status, error);
}

int sluice_sink_end_epoch(sluice_sink* sink, char** error) {
  if (!sink)
    return Fail(arrow::Status::Invalid("sluice_sink_end_epoch: null sink"), error);
  auto status = sink->sink->EndEpoch();
  return status.ok() ? 0 : Fail(status, error);
}

int sluice_sink_close(sluice_sink* sink, char** error) {
  if (!sink) return Fail(arrow::Status::Invalid("sluice_sink_close: null sink"), error);
  auto status = sink->sink->Close();
  if (!status.ok()) return Fail(status, error);
  return 0;
}

void sluice_sink_fail(sluice_sink* sink, const char* message) {
  if (sink)
    sink->sink->Fail(arrow::Status::IOError(message ? message : "producer failed"));
}

void sluice_sink_free(sluice_sink* sink) { delete sink; }

int sluice_register_directory_stream(sluice_session* session, const char* name,
                                     const char* directory, const char* format,
                                     struct ArrowSchema* schema, char** error) {
  if (!session || !name || !directory) {
    return Fail(arrow::Status::Invalid("sluice_register_directory_stream: null argument"),
                error);
  }
  std::shared_ptr<arrow::Schema> imported;
  if (schema) {
    auto borrowed = BorrowSchema(schema);
    if (!borrowed.ok()) return Fail(borrowed.status(), error);
    imported = std::move(*borrowed);
  }
  auto status = session->session->RegisterDirectoryStream(
      name, directory, format ? format : "parquet", std::move(imported));
  return status.ok() ? 0 : Fail(status, error);
}

int sluice_write_stream(sluice_session* session, const char* sql, const char* table,
                        const sluice_stream_write_options* options,
                        sluice_streaming_query** out, char** error) {
  if (!session || !sql || !table || !options || !options->query_id || !out) {
    return Fail(arrow::Status::Invalid("sluice_write_stream: null argument"), error);
  }
  auto resolved = WriteOptionsOf(*options);
  if (!resolved.ok()) return Fail(resolved.status(), error);
  auto frame = session->session->Sql(sql);
  if (!frame.ok()) return Fail(frame.status(), error);
  auto query = frame->WriteStream(table, *resolved);
  if (!query.ok()) return Fail(query.status(), error);
  *out = new sluice_streaming_query{std::move(*query)};
  return 0;
}

int sluice_last_committed_epoch(sluice_session* session, const char* table,
                                const char* query_id, int64_t* epoch, char** error) {
  if (!session || !table || !query_id || !epoch) {
    return Fail(arrow::Status::Invalid("sluice_last_committed_epoch: null argument"),
                error);
  }
  auto last = session->session->LastCommittedEpoch(table, query_id);
  if (!last.ok()) return Fail(last.status(), error);
  *epoch = *last;
  return 0;
}

int sluice_streaming_query_await(sluice_streaming_query* query, int64_t timeout_ms,
                                 int* ended, char** error) {
  if (!query || !ended) {
    return Fail(arrow::Status::Invalid("sluice_streaming_query_await: null argument"),
                error);
  }
  std::optional<std::chrono::milliseconds> timeout;
  if (timeout_ms >= 0) timeout = std::chrono::milliseconds(timeout_ms);
  *ended = query->query->AwaitTermination(timeout) ? 1 : 0;
  auto status = query->query->status();
  return status.ok() ? 0 : Fail(status, error);
}

int64_t sluice_streaming_query_last_epoch(sluice_streaming_query* query) {
  return query ? query->query->last_committed_epoch() : -1;
}

void sluice_streaming_query_stop(sluice_streaming_query* query) {
  if (query) query->query->Stop();
}

void sluice_streaming_query_free(sluice_streaming_query* query) { delete query; }

void sluice_free_error(char* error) { std::free(error); }

}  // extern "C"
