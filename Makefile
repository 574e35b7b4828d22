# Entry points. Every target does its own set-up, so each works on a fresh machine.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: setup build run test test-long asan tsan bench format clean

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja: | setup
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The main job: make some data and stream a query over it on the embedded engine.
run: build
	@bash scripts/demo.sh $(BUILD)

# Every test, as CI runs it.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE long

# Long soak and fault runs.
test-long: build
	cd $(BUILD) && ctest --output-on-failure -L long

asan: setup
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DSLUICE_SANITIZE=address -DCMAKE_BUILD_TYPE=Debug"

tsan: setup
	$(MAKE) test BUILD=build-tsan CMAKE_FLAGS="-DSLUICE_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug"

bench: build
	.venv/bin/python bench/streaming.py --build $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build build-asan build-tsan
