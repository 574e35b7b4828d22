// Allocator settings for Sluice's executables, applied before any library starts.
//
// Arrow allocates through its bundled mimalloc, which by default hands pages back to
// the kernel 10 ms after they empty. A query frees and reallocates batch buffers and
// hash tables all the time, and each query runs on threads of its own whose pages are
// given up when they end, so at that delay the same memory is returned and faulted in
// again, zeroed by the kernel (2 MiB at a time with transparent huge pages), many times
// per query: 10-20% of the time of a join-heavy TPC-H query. Ten seconds keeps memory
// that is in use within a query and between the queries of a session (one second still
// purged about 70 MiB per TPC-H Q21 run), and still returns an idle process's memory.
// mimalloc reads its options from the environment while libarrow is loaded, before
// main() runs, so the default is set from the executable's preinit array, which runs
// before any shared library's initializers (the C library resets `environ` before
// main(), so the setting is seen by libraries only and not passed to child processes).
// A value the user set is kept.
#include <cstdlib>

namespace {

void SetAllocatorDefaults(int, char**, char**) {
  setenv("MIMALLOC_PURGE_DELAY", "10000", /*overwrite=*/0);
}

__attribute__((section(".preinit_array"),
               used)) void (*const kSetAllocatorDefaults)(int, char**,
                                                          char**) = &SetAllocatorDefaults;

}  // namespace
