// DuckDB's Appender fed with the same 10-column rows typed_rows_bench encodes, for
// bench/typed_rows.py. A module loaded into the Python process after `import duckdb`:
// DuckDB's C API (declared here from its documentation) is taken from the duckdb
// package's own library, so no separate libduckdb is needed. The C API's appender calls
// forward one value at a time to DuckDB's C++ Appender.
//
//   double AppendWideRows(const char* duckdb_library, int64_t rows)
//     seconds to append `rows` rows into an in-memory table (flush included), or a
//     negative number naming the step that failed.
#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstring>

#include "wide_rows.h"

namespace {

using Handle = void*;
using State = int;  // DuckDBSuccess = 0
struct DuckDate {
  int32_t days;
};

struct Api {
  State (*open)(const char*, Handle*);
  void (*close)(Handle*);
  State (*connect)(Handle, Handle*);
  void (*disconnect)(Handle*);
  State (*query)(Handle, const char*, void*);
  void (*destroy_result)(void*);
  State (*appender_create)(Handle, const char*, const char*, Handle*);
  State (*appender_flush)(Handle);
  State (*appender_destroy)(Handle*);
  State (*end_row)(Handle);
  State (*append_bool)(Handle, bool);
  State (*append_int32)(Handle, int32_t);
  State (*append_int64)(Handle, int64_t);
  State (*append_double)(Handle, double);
  State (*append_date)(Handle, DuckDate);
  State (*append_varchar_length)(Handle, const char*, uint64_t);
  State (*append_null)(Handle);
};

template <typename F>
bool Resolve(void* library, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(library, name));
  return *out != nullptr;
}

bool Load(const char* path, Api* api) {
  void* library = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (library == nullptr) return false;
  return Resolve(library, "duckdb_open", &api->open) &&
         Resolve(library, "duckdb_close", &api->close) &&
         Resolve(library, "duckdb_connect", &api->connect) &&
         Resolve(library, "duckdb_disconnect", &api->disconnect) &&
         Resolve(library, "duckdb_query", &api->query) &&
         Resolve(library, "duckdb_destroy_result", &api->destroy_result) &&
         Resolve(library, "duckdb_appender_create", &api->appender_create) &&
         Resolve(library, "duckdb_appender_flush", &api->appender_flush) &&
         Resolve(library, "duckdb_appender_destroy", &api->appender_destroy) &&
         Resolve(library, "duckdb_appender_end_row", &api->end_row) &&
         Resolve(library, "duckdb_append_bool", &api->append_bool) &&
         Resolve(library, "duckdb_append_int32", &api->append_int32) &&
         Resolve(library, "duckdb_append_int64", &api->append_int64) &&
         Resolve(library, "duckdb_append_double", &api->append_double) &&
         Resolve(library, "duckdb_append_date", &api->append_date) &&
         Resolve(library, "duckdb_append_varchar_length", &api->append_varchar_length) &&
         Resolve(library, "duckdb_append_null", &api->append_null);
}

State AppendRow(const Api& api, Handle appender, const WideValues& row) {
  State state = api.append_int64(appender, row.id) | api.append_int64(appender, row.a) |
                api.append_int32(appender, row.b) | api.append_double(appender, row.x) |
                api.append_double(appender, row.y) | api.append_bool(appender, row.flag) |
                api.append_varchar_length(appender, row.sym.data(), row.sym.size());
  state |= row.maybe ? api.append_int64(appender, *row.maybe) : api.append_null(appender);
  state |= api.append_date(appender, DuckDate{row.day}) |
           api.append_varchar_length(appender, row.tag, std::strlen(row.tag));
  return state | api.end_row(appender);
}

}  // namespace

extern "C" double AppendWideRows(const char* duckdb_library, int64_t rows) {
  Api api;
  if (!Load(duckdb_library, &api)) return -1;
  Handle db = nullptr, connection = nullptr, appender = nullptr;
  if (api.open(nullptr, &db) != 0 || api.connect(db, &connection) != 0) return -2;
  alignas(16) unsigned char result[256] = {};  // room for duckdb_result
  const State created =
      api.query(connection,
                "CREATE TABLE wide (id BIGINT, a BIGINT, b INTEGER, x DOUBLE, y DOUBLE, "
                "flag BOOLEAN, sym VARCHAR, maybe BIGINT, day DATE, tag VARCHAR)",
                result);
  api.destroy_result(result);
  if (created != 0 || api.appender_create(connection, nullptr, "wide", &appender) != 0) {
    return -3;
  }
  const auto batch = MakeWideValues();
  const auto start = std::chrono::steady_clock::now();
  State state = 0;
  for (int64_t done = 0; done < rows && state == 0;) {
    for (size_t i = 0; i < batch.size() && done < rows && state == 0; ++i, ++done) {
      state = AppendRow(api, appender, batch[i]);
    }
  }
  state |= api.appender_flush(appender);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  api.appender_destroy(&appender);
  api.disconnect(&connection);
  api.close(&db);
  return state == 0 ? seconds : -4;
}
