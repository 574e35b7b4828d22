#pragma once

#include <memory>

#include <arrow/record_batch.h>
#include <nanobind/nanobind.h>

namespace sluice::python {

// The Arrow PyCapsule protocol in both directions. Imports move the C structs out of the
// producer's capsules; exports hand out capsules whose destructors release what the
// consumer did not take. Nothing is copied, except view columns (see view_cast.h).

// `obj.__arrow_c_stream__()` as a reader.
std::shared_ptr<arrow::RecordBatchReader> ImportStream(nanobind::handle obj);
// `obj.__arrow_c_array__()` (a struct array: a record batch) as a record batch.
std::shared_ptr<arrow::RecordBatch> ImportBatch(nanobind::handle obj);
// A capsule named "arrow_schema", or an object with `__arrow_c_schema__`.
std::shared_ptr<arrow::Schema> ImportSchema(nanobind::handle obj);
// The one value of `obj.__arrow_c_array__()` (an array of length 1).
std::shared_ptr<arrow::Scalar> ImportScalar(nanobind::handle obj);

nanobind::capsule ExportSchema(const arrow::Schema& schema);
nanobind::capsule ExportStream(std::shared_ptr<arrow::RecordBatchReader> reader);

// Objects that offer one export each, for pyarrow's constructors (pa.schema,
// pa.record_batch, pa.table, pa.RecordBatchReader.from_stream), which pick the protocol
// method by name.
struct SchemaExport {
  std::shared_ptr<arrow::Schema> schema;
};
struct BatchExport {
  std::shared_ptr<arrow::RecordBatch> batch;
};
struct StreamExport {
  std::shared_ptr<arrow::RecordBatchReader> reader;
};

void BindExports(nanobind::module_& m);

}  // namespace sluice::python
