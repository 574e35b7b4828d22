// Whether memory a process frees is reused without faulting in fresh pages: allocates,
// touches and frees 64 MiB through Arrow's default pool in rounds 100 ms apart and
// prints the pool's backend and the page faults of the rounds after the first, per MiB
// allocated.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/memory_pool.h>

namespace {

long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

bool Round() {
  std::vector<std::unique_ptr<arrow::Buffer>> buffers;
  for (int i = 0; i < 16; ++i) {
    auto buffer = arrow::AllocateBuffer(4 << 20);
    if (!buffer.ok()) return false;
    std::memset((*buffer)->mutable_data(), 1, 4 << 20);
    buffers.push_back(std::move(*buffer));
  }
  return true;
}

}  // namespace

int main() {
  // The setting is mimalloc's; another pool (ARROW_DEFAULT_MEMORY_POOL, as the
  // sanitizer builds choose) has nothing to check.
  std::printf("backend: %s\n", arrow::default_memory_pool()->backend_name().c_str());
  if (!Round()) return 1;
  const long before = MinorFaults();
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!Round()) return 1;
  }
  std::printf("faults per MiB: %.1f\n", (MinorFaults() - before) / (4.0 * 64));
  return 0;
}
