#include "delta/data_writer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/io/file.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>
#include <nlohmann/json.hpp>

#include "common/durable_file.h"
#include "delta/column_encodings.h"

namespace sluice::delta {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

constexpr int64_t kRowGroupRows = 128 * 1024;

std::string RandomId() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  char text[40];
  const uint64_t a = random(), b = random();
  std::snprintf(text, sizeof(text), "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

// Hive-style escaping of a partition directory's value.
std::string EscapePartitionValue(const std::string& value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f ||
        std::string_view("\"#%'*/:=?\\{[]^").find(static_cast<char>(c)) !=
            std::string_view::npos) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// A statistics value in the JSON form Delta readers expect; nullopt when the column's
// type has no usable min/max (booleans, nested types, long strings, NaN).
std::optional<Json> StatValue(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return std::nullopt;
  const auto id = scalar.type->id();
  if (arrow::is_integer(id)) {
    auto cast = scalar.CastTo(arrow::int64());
    if (!cast.ok()) return std::nullopt;
    return Json(static_cast<const arrow::Int64Scalar&>(**cast).value);
  }
  if (arrow::is_floating(id)) {
    auto cast = scalar.CastTo(arrow::float64());
    if (!cast.ok()) return std::nullopt;
    const double value = static_cast<const arrow::DoubleScalar&>(**cast).value;
    if (!std::isfinite(value)) return std::nullopt;
    return Json(value);
  }
  if (id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING) {
    std::string text = scalar.ToString();
    if (text.size() > 64) return std::nullopt;
    return Json(text);
  }
  if (id == arrow::Type::DATE32 || id == arrow::Type::TIMESTAMP ||
      arrow::is_decimal(id)) {
    auto text = scalar.CastTo(arrow::utf8());
    if (!text.ok()) return std::nullopt;
    std::string value = (*text)->ToString();
    if (arrow::is_decimal(id)) {
      Json number = Json::parse(value, nullptr, false);
      if (number.is_discarded()) return std::nullopt;
      return number;
    }
    if (id == arrow::Type::TIMESTAMP) {
      // "2024-01-02 03:04:05.000000[Z]" -> RFC 3339, UTC.
      if (!value.empty() && value.back() == 'Z') value.pop_back();
      if (value.size() > 10) value[10] = 'T';
      value += "Z";
    }
    return Json(value);
  }
  return std::nullopt;
}

struct ColumnStats {
  std::shared_ptr<arrow::Scalar> min, max;
  // False once a batch's range could not be taken or merged: the file then gets no
  // bounds for the column, never wrong ones.
  bool bounded = true;
  int64_t nulls = 0;
};

// Widens `stats` (one per column) by `batch`'s null counts and min/max.
void AddStats(const arrow::RecordBatch& batch, std::vector<ColumnStats>* all_stats) {
  for (int c = 0; c < batch.num_columns(); ++c) {
    auto& stats = (*all_stats)[c];
    const auto& column = batch.column(c);
    stats.nulls += column->null_count();
    const auto id = column->type()->id();
    if (id == arrow::Type::BOOL || arrow::is_nested(id) || !stats.bounded ||
        column->null_count() == column->length()) {
      continue;
    }
    auto min_max = arrow::compute::MinMax(column);
    if (!min_max.ok()) {
      stats.bounded = false;
      continue;
    }
    const auto& pair = min_max->scalar_as<arrow::StructScalar>();
    // The bound so far moves to `next` where `next` lies beyond it. "less" and "greater"
    // order every type MinMax does (min_element_wise has no kernel for zoned timestamps).
    auto merge = [&stats](std::shared_ptr<arrow::Scalar>* bound,
                          const std::shared_ptr<arrow::Scalar>& next,
                          const char* beyond) {
      if (!*bound) {
        *bound = next;
        return;
      }
      auto further = arrow::compute::CallFunction(beyond, {next, *bound});
      if (!further.ok() || !further->scalar()->is_valid) {
        stats.bounded = false;
        return;
      }
      if (further->scalar_as<arrow::BooleanScalar>().value) *bound = next;
    };
    merge(&stats.min, pair.value[0], "less");
    merge(&stats.max, pair.value[1], "greater");
  }
}

// The schema a data file declares: each column in which `first_rows` has no NULL is
// REQUIRED, so readers decode no definition levels and build no validity bitmap for it
// (a nullable column of a Delta table may be stored so in any file without NULLs there).
std::shared_ptr<arrow::Schema> StoredSchema(const arrow::Schema& schema,
                                            const arrow::RecordBatch& first_rows) {
  arrow::FieldVector fields = schema.fields();
  for (int c = 0; c < first_rows.num_columns(); ++c) {
    if (first_rows.column(c)->null_count() == 0)
      fields[c] = fields[c]->WithNullable(false);
  }
  return arrow::schema(std::move(fields), schema.metadata());
}

// Whether `batch` can go into a file of `stored` columns: no NULL where it has none.
bool FitsStoredSchema(const arrow::Schema& stored, const arrow::RecordBatch& batch) {
  for (int c = 0; c < batch.num_columns(); ++c) {
    if (!stored.field(c)->nullable() && batch.column(c)->null_count() > 0) return false;
  }
  return true;
}

}  // namespace

arrow::Result<std::optional<std::string>> PartitionValueToString(
    const arrow::Scalar& value) {
  if (!value.is_valid) return std::nullopt;
  if (value.type->id() == arrow::Type::BOOL) {
    return std::optional<std::string>(
        static_cast<const arrow::BooleanScalar&>(value).value ? "true" : "false");
  }
  ARROW_ASSIGN_OR_RAISE(auto text, value.CastTo(arrow::utf8()));
  std::string out = text->ToString();
  if (value.type->id() == arrow::Type::TIMESTAMP && !out.empty() && out.back() == 'Z')
    out.pop_back();
  return std::optional<std::string>(out);
}

arrow::Result<std::shared_ptr<arrow::Scalar>> PartitionValueFromString(
    const std::optional<std::string>& text,
    const std::shared_ptr<arrow::DataType>& type) {
  if (!text) return arrow::MakeNullScalar(type);
  if (type->id() == arrow::Type::STRING) return arrow::MakeScalar(*text);
  auto as_text = arrow::MakeScalar(*text);
  return as_text->CastTo(type);
}

struct DataWriter::OpenFile {
  std::string dir;   // the partition directory, relative to the root
  std::string path;  // relative to the root, as on disk; empty until started
  std::vector<std::shared_ptr<arrow::RecordBatch>> pending;  // rows before it started
  PartitionValues values;
  std::shared_ptr<arrow::io::FileOutputStream> out;
  std::unique_ptr<parquet::arrow::FileWriter> writer;
  int64_t rows = 0;
  std::vector<ColumnStats> stats;
  std::shared_ptr<arrow::Schema> schema;  // as stored (StoredSchema); set when started
};

DataWriter::DataWriter(std::string root, std::shared_ptr<arrow::Schema> table_schema,
                       std::vector<std::string> partition_columns,
                       int64_t target_file_rows)
    : root_(std::move(root)),
      table_schema_(std::move(table_schema)),
      partition_columns_(std::move(partition_columns)),
      target_file_rows_(target_file_rows) {
  arrow::FieldVector data_fields;
  for (const auto& name : partition_columns_) {
    partition_indices_.push_back(table_schema_->GetFieldIndex(name));
  }
  for (int i = 0; i < table_schema_->num_fields(); ++i) {
    if (std::find(partition_indices_.begin(), partition_indices_.end(), i) ==
        partition_indices_.end()) {
      data_indices_.push_back(i);
      data_fields.push_back(table_schema_->field(i));
    }
  }
  file_schema_ = arrow::schema(std::move(data_fields));
}

DataWriter::~DataWriter() = default;

arrow::Status DataWriter::Write(const std::shared_ptr<arrow::RecordBatch>& batch) {
  if (batch->num_rows() == 0) return arrow::Status::OK();
  rows_ += batch->num_rows();
  if (partition_columns_.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto data, batch->SelectColumns(data_indices_));
    return WritePartition({}, data);
  }
  // Group the rows by their partition values.
  std::vector<std::vector<std::optional<std::string>>> keys(partition_indices_.size());
  for (size_t p = 0; p < partition_indices_.size(); ++p) {
    const auto& column = batch->column(partition_indices_[p]);
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      ARROW_ASSIGN_OR_RAISE(auto scalar, column->GetScalar(r));
      ARROW_ASSIGN_OR_RAISE(auto text, PartitionValueToString(*scalar));
      keys[p].push_back(std::move(text));
    }
  }
  std::map<std::vector<std::optional<std::string>>, std::vector<int64_t>> groups;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    std::vector<std::optional<std::string>> key;
    for (const auto& column_keys : keys) key.push_back(column_keys[r]);
    groups[key].push_back(r);
  }
  ARROW_ASSIGN_OR_RAISE(auto data, batch->SelectColumns(data_indices_));
  for (const auto& [key, rows] : groups) {
    std::shared_ptr<arrow::RecordBatch> part = data;
    if (rows.size() != static_cast<size_t>(batch->num_rows())) {
      arrow::Int64Builder indices;
      ARROW_RETURN_NOT_OK(indices.AppendValues(rows));
      ARROW_ASSIGN_OR_RAISE(auto index_array, indices.Finish());
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(data, index_array));
      part = taken.record_batch();
    }
    PartitionValues values;
    for (size_t p = 0; p < partition_columns_.size(); ++p)
      values[partition_columns_[p]] = key[p];
    ARROW_RETURN_NOT_OK(WritePartition(values, part));
  }
  return arrow::Status::OK();
}

