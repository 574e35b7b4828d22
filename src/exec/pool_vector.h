#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>

#include <arrow/buffer.h>
#include <arrow/memory_pool.h>
#include <arrow/result.h>
#include <arrow/status.h>

namespace sluice::exec {

// A growable array of trivially copyable T in memory from an Arrow pool, so that the
// query's memory limit covers it: growing past the limit is an OutOfMemory status, not
// an exception. Capacity doubles as it grows.
template <typename T>
class PoolVector {
 public:
  explicit PoolVector(arrow::MemoryPool* pool) : pool_(pool) {}

  int64_t size() const { return size_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](int64_t i) { return data()[i]; }
  const T& operator[](int64_t i) const { return data()[i]; }

  // n elements; those added are `fill`.
  arrow::Status Resize(int64_t n, T fill = T{}) {
    if (n > capacity_) ARROW_RETURN_NOT_OK(Reserve(std::max(n, capacity_ * 2)));
    if (n > size_) std::fill(data() + size_, data() + n, fill);
    size_ = n;
    return arrow::Status::OK();
  }

 private:
  // Room for n elements without changing the size.
  arrow::Status Reserve(int64_t n) {
    if (n <= capacity_) return arrow::Status::OK();
    if (!buffer_) {
      ARROW_ASSIGN_OR_RAISE(buffer_, arrow::AllocateResizableBuffer(
                                         static_cast<int64_t>(n * sizeof(T)), pool_));
    } else {
      ARROW_RETURN_NOT_OK(buffer_->Reserve(static_cast<int64_t>(n * sizeof(T))));
    }
    capacity_ = n;
    data_ = reinterpret_cast<T*>(buffer_->mutable_data());
    return arrow::Status::OK();
  }

  arrow::MemoryPool* pool_;
  std::unique_ptr<arrow::ResizableBuffer> buffer_;
  T* data_ = nullptr;  // buffer_'s, kept here so that each access is one load, not three
  int64_t size_ = 0;
  int64_t capacity_ = 0;
};

}  // namespace sluice::exec
