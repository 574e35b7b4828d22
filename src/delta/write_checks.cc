#include "delta/write_checks.h"

#include <arrow/compute/api.h>
#include <arrow/compute/exec.h>
#include <nlohmann/json.hpp>

#include "delta/data_writer.h"
#include "delta/delta_table.h"

namespace sluice::delta {

namespace cp = arrow::compute;
using Json = nlohmann::json;

namespace {

// `object[key]` if it is a string, else "": log entries from other writers may hold
// anything.
std::string StringMember(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  const Json member = object.value(key, Json());
  return member.is_string() ? member.get<std::string>() : "";
}

void CollectInvariants(const Json& type, const std::string& prefix,
                       std::vector<Invariant>* out) {
  if (StringMember(type, "type") != "struct") return;
  const Json fields = type.value("fields", Json());
  if (!fields.is_array()) return;
  for (const auto& field : fields) {
    if (!field.is_object()) continue;
    const std::string column = prefix + StringMember(field, "name");
    const Json metadata = field.value("metadata", Json());
    if (metadata.is_object() && metadata.contains("delta.invariants")) {
      Json invariant = metadata["delta.invariants"];
      if (invariant.is_string()) {
        invariant = Json::parse(invariant.get<std::string>(), nullptr, false);
      }
      std::string text;
      if (invariant.is_object() && invariant.contains("expression")) {
        const Json& expression = invariant["expression"];
        text = expression.is_string() ? expression.get<std::string>()
                                      : StringMember(expression, "expression");
      }
      out->push_back({column, text.empty() ? metadata["delta.invariants"].dump() : text});
    }
    CollectInvariants(field.value("type", Json()), column + ".", out);
  }
}

}  // namespace

std::vector<Invariant> InvariantsOf(const Metadata& metadata) {
  std::vector<Invariant> out;
  Json schema = Json::parse(metadata.schema_string, nullptr, /*allow_exceptions=*/false);
  if (!schema.is_discarded()) CollectInvariants(schema, "", &out);
  return out;
}

arrow::Status CheckWritable(const Protocol& protocol, const Metadata& metadata,
                            const std::string& root, std::string_view operation,
                            bool removes_data) {
  if (protocol.min_writer_version > DeltaTable::kWriterVersion) {
    return arrow::Status::NotImplemented(
        "Delta table ", root, " ",
        DescribeProtocolNeed("writer", protocol.min_writer_version,
                             protocol.writer_features),
        "; Sluice writes version ", DeltaTable::kWriterVersion, " tables, so ", operation,
        " is refused");
  }
  auto append_only = metadata.configuration.find("delta.appendOnly");
  if (removes_data && append_only != metadata.configuration.end() &&
      append_only->second == "true") {
    return arrow::Status::Invalid(
        "Delta table ", root, " is append-only (delta.appendOnly = true): ", operation,
        " would remove data and is refused");
  }
  return arrow::Status::OK();
}

arrow::Status CheckInvariants(const std::vector<InvariantCheck>& checks,
                              const arrow::RecordBatch& batch) {
  if (checks.empty()) return arrow::Status::OK();
  const cp::ExecBatch input(batch);
  for (const auto& check : checks) {
    ARROW_ASSIGN_OR_RAISE(auto bound, check.condition.Bind(*batch.schema()));
    ARROW_ASSIGN_OR_RAISE(auto result, cp::ExecuteScalarExpression(bound, input));
    std::shared_ptr<arrow::Array> values;
    if (result.is_scalar()) {
      ARROW_ASSIGN_OR_RAISE(values, arrow::MakeArrayFromScalar(*result.scalar(), 1));
    } else {
      values = result.make_array();
    }
    const auto& flags = static_cast<const arrow::BooleanArray&>(*values);
    for (int64_t row = 0; row < flags.length(); ++row) {
      if (flags.IsValid(row) && flags.Value(row)) continue;
      std::string shown = "?";
      const int column = batch.schema()->GetFieldIndex(check.invariant.column);
      if (column >= 0) {
        auto value = batch.column(column)->GetScalar(result.is_scalar() ? 0 : row);
        if (value.ok()) shown = (*value)->ToString();
      }
      return arrow::Status::Invalid(
          "invariant violated: column ", check.invariant.column, " must satisfy ",
          check.invariant.expression, ", but a row has ", check.invariant.column, " = ",
          shown, flags.IsValid(row) ? "" : " (the check is NULL)");
    }
  }
  return arrow::Status::OK();
}

arrow::Status CheckWriteSchema(const arrow::Schema& incoming, const arrow::Schema& table,
                               const std::string& root) {
  bool matches = incoming.num_fields() == table.num_fields();
  for (int i = 0; matches && i < table.num_fields(); ++i) {
    matches = incoming.field(i)->name() == table.field(i)->name() &&
              incoming.field(i)->type()->Equals(*table.field(i)->type());
  }
  if (matches) return arrow::Status::OK();
  return arrow::Status::TypeError("data does not match the schema of Delta table ", root,
                                  ": expected {", table.ToString(), "}, got {",
                                  incoming.ToString(), "}");
}

arrow::Result<std::vector<AddFile>> WriteAll(arrow::RecordBatchReader* data,
                                             DataWriter* writer,
                                             const std::vector<InvariantCheck>& checks) {
  auto written = [&]() -> arrow::Result<std::vector<AddFile>> {
    while (data != nullptr) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(data->ReadNext(&batch));
      if (!batch) break;
      ARROW_RETURN_NOT_OK(CheckInvariants(checks, *batch));
      ARROW_RETURN_NOT_OK(writer->Write(batch));
    }
    return writer->Finish();
  }();
  if (!written.ok()) writer->Abort();
  return written;
}

}  // namespace sluice::delta