arrow::Status DataWriter::WritePartition(
    const PartitionValues& values, const std::shared_ptr<arrow::RecordBatch>& batch) {
  std::string dir;
  for (const auto& name : partition_columns_) {
    const auto& value = values.at(name);
    dir += name + "=" +
           (value ? EscapePartitionValue(*value) : "__HIVE_DEFAULT_PARTITION__") + "/";
  }
  auto& file = open_[dir];
  // A NULL where the file has REQUIRED columns starts a new file.
  if (file && (file->rows >= target_file_rows_ ||
               (file->writer && !FitsStoredSchema(*file->schema, *batch)))) {
    ARROW_RETURN_NOT_OK(CloseFile(file.get()));
    file.reset();
  }
  if (!file) {
    file = std::make_unique<OpenFile>();
    file->values = values;
    file->dir = dir;
    file->stats.resize(static_cast<size_t>(file_schema_->num_fields()));
  }
  file->rows += batch->num_rows();
  AddStats(*batch, &file->stats);
  if (file->writer) return WriteStored(*file, *batch);
  // A file's first rows are held until they are enough to choose its encodings from.
  file->pending.push_back(batch);
  if (file->rows < kEncodingSampleRows) return arrow::Status::OK();
  return StartFile(file.get());
}

arrow::Status DataWriter::StartFile(OpenFile* file) {
  file->path = file->dir + "part-" + RandomId() + ".c000.snappy.parquet";
  fs::create_directories(fs::path(root_) / file->dir);
  ARROW_ASSIGN_OR_RAISE(file->out, arrow::io::FileOutputStream::Open(
                                       (fs::path(root_) / file->path).string()));
  written_paths_.push_back(file->path);
  ARROW_ASSIGN_OR_RAISE(auto first_rows, arrow::ConcatenateRecordBatches(file->pending));
  file->pending.clear();
  // Row groups of 128Ki rows: fine-grained skipping by statistics and batches that
  // stay in cache. DECIMALs up to 18 digits are stored as INT32/INT64 (Parquet's
  // DECIMAL logical type allows it), which decode far faster than byte arrays. Each
  // column's encoding is chosen from the rows the file starts with.
  parquet::WriterProperties::Builder builder;
  builder.compression(parquet::Compression::SNAPPY)
      ->max_row_group_length(kRowGroupRows)
      ->enable_store_decimal_as_integer();
  ChooseColumnEncodings(*first_rows, &builder);
  file->schema = StoredSchema(*file_schema_, *first_rows);
  ARROW_ASSIGN_OR_RAISE(file->writer, parquet::arrow::FileWriter::Open(
                                          *file->schema, arrow::default_memory_pool(),
                                          file->out, builder.build()));
  return WriteStored(*file, *first_rows);
}

