# The two commands: `make run` and `make test`. Both install missing Debian packages first.
# `make compat [MODE=spawn] [UNITS="unit/type/incr ..."] [REDIS_TESTS=DIR]` runs Redis's own test suite
# (scripts/compat.sh; not part of `make test`).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
PORT ?= 6379
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: deps configure build run test compat bench clean fuzz

MODE ?= external
UNITS ?=
REDIS_TESTS ?= $(CURDIR)/../shared/compat

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(LAUNCHER) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	@mkdir -p data
	./$(BUILD_DIR)/redrock-server --bind 127.0.0.1 --port $(PORT) --dir ./data

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

compat: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target redrock-server >/dev/null
	@MODE="$(MODE)" UNITS="$(UNITS)" REDIS_TESTS="$(REDIS_TESTS)" BUILD_DIR="$(BUILD_DIR)" bash scripts/compat.sh

# libFuzzer harnesses (fuzz/README.md): clang with ASan + UBSan in build-fuzz, each harness run for
# FUZZ_SECONDS on a scratch copy of its seeds; fails when one finds a crash. FUZZ_TARGETS picks harnesses.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= resp_parser split_args glob lua_reply commands
fuzz:
	@bash scripts/install-deps.sh --fuzz
	@cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_CXX_COMPILER=/usr/bin/clang++ -DCMAKE_BUILD_TYPE=Fuzz \
	  -DCMAKE_CXX_FLAGS_FUZZ="-O1 -g" -DREDROCK_FUZZ=ON -DREDROCK_BUILD_TESTS=OFF -DREDROCK_BUILD_BENCH=OFF \
	  $(LAUNCHER) >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) -j$(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@bash fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_BUILD_DIR)
