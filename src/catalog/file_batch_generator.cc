#include "catalog/file_batch_generator.h"

#include <algorithm>

#include <arrow/dataset/api.h>
#include <arrow/util/byte_size.h>
#include <parquet/properties.h>

#include "catalog/parquet_page_scan.h"

namespace sluice::catalog {

namespace {

// Batches decoded ahead of the consumer when decoding runs in parallel.
constexpr int32_t kDecodeReadahead = 4;

class FileBatchGenerator : public std::enable_shared_from_this<FileBatchGenerator> {
 public:
  using Batch = std::optional<arrow::compute::ExecBatch>;

  FileBatchGenerator(std::vector<FileToScan> files, std::shared_ptr<arrow::Schema> output,
                     ScanRequest request)
      : files_(std::move(files)),
        output_(std::move(output)),
        request_(std::move(request)) {}

  arrow::Future<Batch> Next() {
    // A stopped query ends its scans with an error, not a clean end: a sort or
    // aggregate above must not go on to finish what it has.
    if (request_.cancellation && request_.cancellation->requested()) {
      return arrow::Status::Cancelled("query stopped");
    }
    if (!current_) {
      if (index_ == files_.size()) return Batch();
      auto batches = OpenFile(files_[index_]);
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
  // A Parquet file is read by our reader (it skips pages and decodes dictionaries
  // fast); other files by their format's reader.
  arrow::Result<arrow::AsyncGenerator<std::shared_ptr<arrow::RecordBatch>>> OpenFile(
      const FileToScan& file) {
    counts_rows_ = file.fragment->type_name() == "parquet";
    if (counts_rows_) {
      return ScanParquetFile(file.path, *file.options, request_.rows_scanned);
    }
    return file.fragment->ScanBatchesAsync(file.options);
  }

  arrow::Status WithPath(const arrow::Status& status) const {
    return status.WithMessage("reading ", files_[index_].path, ": ", status.message());
  }

  arrow::Result<Batch> Convert(const arrow::RecordBatch& batch) const {
    const auto& constants = files_[index_].constants;
    std::vector<arrow::Datum> values;
    for (const auto& field : output_->fields()) {
      auto constant = constants.find(field->name());
      if (constant != constants.end()) {
        ARROW_ASSIGN_OR_RAISE(
            auto column, arrow::MakeArrayFromScalar(*constant->second, batch.num_rows()));
        values.emplace_back(std::move(column));
        continue;
      }
      auto column = batch.GetColumnByName(field->name());
      if (!column) {
        ARROW_ASSIGN_OR_RAISE(column,
                              arrow::MakeArrayOfNull(field->type(), batch.num_rows()));
      }
      values.emplace_back(std::move(column));
    }
    if (request_.rows_scanned && !counts_rows_) {
      *request_.rows_scanned += batch.num_rows();
    }
    if (request_.bytes_scanned) {
      *request_.bytes_scanned += arrow::util::TotalBufferSize(batch);
    }
    return Batch(arrow::compute::ExecBatch(std::move(values), batch.num_rows()));
  }

  std::vector<FileToScan> files_;
  std::shared_ptr<arrow::Schema> output_;
  ScanRequest request_;
  size_t index_ = 0;
  arrow::AsyncGenerator<std::shared_ptr<arrow::RecordBatch>> current_;
  bool counts_rows_ = false;  // the current file's reader counts the rows it reads
};

}  // namespace

ScanStream MakeFileSource(std::vector<FileToScan> files,
                          std::shared_ptr<arrow::Schema> output,
                          const ScanRequest& request) {
  auto generator =
      std::make_shared<FileBatchGenerator>(std::move(files), output, request);
  return ScanStream{std::move(output), {[generator] { return generator->Next(); }}};
}

std::shared_ptr<arrow::DataType> ScanType(
    const std::shared_ptr<arrow::Field>& field,
    const std::vector<std::string>& dictionary_columns) {
  const bool wanted = std::find(dictionary_columns.begin(), dictionary_columns.end(),
                                field->name()) != dictionary_columns.end();
  const auto id = field->type()->id();
  if (!wanted || (id != arrow::Type::STRING && id != arrow::Type::BINARY)) {
    return field->type();
  }
  return arrow::dictionary(arrow::int32(), field->type());
}

arrow::Result<std::shared_ptr<arrow::dataset::ScanOptions>> MakeFileScanOptions(
    const std::shared_ptr<arrow::Schema>& file_schema,
    const std::vector<std::string>& columns, const arrow::compute::Expression& filter,
    bool parquet, arrow::internal::Executor* executor,
    const std::vector<std::string>& dictionary_columns) {
  auto options = std::make_shared<arrow::dataset::ScanOptions>();
  options->dataset_schema = file_schema;
  ARROW_ASSIGN_OR_RAISE(options->filter, filter.Bind(*file_schema));
  options->batch_size = kSourceBatchRows;
  if (executor) {
    options->use_threads = true;
    options->cpu_executor = executor;
    options->batch_readahead = kDecodeReadahead;
  }
  if (parquet) {
    // Pre-buffering fetches the column chunks of many row groups at once, so memory
    // would grow with the file; read row group by row group instead.
    auto parquet_options = std::make_shared<arrow::dataset::ParquetFragmentScanOptions>();
    parquet_options->arrow_reader_properties->set_pre_buffer(false);
    options->fragment_scan_options = parquet_options;
  }
  std::vector<std::string> stored;
  for (const auto& column : columns) {
    if (file_schema->GetFieldIndex(column) >= 0) stored.push_back(column);
  }
  ARROW_ASSIGN_OR_RAISE(auto projection,
                        arrow::dataset::ProjectionDescr::FromNames(stored, *file_schema));
  arrow::dataset::SetProjection(options.get(), std::move(projection));
  if (parquet && !dictionary_columns.empty()) {
    // Our Parquet reader reads a column typed as a dictionary as its indices.
    arrow::FieldVector fields = options->projected_schema->fields();
    for (auto& field : fields)
      field = field->WithType(ScanType(field, dictionary_columns));
    options->projected_schema = arrow::schema(std::move(fields));
  }
  return options;
}

}  // namespace sluice::catalog
