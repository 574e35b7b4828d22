#include "catalog/file_table.h"

#include <glob.h>

#include <algorithm>

#include <arrow/acero/options.h>
#include <arrow/dataset/api.h>
#include <arrow/filesystem/localfs.h>
#include <parquet/properties.h>

namespace sluice::catalog {

namespace {

const char* FunctionName(FileFormatKind kind) {
  switch (kind) {
    case FileFormatKind::kParquet:
      return "read_parquet";
    case FileFormatKind::kCsv:
      return "read_csv";
    case FileFormatKind::kIpc:
      return "read_ipc";
  }
  return "read_file";
}

arrow::Result<std::vector<std::string>> ExpandGlob(const std::string& pattern) {
  glob_t matches{};
  const int rc = glob(pattern.c_str(), GLOB_NOSORT, nullptr, &matches);
  std::vector<std::string> paths;
  if (rc == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    return arrow::Status::IOError("cannot expand '", pattern, "'");
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

arrow::Result<std::shared_ptr<arrow::dataset::FileSystemDataset>> MakeDataset(
    const std::vector<std::string>& paths,
    const std::shared_ptr<arrow::dataset::FileFormat>& format,
    const std::shared_ptr<arrow::Schema>& schema) {
  auto fs = std::make_shared<arrow::fs::LocalFileSystem>();
  ARROW_ASSIGN_OR_RAISE(auto factory, arrow::dataset::FileSystemDatasetFactory::Make(
                                          fs, paths, format, {}));
  arrow::dataset::FinishOptions options;
  if (schema) options.schema = schema;
  ARROW_ASSIGN_OR_RAISE(auto dataset, factory->Finish(options));
  return std::static_pointer_cast<arrow::dataset::FileSystemDataset>(dataset);
}

}  // namespace

arrow::Result<std::shared_ptr<FileTable>> FileTable::Open(FileFormatKind kind,
                                                          const std::string& glob) {
  ARROW_ASSIGN_OR_RAISE(auto paths, ExpandGlob(glob));
  if (paths.empty()) {
    return arrow::Status::IOError(FunctionName(kind), ": no files match '", glob, "'");
  }
  std::shared_ptr<arrow::dataset::FileFormat> format;
  switch (kind) {
    case FileFormatKind::kParquet:
      format = std::make_shared<arrow::dataset::ParquetFileFormat>();
      break;
    case FileFormatKind::kCsv:
      format = std::make_shared<arrow::dataset::CsvFileFormat>();
      break;
    case FileFormatKind::kIpc:
      format = std::make_shared<arrow::dataset::IpcFileFormat>();
      break;
  }
  auto dataset = MakeDataset(paths, format, nullptr);
  if (!dataset.ok()) {
    return dataset.status().WithMessage(FunctionName(kind), "('", glob,
                                        "'): ", dataset.status().message());
  }
  return std::shared_ptr<FileTable>(
      new FileTable(kind, glob, std::move(paths), format, (*dataset)->schema()));
}

FileTable::FileTable(FileFormatKind kind, std::string glob,
                     std::vector<std::string> paths,
                     std::shared_ptr<arrow::dataset::FileFormat> format,
                     std::shared_ptr<arrow::Schema> schema)
    : kind_(kind),
      glob_(std::move(glob)),
      paths_(std::move(paths)),
      format_(std::move(format)),
      schema_(std::move(schema)) {}

std::shared_ptr<arrow::Schema> FileTable::schema() const { return schema_; }

std::string FileTable::Describe() const {
  return std::string(FunctionName(kind_)) + "('" + glob_ + "') [" +
         std::to_string(paths_.size()) + " file" + (paths_.size() == 1 ? "" : "s") + "]";
}

int FileTable::MaxPartitions() const { return static_cast<int>(paths_.size()); }

namespace {

// Reads a list of files one after another, each through its format's async batch reader
// (which reads ahead a bounded number of batches). Errors name the file they came from.
class FileBatchGenerator : public std::enable_shared_from_this<FileBatchGenerator> {
 public:
  using Batch = std::optional<arrow::compute::ExecBatch>;

  FileBatchGenerator(std::vector<std::shared_ptr<arrow::dataset::Fragment>> fragments,
                     std::vector<std::string> paths,
                     std::shared_ptr<arrow::dataset::ScanOptions> options,
                     std::shared_ptr<arrow::Schema> output, ScanRequest request)
      : fragments_(std::move(fragments)),
        paths_(std::move(paths)),
        options_(std::move(options)),
        output_(std::move(output)),
        request_(std::move(request)) {}

  arrow::Future<Batch> Next() {
    if (request_.cancellation && request_.cancellation->requested()) return Batch();
    if (!current_) {
      if (index_ == fragments_.size()) return Batch();
      auto batches = fragments_[index_]->ScanBatchesAsync(options_);
      if (!batches.ok()) return WithPath(batches.status());
      current_ = std::move(*batches);
    }
    auto self = shared_from_this();
    return current_().Then(
        [self](const std::shared_ptr<arrow::RecordBatch>& batch) -> arrow::Future<Batch> {
          if (!batch) {
            self->current_ = nullptr;
            ++self->index_;
            return self->Next();
          }
          return self->Convert(*batch);
        },
        [self](const arrow::Status& status) -> arrow::Future<Batch> {
          return self->WithPath(status);
        });
  }

 private:
  arrow::Status WithPath(const arrow::Status& status) const {
    return status.WithMessage("reading ", paths_[index_], ": ", status.message());
  }

  // Picks the requested columns by name; a file without one yields NULLs for it.
  arrow::Result<Batch> Convert(const arrow::RecordBatch& batch) const {
    std::vector<arrow::Datum> values;
    for (const auto& field : output_->fields()) {
      auto column = batch.GetColumnByName(field->name());
      if (!column) {
        ARROW_ASSIGN_OR_RAISE(column,
                              arrow::MakeArrayOfNull(field->type(), batch.num_rows()));
      }
      values.emplace_back(std::move(column));
    }
    if (request_.rows_scanned) *request_.rows_scanned += batch.num_rows();
    return Batch(arrow::compute::ExecBatch(std::move(values), batch.num_rows()));
  }

  std::vector<std::shared_ptr<arrow::dataset::Fragment>> fragments_;
  std::vector<std::string> paths_;
  std::shared_ptr<arrow::dataset::ScanOptions> options_;
  std::shared_ptr<arrow::Schema> output_;
  ScanRequest request_;
  size_t index_ = 0;
  arrow::AsyncGenerator<std::shared_ptr<arrow::RecordBatch>> current_;
};

}  // namespace

arrow::Result<arrow::acero::Declaration> FileTable::MakeScan(
    const ScanRequest& request) const {
  const size_t n = paths_.size();
  const size_t begin = n * request.partition / request.num_partitions;
  const size_t end = n * (request.partition + 1) / request.num_partitions;
  std::vector<std::string> part(paths_.begin() + begin, paths_.begin() + end);
  ARROW_ASSIGN_OR_RAISE(auto dataset, MakeDataset(part, format_, schema_));
  ARROW_ASSIGN_OR_RAISE(auto fragment_iterator, dataset->GetFragments());
  ARROW_ASSIGN_OR_RAISE(auto fragments, fragment_iterator.ToVector());

  auto scan_options = std::make_shared<arrow::dataset::ScanOptions>();
  scan_options->dataset_schema = schema_;
  // Prunes row groups and files by their statistics.
  ARROW_ASSIGN_OR_RAISE(scan_options->filter, request.filter.Bind(*schema_));
  scan_options->batch_size = kSourceBatchRows;
  if (kind_ == FileFormatKind::kParquet) {
    // Pre-buffering fetches the column chunks of many row groups at once, so memory
    // would grow with the file; read row group by row group instead.
    auto parquet_options = std::make_shared<arrow::dataset::ParquetFragmentScanOptions>();
    parquet_options->arrow_reader_properties->set_pre_buffer(false);
    scan_options->fragment_scan_options = parquet_options;
  }
  ARROW_ASSIGN_OR_RAISE(auto projection, arrow::dataset::ProjectionDescr::FromNames(
                                             request.columns, *schema_));
  arrow::dataset::SetProjection(scan_options.get(), std::move(projection));

  arrow::FieldVector fields;
  for (const auto& name : request.columns)
    fields.push_back(schema_->GetFieldByName(name));
  auto output = arrow::schema(std::move(fields));
  auto generator = std::make_shared<FileBatchGenerator>(
      std::move(fragments), std::move(part), scan_options, output, request);
  return arrow::acero::Declaration("source",
                                   arrow::acero::SourceNodeOptions(
                                       output, [generator] { return generator->Next(); },
                                       arrow::compute::Ordering::Implicit()));
}

}  // namespace sluice::catalog
