#include "sluice/sluice_c.h"

#include <cstdlib>
#include <cstring>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/record_batch.h>

#include "sluice/session.h"

struct sluice_session {
  std::shared_ptr<sluice::Session> session;
};

struct sluice_sink {
  std::shared_ptr<sluice::TableSink> sink;
};

namespace {

int Fail(const arrow::Status& status, char** error) {
  if (error) *error = strdup(status.ToString().c_str());
  const int code = static_cast<int>(status.code());
  return code == 0 ? 1 : code;
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
  // ImportSchema moves the struct; import a shallow copy so the caller's stays intact.
  struct ArrowSchema borrowed = *schema;
  borrowed.release = [](struct ArrowSchema* s) { s->release = nullptr; };
  auto imported = arrow::ImportSchema(&borrowed);
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

void sluice_free_error(char* error) { std::free(error); }

}  // extern "C"
