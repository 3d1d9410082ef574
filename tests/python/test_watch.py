"""Optimistic updates with WATCH / MULTI / EXEC, as redis-py applications write them.

`transaction(func, *keys)` retries func until EXEC succeeds; `pipeline.watch(...)` raises WatchError when
a watched key changed. Every expectation is what real Redis 7.0 does (run with
REDROCK_SERVER=/usr/bin/redis-server to check).
"""

import asyncio
import time

import pytest
from redis.exceptions import WatchError

from conftest import POLL_S


def test_transaction_retries_after_a_conflicting_write(sync_clients):
    a, b = sync_clients
    a.set("balance", 100)
    calls = []

    def withdraw(pipe):
        balance = int(pipe.get("balance"))
        calls.append(balance)
        if len(calls) == 1:
            # Another connection changes the watched key between our read and our EXEC.
            b.incrby("balance", 50)
        pipe.multi()
        pipe.set("balance", balance - 30)

    result = a.transaction(withdraw, "balance")
    assert result == [True]
    assert calls == [100, 150]  # retried once, with the fresh value
    assert int(a.get("balance")) == 120


def test_transaction_value_from_callable(sync_clients):
    a, b = sync_clients
    a.rpush("queue", "job1", "job2")

    def take(pipe):
        head = pipe.lindex("queue", 0)
        pipe.multi()
        pipe.lpop("queue")
        return head

    assert a.transaction(take, "queue", value_from_callable=True) == b"job1"
    assert a.lrange("queue", 0, -1) == [b"job2"]


def test_pipeline_watch_raises_watch_error(sync_clients):
    a, b = sync_clients
    a.set("stock", 5)
    with a.pipeline() as pipe:
        pipe.watch("stock")
        current = int(pipe.get("stock"))
        b.decr("stock")  # a conflicting write
        pipe.multi()
        pipe.set("stock", current - 1)
        with pytest.raises(WatchError):
            pipe.execute()
    assert int(a.get("stock")) == 4  # the other client's write, not ours

    # Without a conflict the same flow commits.
    with a.pipeline() as pipe:
        pipe.watch("stock")
        current = int(pipe.get("stock"))
        pipe.multi()
        pipe.set("stock", current - 1)
        assert pipe.execute() == [True]
    assert int(a.get("stock")) == 3


def test_unwatch_and_noop_writes_do_not_abort(sync_clients):
    a, b = sync_clients
    a.sadd("tags", "x")
    with a.pipeline() as pipe:
        pipe.watch("tags", "missing")
        b.sadd("tags", "x")  # already a member: nothing changes
        b.delete("missing")  # nothing to delete
        pipe.multi()
        pipe.sadd("tags", "y")
        assert pipe.execute() == [1]
    with a.pipeline() as pipe:
        pipe.watch("tags")
        b.sadd("tags", "z")
        pipe.unwatch()
        pipe.multi()
        pipe.scard("tags")
        assert pipe.execute() == [3]


def test_watched_key_that_expires_aborts(sync_clients):
    a, b = sync_clients
    a.set("session", "token", px=150)
    with a.pipeline() as pipe:
        pipe.watch("session")
        assert pipe.get("session") == b"token"
        # Real time decides expiry: poll (bounded) until the server no longer has the key.
        assert _wait_gone(b, "session")
        pipe.multi()
        pipe.set("session", "renewed")
        with pytest.raises(WatchError):
            pipe.execute()
    assert a.get("session") is None


def _wait_gone(client, key, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not client.exists(key):
            return True
        time.sleep(POLL_S)
    return False


def test_flushall_aborts_a_watch_on_an_existing_key(sync_clients):
    a, b = sync_clients
    a.set("cfg", "v1")
    with a.pipeline() as pipe:
        pipe.watch("cfg", "never-existed")
        b.flushall()
        pipe.multi()
        pipe.set("cfg", "v2")
        with pytest.raises(WatchError):
            pipe.execute()
    with a.pipeline() as pipe:
        pipe.watch("never-existed")
        b.flushall()
        pipe.multi()
        pipe.set("cfg", "v3")
        assert pipe.execute() == [True]


async def test_async_transaction_retries(r, r2):
    await r.set("counter", 10)
    calls = 0

    async def bump(pipe):
        nonlocal calls
        calls += 1
        value = int(await pipe.get("counter"))
        if calls == 1:
            await r2.set("counter", 1000)
        pipe.multi()
        pipe.set("counter", value + 1)

    assert await r.transaction(bump, "counter") == [True]
    assert calls == 2
    assert await r.get("counter") == b"1001"


async def test_async_pipeline_watch_error(r, r2):
    await r.hset("profile", mapping={"name": "ann", "visits": "1"})
    async with r.pipeline() as pipe:
        await pipe.watch("profile")
        visits = int(await pipe.hget("profile", "visits"))
        await r2.hset("profile", "name", "bob")
        pipe.multi()
        pipe.hset("profile", "visits", visits + 1)
        with pytest.raises(WatchError):
            await pipe.execute()
    assert await r.hgetall("profile") == {b"name": b"bob", b"visits": b"1"}


async def test_concurrent_optimistic_increments_lose_nothing(server):
    import redis.asyncio as aioredis

    host, port = server
    clients = [aioredis.Redis(host=host, port=port, socket_timeout=5) for _ in range(4)]
    retries = 0

    async def worker(client, n):
        nonlocal retries
        for _ in range(n):
            while True:
                async with client.pipeline() as pipe:
                    try:
                        await pipe.watch("hits")
                        current = int(await pipe.get("hits") or 0)
                        pipe.multi()
                        pipe.set("hits", current + 1)
                        await pipe.execute()
                        break
                    except WatchError:
                        retries += 1

    try:
        await asyncio.gather(*(worker(c, 25) for c in clients))
        assert await clients[0].get("hits") == b"100"
    finally:
        for c in clients:
            await c.close()
            await c.connection_pool.disconnect()
