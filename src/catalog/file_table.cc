#include "catalog/file_table.h"

#include "catalog/file_batch_generator.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>

#include <arrow/dataset/api.h>
#include <arrow/filesystem/localfs.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

namespace sluice::catalog {

std::optional<FileFormatKind> FileFormatNamed(std::string_view name) {
  if (name == "parquet") return FileFormatKind::kParquet;
  if (name == "csv") return FileFormatKind::kCsv;
  if (name == "arrow" || name == "ipc") return FileFormatKind::kIpc;
  if (name == "ndjson" || name == "json") return FileFormatKind::kNdjson;
  return std::nullopt;
}

namespace {

const char* FunctionName(FileFormatKind kind) {
  switch (kind) {
    case FileFormatKind::kParquet:
      return "read_parquet";
    case FileFormatKind::kCsv:
      return "read_csv";
    case FileFormatKind::kIpc:
      return "read_ipc";
    case FileFormatKind::kNdjson:
      return "read_ndjson";
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

std::shared_ptr<arrow::dataset::FileFormat> MakeFormat(FileFormatKind kind) {
  switch (kind) {
    case FileFormatKind::kParquet:
      return std::make_shared<arrow::dataset::ParquetFileFormat>();
    case FileFormatKind::kCsv:
      return std::make_shared<arrow::dataset::CsvFileFormat>();
    case FileFormatKind::kIpc:
      return std::make_shared<arrow::dataset::IpcFileFormat>();
    case FileFormatKind::kNdjson:
      return std::make_shared<arrow::dataset::JsonFileFormat>();
  }
  return nullptr;
}

}  // namespace

std::shared_ptr<FileTable> FileTable::OfFiles(FileFormatKind kind,
                                              std::string description,
                                              std::vector<std::string> paths,
                                              std::shared_ptr<arrow::Schema> schema) {
  return std::shared_ptr<FileTable>(new FileTable(kind, std::move(description),
                                                  std::move(paths), MakeFormat(kind),
                                                  std::move(schema)));
}

arrow::Result<std::shared_ptr<FileTable>> FileTable::Open(FileFormatKind kind,
                                                          const std::string& glob,
                                                          const FileAccess& access) {
  ARROW_RETURN_NOT_OK(access.CheckRead(glob));
  ARROW_ASSIGN_OR_RAISE(auto paths, ExpandGlob(glob));
  if (paths.empty()) {
    return arrow::Status::IOError(FunctionName(kind), ": no files match '", glob, "'");
  }
  for (const auto& path : paths) ARROW_RETURN_NOT_OK(access.CheckRead(path));
  auto format = MakeFormat(kind);
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

std::optional<int64_t> FileTable::EstimatedRows() const {
  std::call_once(estimate_once_, [this] { estimated_rows_ = CountRows(); });
  return estimated_rows_;
}

std::optional<int64_t> FileTable::ExactRows() const {
  if (kind_ != FileFormatKind::kParquet) return std::nullopt;
  int64_t rows = 0;
  for (const auto& path : paths_) {
    try {
      rows += parquet::ParquetFileReader::OpenFile(path, false)->metadata()->num_rows();
    } catch (const std::exception&) {
      return std::nullopt;  // the scan reports what is wrong with the file
    }
  }
  return rows;
}

std::optional<int64_t> FileTable::EstimatedDistinct(const std::string& column) const {
  if (kind_ != FileFormatKind::kParquet || paths_.empty()) return std::nullopt;
  return dictionary_sizes_.Of(paths_.front(), column);
}

int64_t FileTable::CountRows() const {
  // At most this many files are looked at; the rest are assumed alike.
  constexpr size_t kSampled = 64;
  constexpr int64_t kBytesPerRow = 64;
  const size_t sampled = std::min(paths_.size(), kSampled);
  int64_t rows = 0;
  for (size_t i = 0; i < sampled; ++i) {
    if (kind_ == FileFormatKind::kParquet) {
      try {
        auto reader = parquet::ParquetFileReader::OpenFile(paths_[i], false);
        rows += reader->metadata()->num_rows();
        continue;
      } catch (const std::exception&) {
        // Unreadable now: estimated from its size like the other formats.
      }
    }
    {
      std::error_code error;
      const auto size = std::filesystem::file_size(paths_[i], error);
      rows += error ? 0 : static_cast<int64_t>(size) / kBytesPerRow;
    }
  }
  if (sampled == 0) return 0;
  return rows * static_cast<int64_t>(paths_.size()) / static_cast<int64_t>(sampled);
}

arrow::Result<ScanStream> FileTable::MakeScan(const ScanRequest& request) const {
  const size_t n = paths_.size();
  const size_t begin = n * request.partition / request.num_partitions;
  const size_t end = n * (request.partition + 1) / request.num_partitions;
  std::vector<std::string> part(paths_.begin() + begin, paths_.begin() + end);
  ARROW_ASSIGN_OR_RAISE(auto dataset, MakeDataset(part, format_, schema_));
  ARROW_ASSIGN_OR_RAISE(auto fragment_iterator, dataset->GetFragments());
  ARROW_ASSIGN_OR_RAISE(auto fragments, fragment_iterator.ToVector());
  ARROW_ASSIGN_OR_RAISE(
      auto options,
      MakeFileScanOptions(schema_, request.columns, request.filter,
                          kind_ == FileFormatKind::kParquet, request.executor));
  std::vector<FileToScan> files;
  for (size_t i = 0; i < fragments.size(); ++i) {
    files.push_back({fragments[i], part[i], options, {}});
  }
  arrow::FieldVector fields;
  for (const auto& name : request.columns)
    fields.push_back(schema_->GetFieldByName(name));
  return MakeFileSource(std::move(files), arrow::schema(std::move(fields)), request);
}

}  // namespace sluice::catalog
