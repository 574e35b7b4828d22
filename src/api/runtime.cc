#include "api/runtime.h"

#include <mutex>

#include <arrow/compute/initialize.h>
#include <arrow/dataset/plan.h>

namespace sluice {

void InitializeRuntime() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Kernels live in their own library since Arrow 21 and must be registered once.
    (void)arrow::compute::Initialize();
    arrow::dataset::internal::Initialize();
  });
}

}  // namespace sluice
