"""The list-queue flows of a redis.asyncio service, checked against the server under test.

Producers LPUSH/RPUSH jobs, consumers take them with RPOP/LPOP (with a count), LRANGE 0 -1 and LLEN watch
the queue, a recent-activity log is kept with LPUSH + LTRIM 0 99, and a blocking consumer waits in BRPOP
with a timeout until a producer task pushes. Every expected value is what real Redis 7.0 answers (run
with REDROCK_SERVER=/usr/bin/redis-server to check).
"""

import asyncio
import time

import pytest
from redis.exceptions import ResponseError


async def test_queue_producer_consumer(r):
    # Producers: LPUSH at the head, RPUSH at the tail.
    assert await r.rpush("queue:jobs", "job1", "job2") == 2
    assert await r.lpush("queue:jobs", "urgent") == 3
    assert await r.lrange("queue:jobs", 0, -1) == [b"urgent", b"job1", b"job2"]
    assert await r.llen("queue:jobs") == 3

    # Consumers: single pops and pops with a count.
    assert await r.lpop("queue:jobs") == b"urgent"
    assert await r.rpush("queue:jobs", "job3", "job4", "job5") == 5
    assert await r.lpop("queue:jobs", 2) == [b"job1", b"job2"]
    assert await r.rpop("queue:jobs", 2) == [b"job5", b"job4"]
    assert await r.llen("queue:jobs") == 1
    assert await r.rpop("queue:jobs") == b"job3"

    # Drained: the key is gone, pops answer nil.
    assert await r.exists("queue:jobs") == 0
    assert await r.llen("queue:jobs") == 0
    assert await r.lrange("queue:jobs", 0, -1) == []
    assert await r.lpop("queue:jobs") is None
    assert await r.rpop("queue:jobs", 3) is None

    # A queue of many jobs keeps FIFO order through RPUSH + LPOP.
    jobs = [f"job:{i}" for i in range(250)]
    assert await r.rpush("queue:bulk", *jobs) == 250
    got = []
    while True:
        batch = await r.lpop("queue:bulk", 40)
        if batch is None:
            break
        got.extend(x.decode() for x in batch)
    assert got == jobs


async def test_queue_in_pipeline_and_wrong_type(r):
    async with r.pipeline(transaction=True) as pipe:
        pipe.rpush("queue:p", "a", "b", "c")
        pipe.lpop("queue:p")
        pipe.llen("queue:p")
        pipe.lrange("queue:p", 0, -1)
        assert await pipe.execute() == [3, b"a", 2, [b"b", b"c"]]

    await r.set("queue:str", "x")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await r.lpush("queue:str", "a")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await r.lrange("queue:str", 0, -1)


async def test_recent_activity_log(r):
    # Each event goes to the head; the log keeps the newest 100.
    for i in range(250):
        async with r.pipeline(transaction=False) as pipe:
            pipe.lpush("activity:alice", f"event:{i}")
            pipe.ltrim("activity:alice", 0, 99)
            assert await pipe.execute() == [min(i + 1, 101), True]
    assert await r.llen("activity:alice") == 100
    log = await r.lrange("activity:alice", 0, -1)
    assert log == [f"event:{i}".encode() for i in range(249, 149, -1)]
    assert await r.lrange("activity:alice", 0, 9) == [f"event:{i}".encode() for i in range(249, 239, -1)]
    assert await r.lindex("activity:alice", -1) == b"event:150"

    # The log expires with its key.
    assert await r.expire("activity:alice", 1) is True
    deadline = time.monotonic() + 5
    while await r.exists("activity:alice") and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert await r.exists("activity:alice") == 0
    assert await r.lrange("activity:alice", 0, -1) == []


async def test_blocking_consumer_woken_by_producer(r, r2):
    async def consumer():
        # Blocks on an empty queue until the producer pushes.
        return await r2.brpop("queue:blocking", timeout=5)

    async def producer():
        await asyncio.sleep(0.1)
        return await r.lpush("queue:blocking", "payload")

    started = time.monotonic()
    popped, pushed = await asyncio.gather(consumer(), producer())
    assert pushed == 1
    assert popped == (b"queue:blocking", b"payload")
    assert time.monotonic() - started < 4
    assert await r.exists("queue:blocking") == 0

    # With nothing pushed, the timeout expires and the consumer gets None.
    started = time.monotonic()
    assert await r2.brpop("queue:blocking", timeout=0.2) is None
    assert time.monotonic() - started >= 0.19

    # Several queues: the consumer is served by whichever gets a job.
    async def multi_consumer():
        return await r2.blpop(["queue:a", "queue:b"], timeout=5)

    async def push_b():
        await asyncio.sleep(0.05)
        return await r.rpush("queue:b", "from-b")

    popped, _ = await asyncio.gather(multi_consumer(), push_b())
    assert popped == (b"queue:b", b"from-b")


async def test_reliable_queue_with_blmove(r, r2):
    async def worker():
        return await r2.blmove("queue:todo", "queue:processing", 5, "RIGHT", "LEFT")

    async def producer():
        await asyncio.sleep(0.05)
        return await r.lpush("queue:todo", "task-1")

    moved, _ = await asyncio.gather(worker(), producer())
    assert moved == b"task-1"
    assert await r.lrange("queue:processing", 0, -1) == [b"task-1"]
    assert await r.lrem("queue:processing", 1, "task-1") == 1
    assert await r.exists("queue:processing", "queue:todo") == 0


def _send(sock, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)


def _read_line(sock):
    buf = b""
    while not buf.endswith(b"\r\n"):
        chunk = sock.recv(1)
        assert chunk, "connection closed"
        buf += chunk
    return buf


def test_blocked_clients_are_served_in_the_order_their_commands_arrived(server):
    """Redis's "BRPOPLPUSH with multiple blocked clients": two connections block without waiting for a
    reply, a third pushes. The first to arrive gets WRONGTYPE (its target is a string) and the element goes
    to the second. With the default io-threads (1, as Redis) commands from different connections run in
    arrival order; a reordering leaves the first client blocked for ever (here: a recv timeout)."""
    import socket

    host, port = server
    socks = [socket.create_connection((host, port), timeout=5) for _ in range(3)]
    rd1, rd2, r = socks
    try:
        for i in range(200):
            _send(r, "DEL", "blist", "target1", "target2")
            _read_line(r)
            _send(r, "SET", "target1", "nolist")
            _read_line(r)
            _send(rd1, "BRPOPLPUSH", "blist", "target1", "0")
            _send(rd2, "BRPOPLPUSH", "blist", "target2", "0")
            _send(r, "LPUSH", "blist", "foo%d" % i)
            assert _read_line(r) == b":1\r\n"
            assert _read_line(rd1).startswith(b"-WRONGTYPE"), "round %d" % i
            assert _read_line(rd2) == b"$%d\r\n" % len("foo%d" % i), "round %d" % i
            assert _read_line(rd2) == b"foo%d\r\n" % i
    finally:
        for s in socks:
            s.close()
