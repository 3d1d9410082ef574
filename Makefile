# The two commands: `make run` and `make test`. Both install missing Debian packages first.
# `make test SANITIZE=1`: the same, built with ASan + UBSan in build-asan (benchmarks off).
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD_DIR ?= build-asan
BUILD_TYPE ?= Debug
CMAKE_OPTIONS := -DREDROCK_SANITIZE=ON -DREDROCK_BUILD_BENCH=OFF
else
CMAKE_OPTIONS := -DREDROCK_SANITIZE=OFF
endif
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
PORT ?= 6379
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: deps configure build run test bench clean

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_OPTIONS) $(LAUNCHER) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	@mkdir -p data
	./$(BUILD_DIR)/redrock-server --bind 127.0.0.1 --port $(PORT) --dir ./data

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

clean:
	rm -rf $(BUILD_DIR)
