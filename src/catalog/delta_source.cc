#include "catalog/delta_source.h"

#include <filesystem>

#include <arrow/compute/api.h>
#include <arrow/dataset/api.h>
#include <arrow/filesystem/localfs.h>
#include <nlohmann/json.hpp>

#include "catalog/file_batch_generator.h"
#include "delta/data_writer.h"
#include "delta/snapshot.h"

namespace sluice::catalog {

namespace cp = arrow::compute;
using Json = nlohmann::json;

namespace {

// A statistics value from the log as a scalar of the column's type, or null if unusable.
std::shared_ptr<arrow::Scalar> StatScalar(const Json& value,
                                          const std::shared_ptr<arrow::DataType>& type,
                                          bool is_max) {
  std::shared_ptr<arrow::Scalar> scalar;
  if (value.is_number_integer()) {
    scalar = arrow::MakeScalar(value.get<int64_t>());
  } else if (value.is_number_float()) {
    scalar = arrow::MakeScalar(value.get<double>());
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    // Writers may truncate long strings; a truncated max would be wrong.
    if (type->id() == arrow::Type::STRING && text.size() >= 32) return nullptr;
    scalar = arrow::MakeScalar(text);
  } else {
    return nullptr;
  }
  auto cast = scalar->CastTo(type);
  if (!cast.ok()) return nullptr;
  if (is_max && type->id() == arrow::Type::TIMESTAMP) {
    // Writers keep milliseconds: the true max may be up to 1 ms later.
    auto& ts = static_cast<arrow::TimestampScalar&>(**cast);
    const auto unit = static_cast<const arrow::TimestampType&>(*type).unit();
    ts.value += unit == arrow::TimeUnit::NANO    ? 1'000'000
                : unit == arrow::TimeUnit::MICRO ? 1000
                                                 : 1;
  }
  return *cast;
}

// What is known to hold for every row of a file.
cp::Expression FileGuarantee(const delta::AddFile& add, const arrow::Schema& schema) {
  std::vector<cp::Expression> facts;
  for (const auto& [column, value] : add.partition_values) {
    auto field = schema.GetFieldByName(column);
    if (!field) continue;
    if (!value) {
      facts.push_back(cp::is_null(cp::field_ref(column)));
      continue;
    }
    auto scalar = delta::PartitionValueFromString(value, field->type());
    if (scalar.ok())
      facts.push_back(cp::equal(cp::field_ref(column), cp::literal(*scalar)));
  }
  Json stats = Json::parse(add.stats, nullptr, /*allow_exceptions=*/false);
  if (stats.is_object() && stats.contains("minValues") && stats.contains("maxValues")) {
    const Json& mins = stats["minValues"];
    const Json& maxs = stats["maxValues"];
    const Json nulls = stats.value("nullCount", Json::object());
    for (const auto& field : schema.fields()) {
      const auto& name = field->name();
      // A range says nothing about NULLs; use it only for columns without any.
      if (!mins.contains(name) || !maxs.contains(name) || !nulls.contains(name) ||
          !nulls[name].is_number() || nulls[name].get<int64_t>() != 0) {
        continue;
      }
      auto min = StatScalar(mins[name], field->type(), false);
      auto max = StatScalar(maxs[name], field->type(), true);
      if (!min || !max) continue;
      facts.push_back(cp::greater_equal(cp::field_ref(name), cp::literal(min)));
      facts.push_back(cp::less_equal(cp::field_ref(name), cp::literal(max)));
    }
  }
  return facts.empty() ? cp::literal(true) : cp::and_(facts);
}

std::vector<cp::Expression> Conjuncts(const cp::Expression& expr) {
  const auto* call = expr.call();
  if (call && call->function_name == "and_kleene") {
    std::vector<cp::Expression> out;
    for (const auto& arg : call->arguments) {
      for (auto& part : Conjuncts(arg)) out.push_back(std::move(part));
    }
    return out;
  }
  return {expr};
}

std::string FilePath(const std::string& root, const std::string& path) {
  std::string decoded = delta::DecodePath(path);
  if (decoded.rfind("file://", 0) == 0) return decoded.substr(7);
  if (decoded.rfind("file:", 0) == 0) return decoded.substr(5);
  if (!decoded.empty() && decoded[0] == '/') return decoded;
  return (std::filesystem::path(root) / decoded).string();
}

}  // namespace

DeltaSource::DeltaSource(std::shared_ptr<const delta::Snapshot> snapshot)
    : snapshot_(std::move(snapshot)) {
  const auto& partitions = snapshot_->metadata().partition_columns;
  arrow::FieldVector stored;
  for (const auto& field : snapshot_->schema()->fields()) {
    if (std::find(partitions.begin(), partitions.end(), field->name()) ==
        partitions.end()) {
      stored.push_back(field);
    }
  }
  file_schema_ = arrow::schema(std::move(stored));
}

std::shared_ptr<arrow::Schema> DeltaSource::schema() const { return snapshot_->schema(); }

std::string DeltaSource::Describe() const {
  return "delta " + snapshot_->root() + " version " +
         std::to_string(snapshot_->version()) + " [" +
         std::to_string(snapshot_->files().size()) + " files]";
}

int DeltaSource::MaxPartitions() const {
  return std::max<int>(1, static_cast<int>(snapshot_->files().size()));
}

arrow::Result<arrow::acero::Declaration> DeltaSource::MakeScan(
    const ScanRequest& request) const {
  const auto& all = snapshot_->files();
  const size_t n = all.size();
  const size_t begin = n * request.partition / request.num_partitions;
  const size_t end = n * (request.partition + 1) / request.num_partitions;
  const auto& schema = *snapshot_->schema();
  ARROW_ASSIGN_OR_RAISE(auto filter, request.filter.Bind(schema));
  auto format = std::make_shared<arrow::dataset::ParquetFileFormat>();
  auto filesystem = std::make_shared<arrow::fs::LocalFileSystem>();
  std::vector<FileToScan> files;
  for (size_t i = begin; i < end; ++i) {
    const auto& add = all[i];
    ARROW_ASSIGN_OR_RAISE(auto remaining,
                          cp::SimplifyWithGuarantee(filter, FileGuarantee(add, schema)));
    if (remaining.IsSatisfiable() == false) continue;  // no row of this file can pass
    FileToScan file;
    file.path = FilePath(snapshot_->root(), add.path);
    ARROW_ASSIGN_OR_RAISE(file.fragment, format->MakeFragment(arrow::dataset::FileSource(
                                             file.path, filesystem)));
    // Row groups are pruned by the conjuncts left once partition values are known that
    // read only stored columns.
    std::vector<cp::Expression> data_conjuncts;
    for (const auto& conjunct : Conjuncts(remaining)) {
      bool stored_only = true;
      for (const auto& ref : cp::FieldsInExpression(conjunct)) {
        if (!ref.name() || file_schema_->GetFieldIndex(*ref.name()) < 0)
          stored_only = false;
      }
      if (stored_only) data_conjuncts.push_back(conjunct);
    }
    ARROW_ASSIGN_OR_RAISE(
        file.options,
        MakeFileScanOptions(
            file_schema_, request.columns,
            data_conjuncts.empty() ? cp::literal(true) : cp::and_(data_conjuncts),
            /*parquet=*/true));
    for (const auto& [column, value] : add.partition_values) {
      auto field = schema.GetFieldByName(column);
      if (!field) continue;
      auto scalar = delta::PartitionValueFromString(value, field->type());
      if (!scalar.ok()) {
        return arrow::Status::IOError("Delta table ", snapshot_->root(),
                                      ": partition value '", value.value_or("NULL"),
                                      "' of column ", column, " in ", add.path,
                                      " is not a ", field->type()->ToString());
      }
      file.constants[column] = *scalar;
    }
    files.push_back(std::move(file));
  }
  arrow::FieldVector fields;
  for (const auto& name : request.columns) fields.push_back(schema.GetFieldByName(name));
  return MakeFileSource(std::move(files), arrow::schema(std::move(fields)), request);
}

}  // namespace sluice::catalog
