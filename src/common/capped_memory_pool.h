#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <arrow/memory_pool.h>

namespace sluice {

// A memory pool that forwards to another and refuses, with OutOfMemory naming the limit,
// an allocation that would bring what it holds above `limit_bytes`. One per query: what
// the query's operators (hash tables, sorts, joins, buffered batches) allocate is
// bounded. Thread-safe.
//
// Buffers a query allocated may outlive it (a collected result), and Arrow frees them
// through the pool that made them, so a pool is never destroyed: dropping the last
// shared_ptr only marks it released, and a released pool whose buffers are all freed is
// handed out again by Acquire. There are never more pools than queries that ran with a
// limit at the same time.
class CappedMemoryPool : public arrow::MemoryPool {
 public:
  static std::shared_ptr<CappedMemoryPool> Acquire(arrow::MemoryPool* backend,
                                                   int64_t limit_bytes);

  arrow::Status Allocate(int64_t size, int64_t alignment, uint8_t** out) override;
  arrow::Status Reallocate(int64_t old_size, int64_t new_size, int64_t alignment,
                           uint8_t** ptr) override;
  void Free(uint8_t* buffer, int64_t size, int64_t alignment) override;
  void ReleaseUnused() override { backend_->ReleaseUnused(); }

  int64_t bytes_allocated() const override { return allocated_.load(); }
  int64_t max_memory() const override { return peak_.load(); }
  int64_t total_bytes_allocated() const override { return total_.load(); }
  int64_t num_allocations() const override { return allocations_.load(); }
  std::string backend_name() const override { return backend_->backend_name(); }

 private:
  CappedMemoryPool() = default;
  // Reserves `more` bytes under the limit, or says why not.
  arrow::Status Reserve(int64_t more);

  arrow::MemoryPool* backend_ = nullptr;
  int64_t limit_ = 0;
  bool released_ = false;  // guarded by the registry's mutex
  std::atomic<int64_t> allocated_{0}, peak_{0}, total_{0}, allocations_{0};
};

}  // namespace sluice
