#include "common/capped_memory_pool.h"

#include <mutex>
#include <vector>

namespace sluice {

namespace {

std::mutex registry_mutex;
std::vector<CappedMemoryPool*>& Registry() {
  static auto* pools =
      new std::vector<CappedMemoryPool*>();  // never destroyed: see header
  return *pools;
}

}  // namespace

std::shared_ptr<CappedMemoryPool> CappedMemoryPool::Acquire(arrow::MemoryPool* backend,
                                                            int64_t limit_bytes) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  CappedMemoryPool* pool = nullptr;
  for (CappedMemoryPool* candidate : Registry()) {
    if (candidate->released_ && candidate->allocated_.load() == 0) {
      pool = candidate;
      break;
    }
  }
  if (pool == nullptr) {
    pool = new CappedMemoryPool();
    Registry().push_back(pool);
  }
  pool->backend_ = backend;
  pool->limit_ = limit_bytes;
  pool->released_ = false;
  pool->peak_ = 0;
  pool->total_ = 0;
  pool->allocations_ = 0;
  return std::shared_ptr<CappedMemoryPool>(pool, [](CappedMemoryPool* released) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    released->released_ = true;
  });
}

arrow::Status CappedMemoryPool::Reserve(int64_t more) {
  int64_t now = allocated_.load();
  do {
    if (now + more > limit_) {
      return arrow::Status::OutOfMemory(
          "the query's memory limit of ", limit_ >> 20, " MiB is reached (it holds ",
          now >> 20, " MiB and needs ", (more + (1 << 20) - 1) >> 20,
          " MiB more); raise it with SET memory_limit, ExecOptions::memory_limit_bytes "
          "or sluiced --query-memory-limit");
    }
  } while (!allocated_.compare_exchange_weak(now, now + more));
  int64_t peak = peak_.load();
  while (now + more > peak && !peak_.compare_exchange_weak(peak, now + more)) {
  }
  return arrow::Status::OK();
}

arrow::Status CappedMemoryPool::Allocate(int64_t size, int64_t alignment, uint8_t** out) {
  ARROW_RETURN_NOT_OK(Reserve(size));
  auto status = backend_->Allocate(size, alignment, out);
  if (!status.ok()) {
    allocated_ -= size;
    return status;
  }
  total_ += size;
  ++allocations_;
  return status;
}

arrow::Status CappedMemoryPool::Reallocate(int64_t old_size, int64_t new_size,
                                           int64_t alignment, uint8_t** ptr) {
  const int64_t growth = new_size - old_size;
  if (growth > 0) ARROW_RETURN_NOT_OK(Reserve(growth));
  auto status = backend_->Reallocate(old_size, new_size, alignment, ptr);
  if (!status.ok()) {
    if (growth > 0) allocated_ -= growth;
    return status;
  }
  if (growth < 0) allocated_ += growth;
  if (growth > 0) total_ += growth;
  ++allocations_;
  return status;
}

void CappedMemoryPool::Free(uint8_t* buffer, int64_t size, int64_t alignment) {
  backend_->Free(buffer, size, alignment);
  allocated_ -= size;
}

}  // namespace sluice
