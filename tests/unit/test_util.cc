#include "test_util.h"

#include <dirent.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <random>
#include <thread>

#include <arrow/builder.h>

#include "exec/query_stream.h"
#include "sluice/session.h"

namespace sluice::testing {

namespace {
int64_t StatusField(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0)
      return std::stoll(line.substr(key.size() + 1)) * 1024;
  }
  return -1;
}
}  // namespace

int64_t CurrentRssBytes() { return StatusField("VmRSS"); }
int64_t PeakRssBytes() { return StatusField("VmHWM"); }

void ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

int ThreadCount() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
  }
  return count;
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double CpuSecondsWhileSleeping(int millis) {
  const double before = ProcessCpuSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(millis));
  return ProcessCpuSeconds() - before;
}

TempDir::TempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("sluice_test_" + std::to_string(getpid()) + "_" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

std::shared_ptr<arrow::Table> MakeIdTable(int64_t rows, int64_t chunk_rows) {
  arrow::ArrayVector ids, strings;
  for (int64_t start = 0; start < rows; start += chunk_rows) {
    arrow::Int64Builder id_builder;
    arrow::StringBuilder string_builder;
    for (int64_t i = start; i < std::min(rows, start + chunk_rows); ++i) {
      (void)id_builder.Append(i);
      (void)string_builder.Append(std::to_string(i));
    }
    ids.push_back(id_builder.Finish().ValueOrDie());
    strings.push_back(string_builder.Finish().ValueOrDie());
  }
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("s", arrow::utf8())});
  return arrow::Table::Make(
      schema, {std::make_shared<arrow::ChunkedArray>(ids, arrow::int64()),
               std::make_shared<arrow::ChunkedArray>(strings, arrow::utf8())});
}

int64_t RowsScanned(Session& session, const std::string& sql) {
  auto reader = session.Sql(sql)->Stream().ValueOrDie();
  auto* stream = dynamic_cast<exec::QueryStream*>(reader.get());
  std::shared_ptr<arrow::RecordBatch> batch;
  while (reader->ReadNext(&batch).ok() && batch) {
  }
  return stream->rows_scanned();
}

}  // namespace sluice::testing
