# The two commands: `make run` and `make test`. Both install missing Debian packages first.
# `make compat [MODE=spawn] [UNITS="unit/type/incr ..."] [REDIS_TESTS=DIR]` runs Redis's own test suite
# (scripts/compat.sh; not part of `make test`).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
PORT ?= 6379
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: deps configure build run test compat bench clean

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

clean:
	rm -rf $(BUILD_DIR)
