#include "server/query_registry.h"

#include <malloc.h>

#include <chrono>

#include <arrow/memory_pool.h>
#include <arrow/util/byte_size.h>

namespace sluice::server {

class QueryRegistry::TrackedReader : public arrow::RecordBatchReader {
 public:
  TrackedReader(QueryRegistry* registry, int64_t id,
                std::shared_ptr<arrow::RecordBatchReader> inner,
                std::shared_ptr<std::atomic<bool>> timed_out)
      : registry_(registry),
        id_(id),
        inner_(std::move(inner)),
        timed_out_(std::move(timed_out)) {}

  ~TrackedReader() override { (void)Close(); }

  std::shared_ptr<arrow::Schema> schema() const override { return inner_->schema(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    if (closed_) return arrow::Status::Invalid("the query's stream is closed");
    auto status = inner_->ReadNext(batch);
    if (!status.ok() && timed_out_->load()) {
      status = arrow::Status::Cancelled(
          "the query ran longer than the server's query timeout (",
          registry_->limits_.timeout.count() / 1000.0, " s) and was stopped");
    }
    if (!status.ok() || !*batch) {
      (void)Close();
      return status;
    }
    registry_->Count(id_, (*batch)->num_rows(),
                     static_cast<int64_t>(arrow::util::TotalBufferSize(**batch)));
    return status;
  }

  arrow::Status Close() override {
    if (closed_) return arrow::Status::OK();
    closed_ = true;
    registry_->Remove(id_);
    return inner_->Close();  // stops the query if it is still running
  }

 private:
  QueryRegistry* registry_;
  const int64_t id_;
  std::shared_ptr<arrow::RecordBatchReader> inner_;
  std::shared_ptr<std::atomic<bool>> timed_out_;
  bool closed_ = false;  // the reader is used by one thread at a time
};

QueryRegistry::QueryRegistry(Limits limits)
    : limits_(limits), watchdog_([this] { Watch(); }) {}

QueryRegistry::~QueryRegistry() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutting_down_ = true;
  }
  wake_.notify_all();
  watchdog_.join();
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> QueryRegistry::Track(
    std::shared_ptr<arrow::RecordBatchReader> reader,
    std::shared_ptr<arrow::StopSource> stop, std::string sql, std::string protocol,
    std::string peer, std::string owner, std::function<bool()> gone) {
  const int64_t id = next_id_++;
  Entry entry;
  entry.info.id = id;
  entry.info.sql = std::move(sql);
  entry.info.protocol = std::move(protocol);
  entry.info.peer = std::move(peer);
  entry.info.owner = std::move(owner);
  entry.info.started_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  entry.stop = std::move(stop);
  entry.gone = std::move(gone);
  entry.started = std::chrono::steady_clock::now();
  entry.timed_out = std::make_shared<std::atomic<bool>>(false);
  auto timed_out = entry.timed_out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (limits_.max_queries > 0 && running_.size() >= limits_.max_queries) {
      (void)reader->Close();
      return arrow::Status::CapacityError("too many queries: the server runs at most ",
                                          limits_.max_queries,
                                          " at once (--max-queries); try again later");
    }
    running_.emplace(id, std::move(entry));
  }
  return std::make_shared<TrackedReader>(this, id, std::move(reader),
                                         std::move(timed_out));
}

std::vector<QueryRegistry::Info> QueryRegistry::List(const Client& client) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Info> out;
  for (const auto& [id, entry] : running_) {
    if (client.admin || entry.info.owner == client.name) out.push_back(entry.info);
  }
  return out;
}

bool QueryRegistry::Cancel(int64_t id, const Client& client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = running_.find(id);
  if (it == running_.end() || !(client.admin || it->second.info.owner == client.name)) {
    return false;
  }
  // The query's work stops now; a response write already under way finishes or times
  // out on its own, and the query is no longer listed.
  it->second.stop->RequestStop();
  running_.erase(it);
  return true;
}

size_t QueryRegistry::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_.size();
}

void QueryRegistry::Count(int64_t id, int64_t rows, int64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = running_.find(id);
  if (it == running_.end()) return;
  it->second.info.rows += rows;
  it->second.info.bytes += bytes;
}

void QueryRegistry::Remove(int64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  running_.erase(id);
}

void QueryRegistry::Watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  int idle_ticks = 0;
  bool released = true;
  while (!shutting_down_) {
    wake_.wait_for(lock, std::chrono::milliseconds(100));
    const auto now = std::chrono::steady_clock::now();
    for (auto& [id, entry] : running_) {
      if (entry.gone && entry.gone()) entry.stop->RequestStop();
      if (limits_.timeout.count() > 0 && now - entry.started > limits_.timeout &&
          !entry.timed_out->exchange(true)) {
        entry.stop->RequestStop();
      }
    }
    if (!running_.empty()) {
      idle_ticks = 0;
      released = false;
    } else if (!released && ++idle_ticks >= 5) {
      // Idle for half a second after work: hand the memory that the allocators keep
      // cached for the finished queries back to the system.
      lock.unlock();
      arrow::default_memory_pool()->ReleaseUnused();
      ::malloc_trim(0);
      lock.lock();
      released = true;
    }
  }
}

}  // namespace sluice::server
