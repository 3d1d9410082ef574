"""A stream work queue with a consumer group, driven by Debian's redis-py against the server under test.

A producer XADDs jobs while a pool of three workers in one group read them with XREADGROUP BLOCK, process
them and XACK. One worker "crashes" after taking a batch: it stops without acknowledging. A surviving
worker then recovers the crashed worker's pending jobs with XAUTOCLAIM (min idle time), processes and acks
them. In the end every job was processed exactly once and nothing is pending. Every expected value is what
real Redis 7.0 answers (run with REDROCK_SERVER=/usr/bin/redis-server to check).
"""

import collections
import threading
import time

import pytest
import redis
from redis.exceptions import ResponseError

STREAM = "jobs"
GROUP = "workers"
JOBS = 300
DEADLINE_S = 30.0


def client(server):
    host, port = server
    return redis.Redis(host=host, port=port, socket_timeout=10)


def test_worker_pool_with_crash_and_autoclaim(server):
    admin = client(server)
    assert admin.xgroup_create(STREAM, GROUP, id="$", mkstream=True) is True
    with pytest.raises(ResponseError, match="BUSYGROUP"):
        admin.xgroup_create(STREAM, GROUP, id="$")

    processed = collections.Counter()  # job number -> times processed
    lock = threading.Lock()
    crashed_took = []  # the jobs the crashed worker read and never acked
    stop = threading.Event()
    deadline = time.monotonic() + DEADLINE_S

    def process(fields):
        with lock:
            processed[int(fields[b"n"])] += 1

    def worker(name, crash_after_first_batch):
        c = client(server)
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                reply = c.xreadgroup(GROUP, name, {STREAM: ">"}, count=5, block=100)
                if not reply:
                    continue
                [(stream, entries)] = reply
                assert stream == STREAM.encode()
                if crash_after_first_batch:
                    crashed_took.extend(entry_id for entry_id, _ in entries)
                    return  # crashes: nothing processed, nothing acked
                for entry_id, fields in entries:
                    process(fields)
                    assert c.xack(STREAM, GROUP, entry_id) == 1
        finally:
            c.close()

    workers = [
        threading.Thread(target=worker, args=("crashy", True)),
        threading.Thread(target=worker, args=("w1", False)),
        threading.Thread(target=worker, args=("w2", False)),
    ]
    for t in workers:
        t.start()

    producer = client(server)
    for n in range(JOBS):
        producer.xadd(STREAM, {"n": n, "payload": f"job-{n}"})
        if n % 50 == 0:
            time.sleep(0.01)  # let the blocked workers be woken by fresh entries

    # Wait until everything is either processed or stuck with the crashed worker.
    while time.monotonic() < deadline:
        with lock:
            done = sum(processed.values())
        if crashed_took and done + len(crashed_took) >= JOBS:
            break
        time.sleep(0.02)
    assert crashed_took, "the crashing worker never got a batch"

    # The crashed worker's jobs are pending on it.
    summary = admin.xpending(STREAM, GROUP)
    assert summary["pending"] == len(crashed_took)
    assert {c["name"]: c["pending"] for c in summary["consumers"]} == {b"crashy": len(crashed_took)}

    # Recovery: w1 claims what has been idle for a while, page by page, processes it and acks it.
    time.sleep(0.2)
    rescuer = client(server)
    cursor = "0-0"
    claimed = []
    while True:
        next_cursor, entries, deleted = rescuer.xautoclaim(STREAM, GROUP, "w1", min_idle_time=100, start_id=cursor,
                                                           count=2)
        assert deleted == []
        for entry_id, fields in entries:
            claimed.append(entry_id)
            process(fields)
            assert rescuer.xack(STREAM, GROUP, entry_id) == 1
        cursor = next_cursor
        if cursor in (b"0-0", "0-0"):
            break
    assert sorted(claimed) == sorted(crashed_took)

    stop.set()
    for t in workers:
        t.join(timeout=5)
        assert not t.is_alive()

    # Exactly once, nothing pending, the group has read everything.
    assert sorted(processed) == list(range(JOBS))
    assert set(processed.values()) == {1}
    assert admin.xpending(STREAM, GROUP)["pending"] == 0
    [group] = admin.xinfo_groups(STREAM)
    assert group["name"] == GROUP.encode()
    assert group["pending"] == 0
    assert group["entries-read"] == JOBS
    assert group["lag"] == 0
    assert admin.xlen(STREAM) == JOBS
    consumers = {c["name"]: c["pending"] for c in admin.xinfo_consumers(STREAM, GROUP)}
    assert consumers == {b"crashy": 0, b"w1": 0, b"w2": 0}

    # Trimming the processed history keeps the stream (and its group) even when it empties.
    assert admin.xtrim(STREAM, maxlen=0) == JOBS
    assert admin.exists(STREAM) == 1
    assert admin.xlen(STREAM) == 0
    assert admin.xinfo_groups(STREAM)[0]["last-delivered-id"] == admin.xinfo_stream(STREAM)["last-generated-id"]
    for c in (admin, producer, rescuer):
        c.close()


def test_blocked_reader_gets_entry_and_errors(server):
    a, b = client(server), client(server)
    result = {}

    def reader():
        result["reply"] = a.xread({"events": "$"}, block=5000)

    t = threading.Thread(target=reader)
    t.start()
    deadline = time.monotonic() + 5
    while b.info("clients")["blocked_clients"] != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert b.info("clients")["blocked_clients"] == 1
    new_id = b.xadd("events", {"kind": "login"}, id="7-1")
    t.join(timeout=5)
    assert new_id == b"7-1"
    assert result["reply"] == [[b"events", [(b"7-1", {b"kind": b"login"})]]]

    # Timeout: nothing.
    assert a.xread({"events": "$"}, block=50) == []
    with pytest.raises(ResponseError, match="NOGROUP"):
        a.xreadgroup("nogroup", "c", {"events": ">"})
    with pytest.raises(ResponseError, match="equal or smaller"):
        b.xadd("events", {"kind": "old"}, id="7-0")
    a.close()
    b.close()