arrow::Status DataWriter::WriteStored(const OpenFile& file,
                                      const arrow::RecordBatch& batch) {
  return file.writer->WriteRecordBatch(
      *arrow::RecordBatch::Make(file.schema, batch.num_rows(), batch.columns()));
}

arrow::Status DataWriter::CloseFile(OpenFile* file) {
  if (!file->writer) ARROW_RETURN_NOT_OK(StartFile(file));
  ARROW_RETURN_NOT_OK(file->writer->Close());
  ARROW_RETURN_NOT_OK(file->out->Close());
  // A commit may reference the file only once it is on stable storage.
  ARROW_RETURN_NOT_OK(SyncFile((fs::path(root_) / file->path).string()));
  Json mins = Json::object(), maxs = Json::object(), nulls = Json::object();
  for (int c = 0; c < file_schema_->num_fields(); ++c) {
    const auto& name = file_schema_->field(c)->name();
    const auto& stats = file->stats[c];
    nulls[name] = stats.nulls;
    if (stats.bounded && stats.min && stats.max) {
      auto min = StatValue(*stats.min), max = StatValue(*stats.max);
      if (min && max) {
        mins[name] = *min;
        maxs[name] = *max;
      }
    }
  }
  AddFile add;
  add.path = EncodePath(file->path);
  add.partition_values = file->values;
  add.size = static_cast<int64_t>(fs::file_size(fs::path(root_) / file->path));
  add.modification_time = NowMillis();
  add.data_change = true;
  add.stats = Json{
      {"numRecords", file->rows},
      {"minValues", mins},
      {"maxValues", maxs},
      {"nullCount",
       nulls}}.dump();
  done_.push_back(std::move(add));
  return arrow::Status::OK();
}

arrow::Result<std::vector<AddFile>> DataWriter::Finish() {
  for (auto& [dir, file] : open_) {
    if (file) ARROW_RETURN_NOT_OK(CloseFile(file.get()));
  }
  // And so must the new files' names and partition directories be.
  for (const auto& [dir, file] : open_) {
    for (fs::path path = fs::path(root_) / dir;; path = path.parent_path()) {
      ARROW_RETURN_NOT_OK(SyncDirectory(path.string()));
      if (path.lexically_normal() == fs::path(root_).lexically_normal() ||
          !path.has_parent_path()) {
        break;
      }
    }
  }
  open_.clear();
  return std::move(done_);
}

void DataWriter::Abort() {
  for (auto& [dir, file] : open_) {
    if (file && file->writer) (void)file->writer->Close();
    if (file && file->out) (void)file->out->Close();
  }
  open_.clear();
  std::error_code ignored;
  for (const auto& path : written_paths_) fs::remove(fs::path(root_) / path, ignored);
  written_paths_.clear();
  done_.clear();
}

}  // namespace sluice::delta
