#include "delta/data_files.h"

#include <filesystem>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/io/file.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <nlohmann/json.hpp>

#include "delta/data_writer.h"

namespace sluice::delta {

namespace cp = arrow::compute;
using Json = nlohmann::json;

namespace {

// A statistics value from the log as a scalar of the column's type, or null if unusable.
std::shared_ptr<arrow::Scalar> StatScalar(const Json& value,
                                          const std::shared_ptr<arrow::DataType>& type,
                                          bool is_max) {
  std::shared_ptr<arrow::Scalar> scalar;
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return nullptr;
  }
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

// Where each output column of a data file comes from.
struct ColumnSource {
  int file_index = -1;                      // a stored column, or
  std::shared_ptr<arrow::Scalar> constant;  // a partition value or NULL
};

class DataFileReader : public arrow::RecordBatchReader {
 public:
  DataFileReader(std::shared_ptr<arrow::Schema> schema,
                 std::unique_ptr<parquet::arrow::FileReader> file,
                 std::unique_ptr<arrow::RecordBatchReader> batches,
                 std::vector<ColumnSource> sources, std::string path)
      : schema_(std::move(schema)),
        file_(std::move(file)),
        batches_(std::move(batches)),
        sources_(std::move(sources)),
        path_(std::move(path)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    std::shared_ptr<arrow::RecordBatch> batch;
    auto status = batches_->ReadNext(&batch);
    if (!status.ok())
      return status.WithMessage("reading ", path_, ": ", status.message());
    if (!batch) {
      *out = nullptr;
      return arrow::Status::OK();
    }
    arrow::ArrayVector columns;
    for (int i = 0; i < schema_->num_fields(); ++i) {
      const auto& source = sources_[i];
      const auto& type = schema_->field(i)->type();
      if (source.file_index < 0) {
        ARROW_ASSIGN_OR_RAISE(
            auto column, arrow::MakeArrayFromScalar(*source.constant, batch->num_rows()));
        columns.push_back(std::move(column));
        continue;
      }
      auto column = batch->column(source.file_index);
      if (!column->type()->Equals(*type)) {
        ARROW_ASSIGN_OR_RAISE(auto cast, cp::Cast(*column, type));
        column = std::move(cast);
      }
      columns.push_back(std::move(column));
    }
    *out = arrow::RecordBatch::Make(schema_, batch->num_rows(), std::move(columns));
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<parquet::arrow::FileReader> file_;  // outlives batches_
  std::unique_ptr<arrow::RecordBatchReader> batches_;
  std::vector<ColumnSource> sources_;
  std::string path_;
};

}  // namespace

std::string DataFilePath(const std::string& root, const std::string& path) {
  std::string decoded = DecodePath(path);
  if (decoded.rfind("file://", 0) == 0) return decoded.substr(7);
  if (decoded.rfind("file:", 0) == 0) return decoded.substr(5);
  if (!decoded.empty() && decoded[0] == '/') return decoded;
  return (std::filesystem::path(root) / decoded).string();
}

cp::Expression FileGuarantee(const AddFile& add, const arrow::Schema& schema) {
  std::vector<cp::Expression> facts;
  for (const auto& [column, value] : add.partition_values) {
    auto field = schema.GetFieldByName(column);
    if (!field) continue;
    if (!value) {
      facts.push_back(cp::is_null(cp::field_ref(column)));
      continue;
    }
    auto scalar = PartitionValueFromString(value, field->type());
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
          !nulls[name].is_number_integer() || nulls[name].get<int64_t>() != 0) {
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

arrow::Result<bool> FileMayMatch(const AddFile& add, const arrow::Schema& schema,
                                 const cp::Expression& predicate) {
  ARROW_RETURN_NOT_OK(cp::Initialize());  // registers the functions predicates call
  cp::Expression bound = predicate;
  if (!bound.IsBound()) {
    ARROW_ASSIGN_OR_RAISE(bound, predicate.Bind(schema));
  }
  ARROW_ASSIGN_OR_RAISE(auto remaining,
                        cp::SimplifyWithGuarantee(bound, FileGuarantee(add, schema)));
  return remaining.IsSatisfiable();
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> ReadDataFile(
    const std::string& root, const AddFile& add,
    const std::shared_ptr<arrow::Schema>& schema) {
  const std::string path = DataFilePath(root, add.path);
  auto opened = arrow::io::ReadableFile::Open(path);
  if (!opened.ok()) {
    return arrow::Status::IOError("data file ", path, " of Delta table ", root,
                                  " cannot be read: ", opened.status().message());
  }
  auto file = parquet::arrow::OpenFile(*opened, arrow::default_memory_pool());
  if (!file.ok()) {
    return arrow::Status::IOError(
        "data file ", path, " is not a readable Parquet file: ", file.status().message());
  }
  std::shared_ptr<arrow::Schema> file_schema;
  ARROW_RETURN_NOT_OK((*file)->GetSchema(&file_schema));
  std::vector<ColumnSource> sources;
  for (const auto& field : schema->fields()) {
    ColumnSource source;
    auto partition = add.partition_values.find(field->name());
    if (partition != add.partition_values.end()) {
      auto scalar = PartitionValueFromString(partition->second, field->type());
      if (!scalar.ok()) {
        return arrow::Status::IOError(
            "partition value '", partition->second.value_or("NULL"), "' of column ",
            field->name(), " in ", add.path, " is not a ", field->type()->ToString());
      }
      source.constant = *scalar;
    } else {
      source.file_index = file_schema->GetFieldIndex(field->name());
      if (source.file_index < 0) source.constant = arrow::MakeNullScalar(field->type());
    }
    sources.push_back(std::move(source));
  }
  ARROW_ASSIGN_OR_RAISE(auto batches, (*file)->GetRecordBatchReader());
  return std::make_shared<DataFileReader>(schema, std::move(*file), std::move(batches),
                                          std::move(sources), path);
}

arrow::Result<int64_t> DataFileRows(const std::string& root, const AddFile& add) {
  Json stats = Json::parse(add.stats, nullptr, /*allow_exceptions=*/false);
  if (stats.is_object() && stats.contains("numRecords") &&
      stats["numRecords"].is_number_integer()) {
    return stats["numRecords"].get<int64_t>();
  }
  const std::string path = DataFilePath(root, add.path);
  try {
    auto reader = parquet::ParquetFileReader::OpenFile(path);
    return reader->metadata()->num_rows();
  } catch (const std::exception& e) {
    return arrow::Status::IOError("data file ", path, " cannot be read: ", e.what());
  }
}

}  // namespace sluice::delta
