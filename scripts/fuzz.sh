#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and fuzzes each one.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 600; `make fuzz`)
# Every input in tests/fuzz/corpus/<target>/ (seeds and the regression cases of crashes
# found before) is run first and must pass; new inputs go to build-fuzz/corpus/<target>/,
# and a crash is written to build-fuzz/crash-<target>-* and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
bash scripts/setup.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "${JOBS:-2}"
# Arrow's allocations go through malloc, where ASan sees them.
export ARROW_DEFAULT_MEMORY_POOL=system
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
for target in sql flight_sql delta_log http_request; do
  seeds=tests/fuzz/corpus/$target
  work=build-fuzz/corpus/$target
  mkdir -p "$work"
  echo "fuzz: $target: regression inputs"
  build-fuzz/bin/fuzz_$target -runs=0 -timeout=20 "$seeds"
  echo "fuzz: $target: ${seconds}s"
  build-fuzz/bin/fuzz_$target -max_total_time="$seconds" -timeout=20 -max_len=4096 \
    -rss_limit_mb=6144 -print_final_stats=1 -artifact_prefix="build-fuzz/crash-$target-" \
    "$work" "$seeds"
done
echo "fuzz: every target ran ${seconds}s without a crash"
