#include "query_runner.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include <arrow/record_batch.h>
#include <arrow/util/cancel.h>

#include "sluice/query_progress.h"

namespace sluice::cli {

namespace {

// "1.2M" and "45.3 MB" style numbers.
std::string Human(double value, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T"};
  int i = 0;
  while (value >= 1000 && i < 4) {
    value /= 1000;
    ++i;
  }
  char text[32];
  std::snprintf(text, sizeof(text), i == 0 ? "%.0f%s%s" : "%.1f%s%s", value, prefixes[i],
                unit);
  return text;
}

// Shows what a query has scanned ("[3.0s] scanned 1.2M rows, 45.3 MB (37%)") on a
// terminal's stderr while it runs longer than a second. Stop() erases it; it is called
// before any result is written, so the line never sits in front of the output.
class ProgressLine {
 public:
  explicit ProgressLine(std::shared_ptr<QueryProgress> progress)
      : progress_(std::move(progress)) {
    if (!isatty(STDERR_FILENO)) return;
    thread_ = std::thread([this] { Run(); });
  }
  ~ProgressLine() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::string Describe(double seconds) const {
    const int64_t rows = progress_->rows_scanned.load();
    const int64_t bytes = progress_->bytes_scanned.load();
    const int64_t total = progress_->rows_total.load();
    char line[160];
    std::snprintf(line, sizeof(line), "[%.1fs] scanned %s rows", seconds,
                  Human(static_cast<double>(rows), "").c_str());
    std::string out = line;
    if (bytes > 0) out += ", " + Human(static_cast<double>(bytes), "B");
    if (total > 0) {
      const double share = 100.0 * static_cast<double>(rows) / static_cast<double>(total);
      std::snprintf(line, sizeof(line), " (%.0f%%)", std::min(share, 100.0));
      out += line;
    }
    return out;
  }

  void Run() {
    const auto start = std::chrono::steady_clock::now();
    bool shown = false;
    std::unique_lock<std::mutex> lock(mutex_);
    while (
        !wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_; })) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (seconds < 1.0) continue;
      std::fprintf(stderr, "\r\033[K%s", Describe(seconds).c_str());
      shown = true;
    }
    if (shown) std::fprintf(stderr, "\r\033[K");
  }

  std::shared_ptr<QueryProgress> progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

QueryRunner::QueryRunner(std::shared_ptr<Session> session, output::OutputFormat format,
                         size_t max_buffered_batches)
    : session_(std::move(session)),
      format_(format),
      max_buffered_batches_(max_buffered_batches),
      stdout_(std::make_shared<output::FdOutputStream>(STDOUT_FILENO)) {}

bool QueryRunner::RunScript(const std::string& script) {
  auto statements = SplitStatements(script);
  if (!statements.ok()) {
    std::fprintf(stderr, "Error: %s\n", statements.status().message().c_str());
    return false;
  }
  for (const auto& statement : *statements) {
    if (!RunStatement(statement)) return false;
    if (output_closed()) return true;
  }
  return true;
}

bool QueryRunner::RunStatement(const std::string& sql) {
  const auto start = std::chrono::steady_clock::now();
  // Ctrl-C cancels the running query, not the process.
  auto stop_source = arrow::SetSignalStopSource();
  ExecOptions options;
  if (max_buffered_batches_ > 0) options.max_buffered_batches = max_buffered_batches_;
  if (stop_source.ok()) {
    (void)arrow::RegisterCancellingSignalHandler({SIGINT});
    options.stop_token = (*stop_source)->token();
  }
  struct Cleanup {
    ~Cleanup() {
      arrow::UnregisterCancellingSignalHandler();
      arrow::ResetSignalStopSource();
    }
  } cleanup;

  arrow::Status status = [&]() -> arrow::Status {
    // On Spark every statement is sent as Sql: a command runs once and shows its result.
    if (session_->engine() == "local" && !Session::IsQuery(sql)) {
      ARROW_ASSIGN_OR_RAISE(auto result, session_->Exec(sql));
      if (format_ == output::OutputFormat::kTable) {
        const std::string line = result.message + "\n";
        ARROW_RETURN_NOT_OK(
            stdout_->Write(line.data(), static_cast<int64_t>(line.size())));
        return stdout_->Flush();
      }
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(auto frame, session_->Sql(sql));
    options.progress = std::make_shared<QueryProgress>();
    ARROW_ASSIGN_OR_RAISE(auto reader, frame.Stream(options));
    ARROW_ASSIGN_OR_RAISE(auto writer,
                          output::MakeBatchWriter(format_, stdout_, reader->schema()));
    ProgressLine progress(options.progress);
    while (true) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(reader->ReadNext(&batch));
      if (!batch) break;
      progress.Stop();  // before the first output

      auto written = writer->Write(*batch);
      if (!written.ok()) {
        (void)reader->Close();  // cancels the query at once
        return written;
      }
    }
    progress.Stop();
    return writer->Finish();
  }();
  if (!status.ok()) {
    if (stdout_->reader_gone()) return true;
    std::fprintf(stderr, "Error: %s\n", status.message().c_str());
    return false;
  }
  if (timer_) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "Run time: %.3f s\n", seconds);
  }
  return true;
}

}  // namespace sluice::cli
