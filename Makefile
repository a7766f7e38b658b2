# The two commands of the quick start, each doing its own set-up on a fresh Debian 12 machine:
#   make run    install dependencies, configure, build, then benchmark the built-in simulator
#   make test   install dependencies, configure, build, then run the whole test suite
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
LLMPACE := $(BUILD_DIR)/apps/llmpace/llmpace
RUN_ARGS ?= --target sim --profile concurrent --rate 8 --max-requests 200 \
            --data prompt_tokens=128,output_tokens=64

.PHONY: all deps configure build run test bench asan tsan format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(LLMPACE) benchmark $(RUN_ARGS)

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# Microbenchmarks (Google Benchmark); figures go to docs/performance.md.
bench:
	@scripts/install-deps.sh --with-bench
	@cmake --preset bench > /dev/null
	@cmake --build --preset bench -j $(JOBS)

# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@cmake --preset asan > /dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

# The test suite under ThreadSanitizer (the engine's worker threads, the simulator's io threads).
tsan: deps
	@cmake --preset tsan > /dev/null
	@cmake --build --preset tsan -j $(JOBS)
	@ctest --preset tsan -j $(JOBS)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR) build-asan build-tsan build-bench
