#include "sluice/sluice_c.h"

#include <cstdlib>
#include <cstring>

#include <arrow/c/abi.h>

#include "sluice/session.h"

struct sluice_session {
  std::shared_ptr<sluice::Session> session;
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

void sluice_free_error(char* error) { std::free(error); }

}  // extern "C"
