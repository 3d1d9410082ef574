#!/usr/bin/env bash
# Runs libFuzzer harnesses for a fixed time each (the `make fuzz` target; see fuzz/README.md).
#   fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]
# Each harness runs on a scratch corpus in BUILD_DIR/fuzz-run/<harness>/corpus, copied from
# fuzz/corpus/<harness> and fuzz/regressions/<harness> (the repo's corpus is never written), with crash
# inputs saved to BUILD_DIR/fuzz-run/<harness>/artifacts/. Prints per harness the inputs run
# (stat::number_of_executed_units) and whether it found anything; exits 1 when any harness did.
# FUZZ_RSS_MB (default 2048) and FUZZ_TIMEOUT (seconds per input, default 60) tune libFuzzer's limits.
set -uo pipefail
cd "$(dirname "$0")/.."
build=$1
seconds=$2
shift 2
harnesses=("$@")
if ((${#harnesses[@]} == 0)); then harnesses=(resp_parser split_args glob lua_reply commands); fi
rss=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-60}

status=0
summary=()
for h in "${harnesses[@]}"; do
  bin="$build/fuzz/fuzz_$h"
  work="$build/fuzz-run/$h"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing (build it with make fuzz)" >&2
    exit 2
  fi
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  for dir in "fuzz/corpus/$h" "fuzz/regressions/$h"; do
    [ -d "$dir" ] && find "$dir" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$work/corpus/" \;
  done
  extra=()
  # The command harness keeps an engine (RocksDB caches, memtables) across inputs, so nearly every input
  # ends with a different number of live allocations and libFuzzer would run a LeakSanitizer scan of
  # the whole heap after it (90% of the time: ~12 inputs/s instead of ~60).
  if [ "$h" = commands ]; then extra+=(-detect_leaks=0); fi
  echo "fuzz: $h for ${seconds}s (log: $work/log.txt)"
  "$bin" -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout="$timeout" -print_final_stats=1 \
    "${extra[@]}" -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log.txt" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log.txt" | tail -1 | grep -o '[0-9]*$')
  found=$(find "$work/artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    status=1
    verdict="FOUND A CRASH (exit $rc): $(find "$work/artifacts" -type f | tr '\n' ' ')"
    echo "---- $h: last lines of $work/log.txt"
    tail -n 60 "$work/log.txt"
    echo "----"
  else
    verdict="nothing found"
  fi
  summary+=("$(printf '%-12s %12s inputs run  %s' "$h" "${execs:-?}" "$verdict")")
done
echo "fuzz summary (${seconds}s per harness):"
printf '  %s\n' "${summary[@]}"
exit $status
