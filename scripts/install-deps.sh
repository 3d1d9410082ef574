#!/usr/bin/env bash
# Installs the Debian packages redrock needs, skipping every one that is already installed.
# --fuzz: also the packages of `make fuzz`.
set -euo pipefail
PKGS=(cmake g++ make pkg-config ccache librocksdb-dev libboost-dev libfmt-dev catch2 libbenchmark-dev
      redis-server redis-tools liblua5.1-0-dev lua-cjson-dev python3 python3-redis python3-pytest python3-pytest-asyncio)
# `make fuzz` (fuzz/README.md) also needs clang and its sanitizer/libFuzzer runtime; `make test` does not.
FUZZ_PKGS=(clang libclang-rt-dev)
if [ "${1:-}" = "--fuzz" ]; then PKGS+=("${FUZZ_PKGS[@]}"); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian starts redis-server as a service on install where it can; the tests start their own on free ports.
