#!/usr/bin/python3
"""ctest smoke run of bench/compare.py --quick: it must exit 0 and write a complete results folder.

Asserts no timing; only that every workload produced numbers and the outputs exist and are well formed.
    smoke_compare.py --redrock build/redrock-server
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    return 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--redrock", required=True)
    args = p.parse_args()
    out_root = tempfile.mkdtemp(prefix="redrock-compare-smoke-")
    out = os.path.join(out_root, "results")
    try:
        cmd = [sys.executable, os.path.join(HERE, "compare.py"), "--redrock", args.redrock, "--quick", "--out", out]
        done = subprocess.run(cmd, timeout=100)
        if done.returncode != 0:
            return fail("compare.py exited %d" % done.returncode)
        for name in ("results.md", "chart.svg", "results.json"):
            path = os.path.join(out, name)
            if not os.path.isfile(path) or os.path.getsize(path) == 0:
                return fail("missing or empty " + path)

        with open(os.path.join(out, "results.json")) as f:
            data = json.load(f)
        if data["failures"]:
            return fail("failures reported: %s" % data["failures"])
        for workload, by_server in data["samples"].items():
            for server, runs in by_server.items():
                if not runs or any(r is None or r["rps"] <= 0 for r in runs):
                    return fail("no numbers for %s on %s" % (workload, server))
        for server in ("redis", "redis_aof", "redrock"):
            r = data["resources"].get(server, {})
            if not r.get("rss_loaded"):
                return fail("no RSS for " + server)
        for server in ("redis_aof", "redrock"):
            if data["resources"][server].get("restart_get") is None:
                return fail("no restart time for " + server)

        with open(os.path.join(out, "results.md")) as f:
            md = f.read()
        for needle in ("| PING |", "| GET -P 16 |", "| SET EX 100 |", "KEYS kb:7:*", "redrock GET rps / its own PING",
                       "Restart: first GET", "chart.svg"):
            if needle not in md:
                return fail("results.md lacks %r" % needle)

        bars = [e for e in ET.parse(os.path.join(out, "chart.svg")).getroot().iter("{http://www.w3.org/2000/svg}rect")
                if e.find("{http://www.w3.org/2000/svg}title") is not None]
        want = len(data["samples"]) * 3
        if len(bars) != want:
            return fail("chart.svg has %d bars, expected %d" % (len(bars), want))
        print("compare.py --quick: OK (%d workloads x 3 servers)" % len(data["samples"]))
        return 0
    finally:
        shutil.rmtree(out_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
