# The two commands of the quick start, each doing its own set-up on a fresh Debian 12 machine:
#   make run    install dependencies, configure, build, then benchmark the built-in simulator
#   make test   install dependencies, configure, build, then run the whole test suite (the fuzz
#               targets' brief runs included: a second, clang-14 build in build-fuzz)
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
LLMPACE := $(BUILD_DIR)/apps/llmpace/llmpace
RUN_ARGS ?= --target sim --profile concurrent --rate 8 --max-requests 200 \
            --data prompt_tokens=128,output_tokens=64
FUZZ_SECONDS ?= 60

.PHONY: all deps configure build run test fuzz-build bench asan tsan fuzz format clean
.PHONY: image image-test

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(LLMPACE) benchmark $(RUN_ARGS)

# The main suite, then each fuzz target for a few seconds from its corpus (label fuzz): both pass.
test: build fuzz-build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	@ctest --preset fuzz -j $(JOBS)

# The libFuzzer targets (tests/fuzz) and the pure library, with clang-14, ASan and UBSan.
fuzz-build: deps
	@cmake --preset fuzz > /dev/null
	@cmake --build --preset fuzz -j $(JOBS)

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

# Every fuzz target for FUZZ_SECONDS each, one after another, from its corpus into a scratch corpus
# kept in build-fuzz/corpus-work/ (docs/development.md, "Fuzzing"); prints executions per target.
fuzz: fuzz-build
	@status=0; while read -r target; do \
	  tests/fuzz/run_fuzz.sh build-fuzz "$$target" $(FUZZ_SECONDS) || status=1; \
	done < build-fuzz/tests/fuzz/targets.txt; exit $$status

# The container image with podman, no registry needed: local debian:12 base images from mmdebstrap,
# then llmpace:latest (scripts/build-image.sh installs and configures podman; docs/kubernetes.md).
image:
	@scripts/build-image.sh

# The image run as OpenShift runs it (arbitrary UID, read-only root): simulator containers and a
# benchmark container on 127.0.0.1 (tests/image/run_image_test.sh). Not part of `make test` (it
# takes about 13.5 minutes from nothing); CI (.ci/run) runs it after `make test`.
image-test: image
	@tests/image/run_image_test.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format-14 -i

clean:
	@rm -rf $(BUILD_DIR) build-asan build-tsan build-bench build-fuzz
