#!/usr/bin/env bash
# `make compat`: runs Redis 7.0.15's own Tcl test suite against redrock and prints redis-tcl.sh's table
# (one line per unit: passed, failed, what real redis-server 7.0.15 passes; then "N passed, M failed").
#
#   MODE=external (default)  starts one redrock-server on a free loopback port in a scratch directory,
#                            runs `redis-tcl.sh PORT $UNITS` against it, then stops it (also on Ctrl-C)
#   MODE=spawn               runs `redis-tcl.sh --spawn $BUILD_DIR/redrock-server $UNITS`: the suite starts
#                            redrock itself, as many servers as each test wants, with its own config files
#
# UNITS        units to run (default: every unit of the mode's baseline, baseline.tsv or baseline-spawn.tsv)
# REDIS_TESTS  the folder holding redis-tcl.sh and redis-7.0.15/ (default: ../shared/compat)
# BUILD_DIR    where redrock-server was built (default: build)
# Exit status: redis-tcl.sh's (0 only when no test failed), 2 when something needed is missing.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${MODE:-external}
UNITS=${UNITS:-}
REDIS_TESTS=${REDIS_TESTS:-$ROOT/../shared/compat}
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
SERVER=$BUILD_DIR/redrock-server

die() { echo "compat: $*" >&2; exit 2; }
[ -x "$SERVER" ] || die "no $SERVER: run 'make build' first"
RUNNER=$REDIS_TESTS/redis-tcl.sh
[ -f "$RUNNER" ] || die "no redis-tcl.sh in REDIS_TESTS=$REDIS_TESTS (see README.md, 'Redis's test suite')"
[ -d "$REDIS_TESTS/redis-7.0.15/tests" ] ||
  die "no redis-7.0.15/tests in REDIS_TESTS=$REDIS_TESTS (see README.md, 'Redis's test suite')"
command -v tclsh >/dev/null 2>&1 || command -v tclsh8.6 >/dev/null 2>&1 || die "needs tcl: apt-get install tcl"
command -v redis-cli >/dev/null 2>&1 || die "needs redis-cli: apt-get install redis-tools"

case "$MODE" in
  spawn | external) ;;
  *) die "MODE must be external or spawn, not '$MODE'" ;;
esac

SCRATCH=$(mktemp -d /tmp/redrock-compat-XXXXXX)
PID=""         # the redrock-server of external mode
RUNNER_PID=""  # redis-tcl.sh, in a process group of its own (it and every process it starts)
cleanup() {
  # Ctrl-C or a failure: stop the runner's whole group first (its tclsh and, in spawn mode, the servers
  # the suite started; they shut down on SIGTERM), so no further unit starts.
  if [ -n "$RUNNER_PID" ] && kill -0 "$RUNNER_PID" 2>/dev/null; then
    kill -TERM -- "-$RUNNER_PID" 2>/dev/null
    wait "$RUNNER_PID" 2>/dev/null
  fi
  RUNNER_PID=""
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -9 "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
  fi
  PID=""
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs redis-tcl.sh in its own process group and waits for it (a signal interrupts the wait at once).
run_suite() {
  setsid bash "$RUNNER" "$@" &
  RUNNER_PID=$!
  wait "$RUNNER_PID"
  local rc=$?
  RUNNER_PID=""
  return $rc
}

if [ "$MODE" = spawn ]; then
  # shellcheck disable=SC2086  # UNITS is a list of words
  run_suite --spawn "$SERVER" $UNITS
  exit $?
fi

# Port 0: the kernel picks a free port (no race with other servers); the startup line names it.
LOG=$SCRATCH/redrock.log
"$SERVER" --bind 127.0.0.1 --port 0 --dir "$SCRATCH/data" --logfile "$LOG" 2>"$SCRATCH/stderr" &
PID=$!
PORT=""
for _ in $(seq 300); do
  if ! kill -0 "$PID" 2>/dev/null; then
    cat "$SCRATCH/stderr" "$LOG" >&2 2>/dev/null
    die "redrock-server exited before it was ready"
  fi
  if grep -q 'Ready to accept connections' "$LOG" 2>/dev/null; then
    # The banner line (" Port: N, PID: ...") or, without always-show-logo, "Running mode=..., port=N."
    PORT=$(sed -n '/ PID: \|Running mode=/s/.*[Pp]ort[:=] *\([0-9][0-9]*\).*/\1/p' "$LOG" | head -n1)
    break
  fi
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$LOG" >&2 2>/dev/null; die "redrock-server did not become ready (log above)"; }
echo "redrock-server pid $PID on 127.0.0.1:$PORT (scratch $SCRATCH)"

# shellcheck disable=SC2086
run_suite "$PORT" $UNITS
exit $?
