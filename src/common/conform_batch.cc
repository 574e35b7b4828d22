#include "common/conform_batch.h"

namespace sluice {

arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformBatch(
    std::shared_ptr<arrow::RecordBatch> batch,
    const std::shared_ptr<arrow::Schema>& schema, const char* where) {
  if (batch->schema()->Equals(*schema, /*check_metadata=*/false)) return batch;
  bool conforms = batch->num_columns() == schema->num_fields();
  for (int i = 0; conforms && i < batch->num_columns(); ++i) {
    const auto& field = schema->field(i);
    conforms = field->name() == batch->schema()->field(i)->name() &&
               field->type()->Equals(*batch->column(i)->type()) &&
               (field->nullable() || batch->column(i)->null_count() == 0);
  }
  if (!conforms) {
    return arrow::Status::Invalid(where, ": a batch of schema ",
                                  batch->schema()->ToString(), " in a stream of schema ",
                                  schema->ToString());
  }
  return arrow::RecordBatch::Make(schema, batch->num_rows(), batch->columns());
}

}  // namespace sluice
