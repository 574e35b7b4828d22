#pragma once

namespace sluice {

// Registers Arrow's compute kernels and the dataset scan node with Acero. Idempotent and
// thread-safe; Connect calls it.
void InitializeRuntime();

}  // namespace sluice
