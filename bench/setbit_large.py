#!/usr/bin/python3
"""SETBIT / GETBIT at random offsets in one large bitmap: redrock against a real redis-server.

Starts both servers on loopback ports (27xxx by default) in scratch directories, builds a bitmap of
--bits bits (default 8e8, 100 MB) with one SETBIT at its last offset, then times --ops single SETBITs
(and GETBITs) at random offsets, one request at a time, and prints the latency per call. Both servers
are stopped by pid at the end.

    bench/setbit_large.py --redrock build/redrock-server [--bits 800000000] [--ops 20]
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import redis  # noqa: E402


def start(binary, port, workdir, extra):
    log = open(os.path.join(os.path.dirname(workdir.rstrip("/")), f"{port}.log"), "w")
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir] + extra
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    client = redis.Redis(port=port, socket_timeout=600)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            return proc, client
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                log.close()
                with open(log.name) as f:
                    raise RuntimeError(f"{binary} did not start on {port}:\n{f.read()}")
            time.sleep(0.05)


def measure(name, client, bits, ops, seed):
    t = time.perf_counter()
    client.setbit("big", bits - 1, 1)
    build_s = time.perf_counter() - t
    rng = random.Random(seed)
    offsets = [rng.randrange(bits) for _ in range(ops)]
    t = time.perf_counter()
    for off in offsets:
        client.setbit("big", off, 1)
    setbit_s = (time.perf_counter() - t) / ops
    t = time.perf_counter()
    for off in offsets:
        assert client.getbit("big", off) == 1
    getbit_s = (time.perf_counter() - t) / ops
    t = time.perf_counter()
    count = client.bitcount("big")
    bitcount_s = time.perf_counter() - t
    assert count <= ops + 1
    print(f"{name:9s} create {build_s * 1e3:9.1f} ms   SETBIT {setbit_s * 1e3:9.3f} ms/op   "
          f"GETBIT {getbit_s * 1e3:9.3f} ms/op   BITCOUNT {bitcount_s * 1e3:8.1f} ms", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redrock", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--bits", type=int, default=800_000_000)
    ap.add_argument("--ops", type=int, default=20)
    ap.add_argument("--redis-ops", type=int, default=0, help="ops for Redis (default: --ops)")
    ap.add_argument("--port", type=int, default=27310)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="setbit-bench-")
    procs = []
    try:
        redrock_dir = os.path.join(workdir, "redrock")
        os.mkdir(redrock_dir)
        rr, rr_client = start(args.redrock, args.port, redrock_dir, [])
        procs.append(rr)
        measure("redrock", rr_client, args.bits, args.ops, 1)
        redis_dir = os.path.join(workdir, "redis")
        os.mkdir(redis_dir)
        rd, rd_client = start(args.redis, args.port + 1, redis_dir, ["--save", "", "--appendonly", "no"])
        procs.append(rd)
        measure("redis", rd_client, args.bits, args.redis_ops or args.ops, 1)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
