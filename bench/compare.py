#!/usr/bin/python3
"""redrock against real Redis, side by side, in one command.

    bench/compare.py --redrock build/redrock-server [--rounds 3] [--requests N] [--keys N]
                     [--redrock-args '--io-threads 1'] [--out results/DIR] [--quick]

Starts three servers on free loopback ports, each in its own temp dir:
  Redis      redis-server --save '' --appendonly no                         (no persistence)
  Redis AOF  redis-server --save '' --appendonly yes --appendfsync everysec  (the fair match for redrock)
  redrock    redrock-server --appendfsync everysec                          (its default WAL policy)
and runs the same redis-benchmark workloads against each in alternating rounds (for every workload:
Redis, Redis AOF, redrock; then the next workload; then the next round), so machine drift hits all three
alike. KEYS is timed from Python as a client sees it (request sent to the last byte of the reply parsed).

Then, on fresh instances: resident memory (VmRSS) and disk use after loading --keys keys of 64 random
bytes, and the time from starting redrock (and Redis AOF) on that directory again until the first PING
and the first GET of a loaded key succeed.

Prints the tables and writes DIR/results.md, DIR/chart.svg and DIR/results.json. Exits non-zero if any
workload or measurement failed to produce numbers. Standard library only.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from compare_support import report  # noqa: E402
from compare_support.resp_client import load_keys  # noqa: E402
from compare_support.servers import (HOST, ServerProcess, is_error, make_workdir,  # noqa: E402
                                     remove_workdir, stop_all)

VALUE64 = b"x" * 64  # what redis-benchmark -d 64 writes
KEYS_DB = 1          # the KEYS dataset lives alone in its own database


class Workload:
    def __init__(self, key, title, unit, rb_args=None):
        self.key, self.title, self.unit, self.rb_args = key, title, unit, rb_args


def make_workloads(args):
    r = ["-r", str(args.keyspace)]
    set_args, get_args = ["-t", "set", "-d", "64"] + r, ["-t", "get", "-d", "64"] + r
    rps = "requests/s, %d clients" % args.clients
    return [
        Workload("ping", "PING", rps, ["-t", "ping_mbulk"]),
        Workload("set_p1", "SET -P 1", rps, set_args),
        Workload("get_p1", "GET -P 1", rps, get_args),
        Workload("set_p16", "SET -P 16", rps, set_args + ["-P", "16"]),
        Workload("get_p16", "GET -P 16", rps, get_args + ["-P", "16"]),
        Workload("incr", "INCR", rps, ["-t", "incr"] + r),
        Workload("setex", "SET EX 100", rps, r + ["SET", "session:__rand_int__", VALUE64.decode(), "EX", "100"]),
        Workload("keys", "KEYS kb:7:* (1%% of %s keys)" % short_count(args.keys_dataset),
                 "calls/s, 1 client, reply parsed"),
    ]


def short_count(n):
    return "%dk" % (n // 1000) if n >= 1000 and n % 1000 == 0 else str(n)


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---- workloads -----------------------------------------------------------------------------------

def run_redis_benchmark(args, server, workload):
    cmd = [args.redis_benchmark, "-h", HOST, "-p", str(server.port), "-c", str(args.clients),
           "-n", str(args.requests), "--csv"] + workload.rb_args
    # redis-benchmark exits 1 on an error reply, but waits forever for a server that is gone.
    timeout = 60 + args.requests / 1000
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    rows = [line for line in done.stdout.splitlines() if line.startswith('"') and not line.startswith('"test"')]
    if done.returncode != 0 or not rows:
        raise RuntimeError("redis-benchmark exit %d: %s" % (done.returncode, (done.stderr or done.stdout).strip()[-300:]))
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    fields = next(csv.reader([rows[-1]]))
    rps, p50, p99 = float(fields[1]), float(fields[4]), float(fields[6])
    if rps <= 0:
        raise RuntimeError("redis-benchmark reported 0 rps")
    return {"rps": rps, "p50": p50, "p99": p99}


def keys_name(i):
    return b"kb:%d:%d" % (i % 100, i)


def time_keys(args, server):
    """KEYS kb:7:* repeatedly for --keys-seconds on one connection: calls/s and per-call latency."""
    expected = args.keys_dataset // 100 + (1 if args.keys_dataset % 100 > 7 else 0)
    with server.client() as client:
        if client.call("SELECT", KEYS_DB) != "OK":
            raise RuntimeError("SELECT failed")
        latencies = []
        start = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            reply = client.call("KEYS", "kb:7:*")
            latencies.append(time.perf_counter() - t0)
            if is_error(reply) or len(reply) != expected:
                raise RuntimeError("KEYS returned %r instead of %d keys" % (reply if is_error(reply) else len(reply), expected))
            elapsed = time.perf_counter() - start
            if elapsed >= args.keys_seconds and len(latencies) >= args.keys_min_calls:
                break
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    return {"rps": len(latencies) / elapsed, "p50": pick(0.50), "p99": pick(0.99), "calls": len(latencies)}


def prefill(args, server):
    """The keys GET reads (all of key:000000000000..keyspace-1, as redis-benchmark -r names them, so
    every GET hits) and the KEYS dataset in its own database."""
    with server.client() as client:
        load_keys(client, args.keyspace, lambda i: b"key:%012d" % i, lambda i: VALUE64)
        if client.call("SELECT", KEYS_DB) != "OK":
            raise RuntimeError("SELECT failed")
        load_keys(client, args.keys_dataset, keys_name, lambda i: VALUE64)
        if client.call("DBSIZE") != args.keys_dataset:
            raise RuntimeError("the KEYS dataset did not load")


def run_rounds(args, servers, workloads, failures):
    samples = {w.key: {s.key: [] for s in servers} for w in workloads}
    for rnd in range(1, args.rounds + 1):
        for w in workloads:
            for s in servers:
                try:
                    result = time_keys(args, s) if w.rb_args is None else run_redis_benchmark(args, s, w)
                    log("[round %d/%d] %-30s %-10s %12s rps  p50 %s  p99 %s ms"
                        % (rnd, args.rounds, w.title, s.label, report.fmt_rps(result["rps"]),
                           report.fmt_ms(result["p50"]), report.fmt_ms(result["p99"])))
                except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                    result = None
                    failures.append("round %d, %s on %s: %s" % (rnd, w.title, s.label, e))
                    log("[round %d/%d] %s on %s FAILED: %s" % (rnd, args.rounds, w.title, s.label, e))
                samples[w.key][s.key].append(result)
    return samples


# ---- memory, disk, restart -----------------------------------------------------------------------

def measure_resources(args, servers, failures):
    """Loads --keys keys of 64 random bytes into fresh instances, one at a time; records RSS and disk
    use, then restarts the persistent ones on their directory and times the first successful commands."""
    values = random.Random(42).randbytes(64 * args.keys)
    value = lambda i: values[64 * i: 64 * i + 64]
    last = args.keys - 1
    results = {}
    for s in servers:
        r = results[s.key] = {}
        try:
            s.start()
            s.wait_ready()
            time.sleep(args.settle / 4)
            r["rss_empty"] = s.rss_bytes()
            t0 = time.perf_counter()
            with s.client() as client:
                load_keys(client, args.keys, lambda i: b"mem:%d" % i, value)
            r["load_seconds"] = time.perf_counter() - t0
            time.sleep(args.settle)  # let everysec fsyncs and flushes land, for every server alike
            r["rss_loaded"], r["disk_loaded"] = s.rss_bytes(), s.disk_bytes()
            log("[resources] %-10s RSS %s -> %s, disk %s, load %.1f s" % (
                s.label, report.fmt_bytes(r["rss_empty"]), report.fmt_bytes(r["rss_loaded"]),
                report.fmt_bytes(r["disk_loaded"]), r["load_seconds"]))
            if s.persistent:
                s.stop()
                t0 = time.monotonic()
                s.start()
                s.wait_until(lambda c: c.call("PING") == "PONG")
                r["restart_ping"] = time.monotonic() - t0
                s.wait_until(lambda c: c.call("GET", b"mem:%d" % last) == value(last))
                r["restart_get"] = time.monotonic() - t0
                log("[restart]   %-10s first PING %.3f s, first GET of a loaded key %.3f s"
                    % (s.label, r["restart_ping"], r["restart_get"]))
        except (RuntimeError, OSError, ConnectionError) as e:
            failures.append("resources on %s: %s" % (s.label, e))
            log("[resources] %s FAILED: %s" % (s.label, e))
        finally:
            s.stop()
    return results


# ---- machine and versions ------------------------------------------------------------------------

def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def machine_info(args):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = "%.1f GB" % (int(line.split()[1]) / 1024 / 1024)
                break
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = first_line(["git", "-C", src, "rev-parse", "--short", "HEAD"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "load_average_start": "%.2f %.2f %.2f" % os.getloadavg(),
        "redis_server": first_line([args.redis_server, "--version"]),
        "redis_benchmark": first_line([args.redis_benchmark, "--version"]),
        "redrock_server": first_line([args.redrock, "--version"]),
        "redrock_commit": commit,
        "python": platform.python_version(),
        "command": shlex.join(sys.argv),
    }


# ---- output --------------------------------------------------------------------------------------

def write_outputs(args, info, servers, workloads, samples, resources, failures):
    redrock, baselines = servers[-1], servers[:-1]
    tp = report.throughput_table(workloads, servers, samples, redrock, baselines)
    lat = report.latency_table(workloads, servers, samples, redrock, baselines)
    res = report.resource_table(servers, resources, args.keys)
    get_ping = report.ratio_stats(samples["get_p1"][redrock.key], samples["ping"][redrock.key], "rps")
    rss = {s.key: resources.get(s.key, {}).get("rss_loaded") for s in servers}
    rss_lines = ["redrock RSS / %s RSS with %s keys: %s" % (
        b.label, "{:,}".format(args.keys),
        "%.2f" % (rss[redrock.key] / rss[b.key]) if rss[redrock.key] and rss[b.key] else "—") for b in baselines]
    extra = ["redrock GET rps / its own PING rps (-P 1): %s" % report.fmt_ratio(get_ping)] + rss_lines

    print()
    print("Throughput (median of %d round%s; ratio: median (min–max) of per-round ratios)"
          % (args.rounds, "" if args.rounds == 1 else "s"))
    print(report.text_table(*tp))
    print()
    print("Latency (median over rounds)")
    print(report.text_table(*lat))
    print()
    print("Memory, disk and restart")
    print(report.text_table(*res))
    print()
    print("\n".join(extra))
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))

    os.makedirs(args.out, exist_ok=True)
    title = "redrock vs Redis %s" % info["redis_server"].split("v=")[-1].split()[0]
    subtitle = "%s, %s CPUs (%s), %d clients, %s requests x %d round%s — %s" % (
        info["date"], info["nproc"], info["cpu"], args.clients, "{:,}".format(args.requests), args.rounds,
        "" if args.rounds == 1 else "s",
        "median rps per workload; each panel has its own scale")
    with open(os.path.join(args.out, "chart.svg"), "w") as f:
        f.write(report.svg_chart(title, subtitle, workloads, servers, samples))

    md = ["# redrock vs Redis: %s" % info["date"], "",
          "Command: `%s`" % info["command"], "",
          "## Machine", ""]
    md += ["- %s: %s" % (k, v) for k, v in [
        ("CPU", "%s × %s" % (info["nproc"], info["cpu"])), ("memory", info["memory"]),
        ("kernel", info["kernel"]), ("load average at start", info["load_average_start"]),
        ("load average at end", info.get("load_average_end", "?")),
        ("redis-server", info["redis_server"]), ("redis-benchmark", info["redis_benchmark"]),
        ("redrock-server", "%s (commit %s)" % (info["redrock_server"], info["redrock_commit"])),
        ("python", info["python"])]]
    md += ["", "## Method", "",
           "- Servers: **Redis** = `redis-server --save '' --appendonly no`; **Redis AOF** = "
           "`--save '' --appendonly yes --appendfsync everysec`; **redrock** = `redrock-server --appendfsync "
           "everysec%s` (its default WAL policy)." % ((" " + args.redrock_args) if args.redrock_args else "") + " All on 127.0.0.1, each in a fresh temp dir, running at the same time.",
           "- redis-benchmark: %d clients, %s requests per run, `-r %d` random keys, `-d 64` values. Before the "
           "rounds each server gets all %s `key:NNNNNNNNNNNN` keys, so every GET hits. SET EX writes "
           "`session:*` keys." % (args.clients, "{:,}".format(args.requests), args.keyspace,
                                  "{:,}".format(args.keyspace)),
           "- Rounds alternate servers per workload (Redis, Redis AOF, redrock, next workload...). Each cell is "
           "the median over rounds; a ratio is computed within each round and shown as median (min–max).",
           "- KEYS: database %d holds exactly %s keys `kb:<i%%100>:<i>`; `KEYS kb:7:*` matches 1%% of them. "
           "One client calls it in a loop for %.1f s; the time runs from sending the command to having parsed "
           "the whole reply in Python." % (KEYS_DB, "{:,}".format(args.keys_dataset), args.keys_seconds),
           "- Memory and disk: fresh instances, %s keys `mem:<i>` with 64 random bytes each, loaded through one "
           "pipelined connection; VmRSS from /proc/PID/status and allocated bytes under the data dir, %.1f s "
           "after the load. Restart: SIGTERM, start on the same dir, poll every 2 ms until PING answers and "
           "until GET of the last loaded key returns its value." % ("{:,}".format(args.keys), args.settle),
           "", "## Throughput", "", report.markdown_table(*tp), "",
           "## Latency", "", report.markdown_table(*lat), "",
           "## Memory, disk and restart", "", report.markdown_table(*res), ""]
    md += ["- " + line for line in extra]
    md += ["", "![chart](chart.svg)", ""]
    if failures:
        md += ["## Failures", ""] + ["- " + f for f in failures] + [""]
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"info": info, "args": vars(args), "samples": samples, "resources": resources,
                   "failures": failures}, f, indent=1)
    print("\nWrote %s, %s and %s" % tuple(os.path.join(args.out, n) for n in ("results.md", "chart.svg", "results.json")))


# ---- main ----------------------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--redrock", required=True, help="path to redrock-server")
    p.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    p.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=100000, help="requests per redis-benchmark run")
    p.add_argument("--keys", type=int, default=1000000, help="keys loaded for the memory/disk/restart test")
    p.add_argument("--keys-dataset", type=int, default=100000, help="keys in the KEYS workload's database")
    p.add_argument("--keyspace", type=int, default=100000, help="redis-benchmark -r (random key range)")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--keys-seconds", type=float, default=1.0, help="time spent calling KEYS per run")
    p.add_argument("--redrock-args", default="",
                   help="extra redrock-server arguments, e.g. '--io-threads 1' (recorded in the results)")
    p.add_argument("--out", default=None, help="results folder (default results/<date-time>)")
    p.add_argument("--quick", action="store_true",
                   help="tiny counts for a smoke test: 1 round, 2,000 requests, 1,000 keys")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.requests, args.keys = 1, 2000, 1000
        args.keys_dataset, args.keyspace, args.keys_seconds = 2000, 1000, 0.1
    args.keys_min_calls = 3 if args.quick else 10
    args.settle = 0.2 if args.quick else 2.0
    if args.out is None:
        args.out = os.path.join("results", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    for name in ("rounds", "requests", "keys", "keys_dataset", "keyspace", "clients"):
        if getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name.replace("_", "-"))
    for path in (args.redrock, args.redis_server, args.redis_benchmark):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            p.error("not an executable: %s" % path)
    args.redrock = os.path.abspath(args.redrock)
    return args


def make_servers(args, workdir, tag):
    servers = [
        ServerProcess(tag + "redis", "Redis", "redis", args.redis_server,
                      ["--save", "", "--appendonly", "no"], workdir),
        ServerProcess(tag + "redis-aof", "Redis AOF", "redis", args.redis_server,
                      ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"], workdir),
        ServerProcess(tag + "redrock", "redrock", "redrock", args.redrock,
                      ["--appendfsync", "everysec"] + shlex.split(args.redrock_args), workdir),
    ]
    for s, key, persistent in zip(servers, ("redis", "redis_aof", "redrock"), (False, True, True)):
        s.key, s.persistent = key, persistent
    return servers


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    args = parse_args(argv)
    # A SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, so the finally block stops the servers.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # even when started in the background (SIGINT ignored)
    info = machine_info(args)
    workloads = make_workloads(args)
    failures = []
    workdir = make_workdir()
    started = time.monotonic()
    try:
        servers = make_servers(args, workdir, "bench-")
        for s in servers:
            s.start()
        for s in servers:
            s.wait_ready()
            prefill(args, s)
        log("servers up: " + ", ".join("%s on port %d" % (s.label, s.port) for s in servers))
        samples = run_rounds(args, servers, workloads, failures)
        for s in servers:
            s.stop()
        resources = measure_resources(args, make_servers(args, workdir, "mem-"), failures)
        info["load_average_end"] = "%.2f %.2f %.2f" % os.getloadavg()
        info["duration_seconds"] = round(time.monotonic() - started, 1)
        write_outputs(args, info, servers, workloads, samples, resources, failures)
    except KeyboardInterrupt:
        log("interrupted: stopping the servers")
        return 130
    except (RuntimeError, OSError) as e:
        log("error: %s" % e)
        return 1
    finally:
        stop_all()
        remove_workdir(workdir)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
