#include "catalog/delta_source.h"

#include <algorithm>

#include <arrow/compute/api.h>
#include <arrow/dataset/api.h>
#include <arrow/filesystem/localfs.h>

#include "catalog/file_batch_generator.h"
#include "common/conjuncts.h"
#include "delta/data_files.h"
#include "delta/data_writer.h"
#include "delta/snapshot.h"

namespace sluice::catalog {

namespace cp = arrow::compute;

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

void DeltaSource::Estimate() const {
  constexpr int64_t kBytesPerRow = 32;  // for a file without statistics
  int64_t rows = 0;
  bool exact = true;
  std::map<std::string, std::pair<int64_t, int64_t>> ranges;
  std::map<std::string, size_t> files_with_range;
  for (const auto& add : snapshot_->files()) {
    auto stats = nlohmann::json::parse(add.stats, nullptr, /*allow_exceptions=*/false);
    if (stats.is_object() && stats.contains("numRecords") &&
        stats["numRecords"].is_number_integer()) {
      rows += stats["numRecords"].get<int64_t>();
    } else {
      rows += add.size / kBytesPerRow;
      exact = false;
    }
    if (!stats.is_object() || !stats.contains("minValues") ||
        !stats.contains("maxValues"))
      continue;
    const auto& mins = stats["minValues"];
    const auto& maxes = stats["maxValues"];
    if (!mins.is_object() || !maxes.is_object()) continue;
    for (const auto& [name, low] : mins.items()) {
      if (!low.is_number_integer() || !maxes.contains(name) ||
          !maxes[name].is_number_integer()) {
        continue;
      }
      const int64_t lo = low.get<int64_t>(), hi = maxes[name].get<int64_t>();
      auto [it, inserted] = ranges.emplace(name, std::make_pair(lo, hi));
      if (!inserted) {
        it->second.first = std::min(it->second.first, lo);
        it->second.second = std::max(it->second.second, hi);
      }
      ++files_with_range[name];
    }
  }
  for (const auto& [name, count] : files_with_range) {
    if (count == snapshot_->files().size()) integer_ranges_[name] = ranges[name];
  }
  estimated_rows_ = rows;
  // Files with deletion vectors are refused when the log is read, so `numRecords`
  // counts every row a file holds.
  if (exact) exact_rows_ = rows;
}

std::optional<int64_t> DeltaSource::ExactRows() const {
  std::call_once(estimate_once_, [this] { Estimate(); });
  return exact_rows_;
}

std::optional<int64_t> DeltaSource::EstimatedRows() const {
  std::call_once(estimate_once_, [this] { Estimate(); });
  return estimated_rows_;
}

std::optional<int64_t> DeltaSource::EstimatedDistinct(const std::string& column) const {
  std::call_once(estimate_once_, [this] { Estimate(); });
  auto it = integer_ranges_.find(column);
  if (it != integer_ranges_.end()) {
    const auto [low, high] = it->second;
    return std::min(estimated_rows_, high - low + 1);
  }
  if (snapshot_->files().empty() || file_schema_->GetFieldIndex(column) < 0) {
    return std::nullopt;
  }
  return dictionary_sizes_.Of(
      delta::DataFilePath(snapshot_->root(), snapshot_->files().front().path), column);
}

int DeltaSource::MaxPartitions() const {
  return std::max<int>(1, static_cast<int>(snapshot_->files().size()));
}

arrow::Result<ScanStream> DeltaSource::MakeScan(const ScanRequest& request) const {
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
    ARROW_ASSIGN_OR_RAISE(auto remaining, cp::SimplifyWithGuarantee(
                                              filter, delta::FileGuarantee(add, schema)));
    if (remaining.IsSatisfiable() == false) continue;  // no row of this file can pass
    FileToScan file;
    file.path = delta::DataFilePath(snapshot_->root(), add.path);
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
            /*parquet=*/true, request.executor, request.dictionary_columns));
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
  // Stored string columns come dictionary-encoded where asked (partition columns never).
  arrow::FieldVector fields;
  for (const auto& name : request.columns) {
    auto field = schema.GetFieldByName(name);
    if (file_schema_->GetFieldIndex(name) >= 0) {
      field = field->WithType(ScanType(field, request.dictionary_columns));
    }
    fields.push_back(std::move(field));
  }
  return MakeFileSource(std::move(files), arrow::schema(std::move(fields)), request);
}

}  // namespace sluice::catalog
