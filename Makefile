# Entry points. Every target does its own set-up, so each works on a fresh machine.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: setup build run test test-fast asan tsan fuzz bench format clean wheel

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja: | setup
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

# Also installs the Python package (python/) into .venv, except for sanitizer builds.
PYTHON_PACKAGE ?= yes
build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)
ifeq ($(PYTHON_PACKAGE),yes)
	bash scripts/python_package.sh $(BUILD)
endif

# A wheel of the Python package in $(BUILD)/wheels.
wheel: build
	bash scripts/python_package.sh $(BUILD) wheel

# The main job: make some data and stream a query over it on the embedded engine.
run: build
	@bash scripts/demo.sh $(BUILD)

# Every test, as CI runs it, the long fault runs included.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Everything but the tests labelled "long", for quick iterations.
test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE long

# Sanitizer runs. Arrow's allocations go through malloc so the sanitizers see them. The
# Arrow wheel is not instrumented: TSan ignores accesses made inside it (its own
# synchronization is invisible to TSan) and checks Sluice's code, including the parts
# that run on Arrow's threads. A small ASan quarantine keeps RSS bounds meaningful.
SANITIZER_ENV = ARROW_DEFAULT_MEMORY_POOL=system \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=16 \
  TSAN_OPTIONS=ignore_noninstrumented_modules=1:halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp

asan: setup
	$(MAKE) build BUILD=build-asan PYTHON_PACKAGE=no CMAKE_FLAGS="-DSLUICE_SANITIZE=address -DCMAKE_BUILD_TYPE=RelWithDebInfo"
	cd build-asan && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) -LE long -E '^(cli|interop|install|python)'

tsan: setup
	$(MAKE) build BUILD=build-tsan PYTHON_PACKAGE=no CMAKE_FLAGS="-DSLUICE_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo"
	cd build-tsan && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) -LE long -E '^(cli|interop|server|install|python|spark.front_ends|differential)'

# libFuzzer targets (clang, ASan, UBSan) for SQL text, Flight SQL messages, HTTP requests
# and Delta log entries, FUZZ_SECONDS (default 600) each; see scripts/fuzz.sh.
FUZZ_SECONDS ?= 600
fuzz: setup
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

bench: build
	.venv/bin/python bench/streaming.py --build $(BUILD)
	.venv/bin/python bench/streaming_table.py --build $(BUILD)
	.venv/bin/python bench/delta_commit.py --build $(BUILD)
	.venv/bin/python bench/server.py --build $(BUILD)
	.venv/bin/python bench/typed_rows.py --build $(BUILD)
	.venv/bin/python bench/spark_client.py --build $(BUILD)
	.venv/bin/python bench/tpch.py --build $(BUILD)
	.venv/bin/python bench/page_pruning.py --build $(BUILD)
	.venv/bin/python bench/windows.py --build $(BUILD)
	.venv/bin/python bench/python_stream.py --build $(BUILD)
	.venv/bin/python bench/streaming_write.py

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build build-asan build-tsan build-fuzz
