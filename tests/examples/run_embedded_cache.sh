#!/usr/bin/env bash
# ctest examples_embedded_cache: the installed package, used as an outside project would use it.
#   1. cmake --install BUILD_DIR into a scratch prefix (nothing may land outside it);
#   2. configure and build examples/embedded_cache against it (find_package(redrock), redrock::server);
#   3. run it on a scratch data directory, port 0 (it prints "ready port=N"), loopback only, and talk to
#      it with redis-cli: the sessions it wrote through the engine API, their TTL, SET/GET, PING;
#   4. SIGTERM: it must exit 0 and be gone;
#   5. pkg-config --cflags --libs redrock from the prefix, and a small program built with just that.
# Usage: run_embedded_cache.sh BUILD_DIR SOURCE_DIR CXX_COMPILER
# Environment: EXAMPLE_CXX_FLAGS (extra compile+link flags, e.g. the sanitizers of the build),
# REDROCK_KEEP_SCRATCH=1 keeps the scratch directory for a look after a failure.
set -euo pipefail

build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
cxx=${3:-c++}
extra_flags=${EXAMPLE_CXX_FLAGS:-}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/redrock-example.XXXXXX")
pid=""

cleanup() {
  local rc=$?
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 ]]; then
    for f in example.out example.err; do
      if [[ -s "$scratch/$f" ]]; then echo "--- $f"; tail -n 40 "$scratch/$f"; fi
    done
  fi
  if [[ "${REDROCK_KEEP_SCRATCH:-0}" == 1 ]]; then
    echo "scratch kept: $scratch"
  else
    rm -rf "$scratch"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(( SECONDS ))s)"; }

prefix=$scratch/prefix

step "install $build_dir into $prefix"
cmake --install "$build_dir" --prefix "$prefix" > "$scratch/install.log" || { cat "$scratch/install.log"; fail "cmake --install"; }
manifest=$build_dir/install_manifest.txt
if [[ -f "$manifest" ]]; then
  outside=$(grep -v "^$prefix/" "$manifest" || true)
  [[ -z "$outside" ]] || fail "cmake --install wrote outside its prefix: $outside"
fi
for f in include/redrock/engine/engine.h include/redrock/server/server.h bin/redrock-server; do
  [[ -f "$prefix/$f" ]] || fail "not installed: $f"
done
for lib in server engine protocol common; do
  [[ -n $(find "$prefix" -name "libredrock_$lib.a") ]] || fail "not installed: libredrock_$lib.a"
done
config=$(find "$prefix" -name redrockConfig.cmake)
pc=$(find "$prefix" -name redrock.pc)
[[ -n "$config" ]] || fail "not installed: redrockConfig.cmake"
[[ -n "$pc" ]] || fail "not installed: redrock.pc"
# The private include roots stay private.
for d in common protocol engine server; do
  [[ ! -e "$prefix/include/$d" ]] || fail "a private include root was installed: include/$d"
done

step "configure and build examples/embedded_cache against the prefix"
launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths under the scratch directory (a new one each run) become relative, so ccache can hit.
  export CCACHE_BASEDIR=$scratch CCACHE_NOHASHDIR=true
fi
cmake -S "$source_dir/examples/embedded_cache" -B "$scratch/build" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_CXX_FLAGS="$extra_flags" -DCMAKE_EXE_LINKER_FLAGS="$extra_flags" "${launcher[@]}" \
      > "$scratch/configure.log" 2>&1 || { cat "$scratch/configure.log"; fail "configuring the example"; }
cmake --build "$scratch/build" -j2 > "$scratch/build.log" 2>&1 || { cat "$scratch/build.log"; fail "building the example"; }
example=$scratch/build/embedded_cache
[[ -x "$example" ]] || fail "no embedded_cache binary"

step "run it"
"$example" "$scratch/data" 0 > "$scratch/example.out" 2> "$scratch/example.err" &
pid=$!
port=""
for _ in $(seq 300); do
  port=$(sed -n 's/^ready port=\([0-9][0-9]*\)$/\1/p' "$scratch/example.out" | head -n 1)
  [[ -n "$port" ]] && break
  kill -0 "$pid" 2>/dev/null || fail "embedded_cache exited before it was ready"
  sleep 0.1
done
[[ -n "$port" && "$port" -gt 0 ]] || fail "no 'ready port=N' line within 30 s"
echo "embedded_cache pid=$pid port=$port"

cli() { timeout 10 redis-cli -h 127.0.0.1 -p "$port" "$@"; }
expect() {
  local want=$1; shift
  local got
  got=$(cli "$@") || fail "redis-cli $* failed"
  [[ "$got" == "$want" ]] || fail "redis-cli $*: got '$got', want '$want'"
}
expect PONG PING
expect alice GET session:1001
expect bob GET session:1002
ttl=$(cli TTL session:1001)
[[ "$ttl" =~ ^[0-9]+$ && "$ttl" -gt 0 && "$ttl" -le 3600 ]] || fail "TTL session:1001: got '$ttl', want 1..3600"
expect OK SET example:key "hello from redis-cli"
expect "hello from redis-cli" GET example:key
expect -1 TTL example:key

step "SIGTERM"
kill -TERM "$pid"
# Wait (up to 20 s) until it has exited: gone, or a zombie waiting for our `wait`.
for _ in $(seq 200); do
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [[ -z "$state" || "$state" == Z ]] && break
  sleep 0.1
done
if [[ -n "$state" && "$state" != Z ]]; then
  fail "embedded_cache (pid $pid) did not exit within 20 s of SIGTERM"
fi
status=0
wait "$pid" || status=$?
stopped_pid=$pid
pid=""
[[ $status -eq 0 ]] || fail "embedded_cache exited with status $status after SIGTERM"
! kill -0 "$stopped_pid" 2>/dev/null || fail "embedded_cache (pid $stopped_pid) is still running"
grep -q '^stopped; session:1001 is alice$' "$scratch/example.out" || fail "no 'stopped' line after SIGTERM"

step "pkg-config"
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs redrock) || fail "pkg-config --cflags --libs redrock"
echo "pkg-config --cflags --libs redrock: $flags"
[[ "$flags" == *"-I$prefix/include"* ]] || fail "pkg-config --cflags lacks -I$prefix/include"
[[ "$flags" == *"-lredrock_server"*"-lredrock_engine"*"-lredrock_protocol"*"-lredrock_common"* ]] ||
  fail "pkg-config --libs lacks the redrock libraries in link order"
cat > "$scratch/pc_probe.cc" <<'CC'
#include <cstdio>
#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "redrock/server/server.h"
int main(int argc, char** argv) {
  redrock::engine::Options options;
  options.dir = argv[1];
  auto opened = redrock::engine::Engine::Open(options);
  if (!opened.ok()) { std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()); return 1; }
  auto engine = std::move(opened).value();
  if (!engine->Set(0, "k", "v", {}).ok() || engine->Get(0, "k").value() != "v") return 1;
  redrock::server::Config config;
  if (!config.Set("port", "0", redrock::server::ConfigSource::kStartup).ok()) return 1;
  redrock::server::Server server(*engine, config);  // linked, not started
  return 0;
}
CC
# shellcheck disable=SC2086  # $flags and $extra_flags are word lists
"$cxx" -std=c++20 $extra_flags "$scratch/pc_probe.cc" -o "$scratch/pc_probe" $flags > "$scratch/pc_probe.log" 2>&1 ||
  { cat "$scratch/pc_probe.log"; fail "a program built with pkg-config's flags did not compile or link"; }
"$scratch/pc_probe" "$scratch/pc_probe_data" || fail "the pkg-config probe program failed"

step "ok"
