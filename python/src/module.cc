// sluice._sluice: the bindings under the sluice package. The Python modules in
// python/sluice give them their public shape; this file only translates types.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <arrow/record_batch.h>
#include <arrow/table.h>

#include "capsules.h"
#include "guarded_reader.h"
#include "interrupt_scope.h"
#include "sluice/sluice.h"
#include "status.h"
#include "stream.h"

namespace nb = nanobind;

namespace sluice::python {

namespace {

Param ToParam(nb::handle value) {
  if (value.is_none()) return Param::Null();
  if (PyBool_Check(value.ptr())) return Param(nb::cast<bool>(value));
  if (PyLong_CheckExact(value.ptr())) return Param(nb::cast<int64_t>(value));
  if (PyFloat_CheckExact(value.ptr())) return Param(nb::cast<double>(value));
  if (PyUnicode_CheckExact(value.ptr())) return Param(nb::cast<std::string>(value));
  return Param(ImportScalar(value));
}

std::vector<Param> ToParams(const nb::list& values) {
  std::vector<Param> params;
  for (nb::handle value : values) params.push_back(ToParam(value));
  return params;
}

using MaybeSize = std::optional<size_t>;
using MaybeInt = std::optional<int>;
using MaybeInt64 = std::optional<int64_t>;

ExecOptions ToOptions(MaybeSize max_buffered_batches, MaybeInt threads,
                      MaybeInt64 memory_limit) {
  ExecOptions options;
  options.max_buffered_batches = max_buffered_batches;
  options.threads = threads;
  options.memory_limit_bytes = memory_limit;
  return options;
}

// A stream that starts when first read, with Ctrl-C and the GIL handled.
std::shared_ptr<GuardedReader> OpenStream(const DataFrame& frame, nb::handle requested,
                                          ExecOptions options) {
  std::shared_ptr<arrow::Schema> requested_schema;
  if (!requested.is_none()) requested_schema = ImportSchema(requested);
  auto stop = std::make_shared<arrow::StopSource>();
  options.stop_token = stop->token();
  auto lazy = frame.LazyStream(requested_schema, std::move(options));
  if (!lazy.ok()) {
    if (requested_schema && lazy.status().IsInvalid()) ThrowSchemaError(lazy.status());
    throw StatusError(lazy.status());
  }
  return std::make_shared<GuardedReader>(std::move(*lazy), std::move(stop));
}

// A Python object kept by C++ code that may drop it on any thread.
std::shared_ptr<PyObject> KeepObject(nb::handle obj) {
  return std::shared_ptr<PyObject>(nb::borrow(obj).release().ptr(), [](PyObject* p) {
    nb::gil_scoped_acquire gil;
    Py_DECREF(p);
  });
}

// Registers `obj` as a table read anew through __arrow_c_stream__ by each query. The
// first stream (opened now for its schema) serves the first query.
void RegisterOpener(Session& session, std::string name, nb::handle obj) {
  auto first =
      std::make_shared<std::shared_ptr<arrow::RecordBatchReader>>(ImportStream(obj));
  auto schema = (*first)->schema();
  auto kept = KeepObject(obj);
  auto open = [kept,
               first]() -> arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> {
    nb::gil_scoped_acquire gil;
    if (*first) return std::move(*first);
    try {
      return ImportStream(nb::handle(kept.get()));
    } catch (const StatusError& error) {
      return error.status();
    } catch (nb::python_error& error) {
      return arrow::Status::IOError("the stream's __arrow_c_stream__ failed: ",
                                    error.what());
    }
  };
  Check(session.RegisterReader(std::move(name), std::move(schema), std::move(open)));
}

nb::dict ExecResultDict(const ExecResult& result) {
  nb::dict out;
  out["message"] = result.message;
  out["rows_affected"] = result.rows_affected;
  out["version"] = result.version;
  return out;
}

// The options DataFrame.write_stream checked (modes and triggers by name).
struct StreamingArgs {
  std::string query_id;
  bool available_now = false;
  int64_t interval_ms = 0;
  int64_t max_files = 0;
  int64_t min_bytes = 0;
  int64_t max_delay_ms = 0;
  std::string output_mode;
  std::vector<std::string> key_columns;
  bool merge_schema = false;
  int64_t compact_every = 0;
  std::string checkpoint;
  size_t progress_history = 100;
};

StreamingWriteOptions ToStreamingOptions(const StreamingArgs& args) {
  StreamingWriteOptions options;
  options.progress_history = args.progress_history;
  options.query_id = args.query_id;
  options.trigger = args.available_now ? Trigger::AvailableNow(args.max_files)
                                       : Trigger::ProcessingTime(
                                             std::chrono::milliseconds(args.interval_ms),
                                             args.max_files);
  options.trigger.min_bytes_per_epoch = args.min_bytes;
  options.trigger.max_delay = std::chrono::milliseconds(args.max_delay_ms);
  options.output_mode = args.output_mode == "complete" ? OutputMode::kComplete
                        : args.output_mode == "update" ? OutputMode::kUpdate
                                                       : OutputMode::kAppend;
  options.key_columns = args.key_columns;
  options.merge_schema = args.merge_schema;
  options.compact_every_epochs = args.compact_every;
  options.checkpoint_location = args.checkpoint;
  return options;
}

nb::dict ProgressDict(const EpochProgress& progress) {
  nb::dict out;
  out["epoch"] = progress.epoch;
  out["input_files"] = progress.input_files;
  out["rows"] = progress.rows;
  out["data_files"] = progress.data_files;
  out["version"] = progress.version;
  out["plan_ms"] = progress.plan_ms;
  out["write_ms"] = progress.write_ms;
  out["commit_ms"] = progress.commit_ms;
  out["source_offset"] = progress.source_offset;
  return out;
}

}  // namespace

void BindSession(nb::module_& m) {
  nb::class_<Session>(m, "Session")
      .def("sql",
           [](Session& self, const std::string& text, const nb::list& params) {
             auto converted = ToParams(params);
             nb::gil_scoped_release release;
             return Value(self.Sql(text, std::move(converted)));
           })
      .def("execute",
           [](Session& self, const std::string& text, const nb::list& params) {
             auto converted = ToParams(params);
             ExecResult result;
             {
               nb::gil_scoped_release release;
               result = Value(self.Exec(text, std::move(converted)));
             }
             return ExecResultDict(result);
           })
      .def("table",
           [](Session& self, const std::string& name) { return Value(self.Table(name)); })
      .def("register_table",
           [](Session& self, const std::string& name, nb::handle obj) {
             auto reader = ImportStream(obj);
             nb::gil_scoped_release release;
             auto table = Value(reader->ToTable());
             Check(self.RegisterTable(name, std::move(table)));
           })
      .def("register_batch",
           [](Session& self, const std::string& name, nb::handle obj) {
             auto table = Value(arrow::Table::FromRecordBatches({ImportBatch(obj)}));
             Check(self.RegisterTable(name, std::move(table)));
           })
      .def("register_reader",
           [](Session& self, const std::string& name, nb::handle obj) {
             Check(self.RegisterReader(name, ImportStream(obj)));
           })
      .def("register_opener", &RegisterOpener)
      .def(
          "register_directory_stream",
          [](Session& self, const std::string& name, const std::string& directory,
             const std::string& format, nb::handle schema) {
            std::shared_ptr<arrow::Schema> imported;
            if (!schema.is_none()) imported = ImportSchema(schema);
            Check(self.RegisterDirectoryStream(name, directory, format, imported));
          },
          nb::arg("name"), nb::arg("directory"), nb::arg("format"),
          nb::arg("schema").none())
      .def("register_streaming_table",
           [](Session& self, const std::string& name, nb::handle schema, int capacity,
              int partitions) {
             return Value(self.RegisterStreamingTable(name, ImportSchema(schema),
                                                      capacity, partitions));
           })
      .def("last_committed_epoch",
           [](Session& self, const std::string& table, const std::string& query_id) {
             return Value(self.LastCommittedEpoch(table, query_id));
           })
      .def("append",
           [](Session& self, const std::string& table, nb::handle obj) {
             auto reader = ImportStream(obj);
             ExecResult result;
             {
               nb::gil_scoped_release release;
               result = Value(self.Append(table, std::move(reader)));
             }
             return ExecResultDict(result);
           })
      .def("set", [](Session& self, const std::string& name,
                     const std::string& value) { Check(self.Set(name, value)); })
      .def("get", [](const Session& self,
                     const std::string& name) { return Value(self.Get(name)); })
      .def("drop_table",
           [](Session& self, const std::string& name) { Check(self.DropTable(name)); })
      .def("table_names", &Session::TableNames)
      .def_prop_ro("engine",
                   [](const Session& self) { return std::string(self.engine()); });

  m.def("connect", [](const std::string& uri) {
    nb::gil_scoped_release release;
    return Value(Connect(uri));
  });
}

void BindDataFrame(nb::module_& m) {
  nb::class_<DataFrame>(m, "DataFrame")
      .def("select",
           [](const DataFrame& self, const std::vector<std::string>& exprs) {
             return self.Select(exprs);
           })
      .def("filter", &DataFrame::Filter)
      .def("aggregate", &DataFrame::Aggregate)
      .def("sort", &DataFrame::Sort)
      .def("limit", &DataFrame::Limit)
      .def("join",
           [](const DataFrame& self, const DataFrame& right, const std::string& on,
              bool left) {
             return self.Join(right, on, left ? JoinType::kLeft : JoinType::kInner);
           })
      .def("check", [](const DataFrame& self) { Check(self.status()); })
      .def("schema",
           [](const DataFrame& self) { return SchemaExport{Value(self.ResultSchema())}; })
      .def("explain",
           [](const DataFrame& self) {
             nb::gil_scoped_release release;
             return Value(self.Explain());
           })
      .def(
          "stream",
          [](const DataFrame& self, nb::handle requested, MaybeSize max_buffered_batches,
             MaybeInt threads, MaybeInt64 memory_limit) {
            auto options = ToOptions(max_buffered_batches, threads, memory_limit);
            return std::make_shared<Stream>(OpenStream(self, requested, options));
          },
          nb::arg("requested").none(), nb::arg("max_buffered_batches").none(),
          nb::arg("threads").none(), nb::arg("memory_limit").none())
      .def(
          "stream_partitions",
          [](const DataFrame& self, MaybeSize max_buffered_batches, MaybeInt threads,
             MaybeInt64 memory_limit) {
            auto options = ToOptions(max_buffered_batches, threads, memory_limit);
            auto stop = std::make_shared<arrow::StopSource>();
            options.stop_token = stop->token();
            std::vector<std::shared_ptr<arrow::RecordBatchReader>> readers;
            {
              nb::gil_scoped_release release;
              readers = Value(self.StreamPartitions(options));
            }
            std::vector<std::shared_ptr<Stream>> streams;
            for (auto& reader : readers) {
              streams.push_back(std::make_shared<Stream>(
                  std::make_shared<GuardedReader>(std::move(reader), stop)));
            }
            return streams;
          },
          nb::arg("max_buffered_batches").none(), nb::arg("threads").none(),
          nb::arg("memory_limit").none())
      .def(
          "write_stream",
          [](const DataFrame& self, const std::string& table, const StreamingArgs& args) {
            auto options = ToStreamingOptions(args);
            nb::gil_scoped_release release;
            return Value(self.WriteStream(table, options));
          })
      .def(
          "__arrow_c_stream__",
          [](const DataFrame& self, nb::handle requested) {
            return ExportStream(OpenStream(self, requested, ExecOptions()));
          },
          nb::arg("requested_schema").none() = nb::none());
}

void BindStreamingQuery(nb::module_& m) {
  nb::class_<StreamingArgs>(m, "StreamingArgs")
      .def(nb::init<>())
      .def_rw("query_id", &StreamingArgs::query_id)
      .def_rw("available_now", &StreamingArgs::available_now)
      .def_rw("interval_ms", &StreamingArgs::interval_ms)
      .def_rw("max_files", &StreamingArgs::max_files)
      .def_rw("min_bytes", &StreamingArgs::min_bytes)
      .def_rw("max_delay_ms", &StreamingArgs::max_delay_ms)
      .def_rw("output_mode", &StreamingArgs::output_mode)
      .def_rw("key_columns", &StreamingArgs::key_columns)
      .def_rw("merge_schema", &StreamingArgs::merge_schema)
      .def_rw("compact_every", &StreamingArgs::compact_every)
      .def_rw("checkpoint", &StreamingArgs::checkpoint)
      .def_rw("progress_history", &StreamingArgs::progress_history);
  nb::class_<StreamingQuery>(m, "StreamingQuery")
      .def_prop_ro("id", [](const StreamingQuery& self) { return self.id(); })
      .def("stop",
           [](StreamingQuery& self) {
             nb::gil_scoped_release release;
             self.Stop();
           })
      .def(
          "await_termination",
          [](StreamingQuery& self, std::optional<double> timeout) {
            std::optional<std::chrono::milliseconds> wait;
            if (timeout)
              wait = std::chrono::milliseconds(static_cast<int64_t>(*timeout * 1000));
            nb::gil_scoped_release release;
            return self.AwaitTermination(wait);
          },
          nb::arg("timeout").none())
      .def_prop_ro("state",
                   [](const StreamingQuery& self) {
                     switch (self.state()) {
                       case StreamingState::kRunning:
                         return "running";
                       case StreamingState::kFinished:
                         return "finished";
                       case StreamingState::kStopped:
                         return "stopped";
                       case StreamingState::kFailed:
                         break;
                     }
                     return "failed";
                   })
      .def("check", [](const StreamingQuery& self) { Check(self.status()); })
      .def_prop_ro("last_committed_epoch", &StreamingQuery::last_committed_epoch)
      .def("last_progress",
           [](const StreamingQuery& self) -> nb::object {
             auto progress = self.LastProgress();
             if (!progress) return nb::none();
             return ProgressDict(*progress);
           })
      .def("recent_progress", [](const StreamingQuery& self) {
        nb::list out;
        for (const auto& progress : self.RecentProgress())
          out.append(ProgressDict(progress));
        return out;
      });
}

void BindStream(nb::module_& m) {
  nb::class_<Stream>(m, "Stream")
      .def("schema", [](const Stream& self) { return SchemaExport{self.schema()}; })
      .def("next",
           [](Stream& self) -> nb::object {
             auto batch = self.Next();
             if (!batch) return nb::none();
             return nb::cast(BatchExport{std::move(batch)});
           })
      .def("read_all", [](Stream& self) { return StreamExport{self.ReadAll()}; })
      .def("detach", [](Stream& self) { return StreamExport{self.Detach()}; })
      .def("close", &Stream::Close)
      .def_prop_ro("closed", &Stream::closed);
}

void BindSink(nb::module_& m) {
  nb::class_<TableSink>(m, "TableSink")
      .def("write",
           [](TableSink& self, nb::handle batch) {
             auto imported = ImportBatch(batch);
             nb::gil_scoped_release release;
             Check(self.Write(std::move(imported)));
           })
      .def("try_write",
           [](TableSink& self, nb::handle batch) {
             auto imported = ImportBatch(batch);
             nb::gil_scoped_release release;
             return Value(self.TryWrite(std::move(imported)));
           })
      .def("begin_epoch",
           [](TableSink& self, int64_t epoch) {
             nb::gil_scoped_release release;
             Check(self.BeginEpoch(epoch));
           })
      .def("end_epoch",
           [](TableSink& self) {
             nb::gil_scoped_release release;
             Check(self.EndEpoch());
           })
      .def("close", [](TableSink& self) { Check(self.Close()); })
      .def("fail",
           [](TableSink& self, const std::string& message) {
             self.Fail(arrow::Status::IOError(message));
           })
      .def_prop_ro("table_name", &TableSink::table_name)
      .def_prop_ro("partition", &TableSink::partition);
}

}  // namespace sluice::python

NB_MODULE(_sluice, m) {
  namespace py = sluice::python;
  py::InterruptScope::SetMainThread();
  py::RegisterErrors();
  py::BindExports(m);
  py::BindSession(m);
  py::BindDataFrame(m);
  py::BindStream(m);
  py::BindStreamingQuery(m);
  py::BindSink(m);
}
