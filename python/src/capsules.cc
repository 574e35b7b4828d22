#include "capsules.h"

#include <arrow/array.h>
#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/scalar.h>

#include "status.h"
#include "view_cast.h"

namespace nb = nanobind;

namespace sluice::python {

namespace {

template <typename T>
T* CapsulePointer(nb::handle capsule, const char* name) {
  void* pointer = PyCapsule_GetPointer(capsule.ptr(), name);
  if (!pointer) throw nb::python_error();
  return static_cast<T*>(pointer);
}

nb::object Call(nb::handle obj, const char* method) {
  if (!nb::hasattr(obj, method)) {
    throw nb::type_error(("expected an object with " + std::string(method) + ", got " +
                          nb::type_name(obj.type()).c_str())
                             .c_str());
  }
  return obj.attr(method)();
}

template <typename T>
void Release(void* pointer) noexcept {
  auto* c_struct = static_cast<T*>(pointer);
  if (c_struct->release) c_struct->release(c_struct);
  delete c_struct;
}

}  // namespace

std::shared_ptr<arrow::RecordBatchReader> ImportStream(nb::handle obj) {
  nb::object capsule = Call(obj, "__arrow_c_stream__");
  auto* stream = CapsulePointer<ArrowArrayStream>(capsule, "arrow_array_stream");
  return CastViews(Value(arrow::ImportRecordBatchReader(stream)));
}

std::shared_ptr<arrow::RecordBatch> ImportBatch(nb::handle obj) {
  nb::object pair = Call(obj, "__arrow_c_array__");
  auto* schema = CapsulePointer<ArrowSchema>(pair[0], "arrow_schema");
  auto* array = CapsulePointer<ArrowArray>(pair[1], "arrow_array");
  return CastViews(Value(arrow::ImportRecordBatch(array, schema)));
}

std::shared_ptr<arrow::Schema> ImportSchema(nb::handle obj) {
  nb::object capsule = nb::borrow(obj);
  if (!PyCapsule_CheckExact(obj.ptr())) capsule = Call(obj, "__arrow_c_schema__");
  return Value(arrow::ImportSchema(CapsulePointer<ArrowSchema>(capsule, "arrow_schema")));
}

std::shared_ptr<arrow::Scalar> ImportScalar(nb::handle obj) {
  nb::object pair = Call(obj, "__arrow_c_array__");
  auto* schema = CapsulePointer<ArrowSchema>(pair[0], "arrow_schema");
  auto* c_array = CapsulePointer<ArrowArray>(pair[1], "arrow_array");
  auto array = Value(arrow::ImportArray(c_array, schema));
  if (array->length() != 1) {
    throw nb::value_error("a parameter must be a single value");
  }
  return Value(array->GetScalar(0));
}

nb::capsule ExportSchema(const arrow::Schema& schema) {
  auto* c_schema = new ArrowSchema;
  auto status = arrow::ExportSchema(schema, c_schema);
  if (!status.ok()) {
    delete c_schema;
    throw StatusError(status);
  }
  return nb::capsule(c_schema, "arrow_schema", &Release<ArrowSchema>);
}

nb::capsule ExportStream(std::shared_ptr<arrow::RecordBatchReader> reader) {
  auto* stream = new ArrowArrayStream;
  auto status = arrow::ExportRecordBatchReader(std::move(reader), stream);
  if (!status.ok()) {
    delete stream;
    throw StatusError(status);
  }
  return nb::capsule(stream, "arrow_array_stream", &Release<ArrowArrayStream>);
}

namespace {

nb::tuple ExportBatchCapsules(const arrow::RecordBatch& batch) {
  auto* schema = new ArrowSchema;
  auto* array = new ArrowArray;
  auto status = arrow::ExportRecordBatch(batch, array, schema);
  if (!status.ok()) {
    delete schema;
    delete array;
    throw StatusError(status);
  }
  return nb::make_tuple(nb::capsule(schema, "arrow_schema", &Release<ArrowSchema>),
                        nb::capsule(array, "arrow_array", &Release<ArrowArray>));
}

}  // namespace

void BindExports(nb::module_& m) {
  nb::class_<SchemaExport>(m, "SchemaExport")
      .def("__arrow_c_schema__",
           [](const SchemaExport& self) { return ExportSchema(*self.schema); });
  nb::class_<BatchExport>(m, "BatchExport")
      .def(
          "__arrow_c_array__",
          [](const BatchExport& self, nb::handle requested) {
            if (!requested.is_none()) {
              throw nb::value_error("a requested schema is not supported for one batch");
            }
            return ExportBatchCapsules(*self.batch);
          },
          nb::arg("requested_schema").none() = nb::none());
  nb::class_<StreamExport>(m, "StreamExport")
      .def(
          "__arrow_c_stream__",
          [](StreamExport& self, nb::handle requested) {
            if (!requested.is_none()) {
              throw nb::value_error("a requested schema is not supported here");
            }
            if (!self.reader) throw nb::value_error("the stream was already exported");
            return ExportStream(std::move(self.reader));
          },
          nb::arg("requested_schema").none() = nb::none());
}

}  // namespace sluice::python
