"""The session-hash flow of a redis.asyncio service, checked against the server under test.

A login writes the session as one hash with `hset(name, mapping=...)`, requests read it back with
HGETALL/HGET/HMGET, count hits with HINCRBY, and the session lives only as long as its EXPIRE. Every
expected value is what real Redis 7.0 answers (run with REDROCK_SERVER=/usr/bin/redis-server to check).
"""

import asyncio

import pytest
from redis.exceptions import ResponseError

from conftest import wait_until

SESSION = {
    "user_id": "42",
    "username": "alice",
    "role": "admin",
    "ip": "10.0.0.7",
    "hits": "0",
}


def as_bytes(mapping):
    return {k.encode(): v.encode() for k, v in mapping.items()}


async def test_session_hash_written_with_mapping(r):
    assert await r.hset("session:abc", mapping=SESSION) == len(SESSION)
    assert await r.hgetall("session:abc") == as_bytes(SESSION)
    assert await r.hget("session:abc", "username") == b"alice"
    assert await r.hget("session:abc", "missing") is None
    assert await r.hmget("session:abc", ["role", "nope", "ip"]) == [b"admin", None, b"10.0.0.7"]
    assert await r.hlen("session:abc") == len(SESSION)
    assert await r.hexists("session:abc", "role") is True
    assert sorted(await r.hkeys("session:abc")) == sorted(k.encode() for k in SESSION)
    assert await r.type("session:abc") == b"hash"

    # Rewriting part of the session: only new fields are counted.
    assert await r.hset("session:abc", mapping={"role": "user", "theme": "dark"}) == 1
    assert await r.hget("session:abc", "role") == b"user"
    assert await r.hset("session:abc", "csrf", "t0k") == 1
    assert await r.hsetnx("session:abc", "csrf", "other") == 0
    assert await r.hdel("session:abc", "theme", "csrf", "nope") == 2
    assert await r.hgetall("missing:session") == {}


async def test_hit_counter_with_hincrby(r):
    await r.hset("session:cnt", mapping=SESSION)
    for expected in range(1, 21):
        assert await r.hincrby("session:cnt", "hits", 1) == expected
    assert await r.hincrby("session:cnt", "hits", -5) == 15
    assert await r.hget("session:cnt", "hits") == b"15"
    assert await r.hincrbyfloat("session:cnt", "score", 1.5) == 1.5
    assert await r.hincrbyfloat("session:cnt", "score", 0.25) == 1.75
    with pytest.raises(ResponseError) as info:
        await r.hincrby("session:cnt", "username", 1)
    assert str(info.value) == "hash value is not an integer"


async def test_concurrent_hit_counting(r):
    await r.hset("session:par", mapping=SESSION)

    async def bump(n):
        for _ in range(n):
            await r.hincrby("session:par", "hits", 1)

    await asyncio.gather(*(bump(50) for _ in range(8)))
    assert await r.hget("session:par", "hits") == b"400"


async def test_session_expires(r):
    assert await r.hset("session:ttl", mapping=SESSION) == len(SESSION)
    assert await r.expire("session:ttl", 1) is True
    assert await r.ttl("session:ttl") == 1
    # Touching the session keeps its expiry.
    assert await r.hincrby("session:ttl", "hits", 1) == 1
    assert await r.ttl("session:ttl") in (0, 1)

    async def gone():
        return await r.exists("session:ttl") == 0

    assert await wait_until(gone, timeout=4.0), "session hash with EXPIRE 1 still present after 4 s"
    assert await r.hgetall("session:ttl") == {}
    assert await r.hget("session:ttl", "username") is None
    assert await r.ttl("session:ttl") == -2
    # A new login under the same id starts from scratch.
    assert await r.hset("session:ttl", mapping={"username": "bob"}) == 1
    assert await r.hgetall("session:ttl") == {b"username": b"bob"}
    assert await r.ttl("session:ttl") == -1


async def test_session_flow_in_pipeline(r):
    async with r.pipeline(transaction=True) as pipe:
        pipe.hset("session:p", mapping=SESSION)
        pipe.expire("session:p", 100)
        pipe.hincrby("session:p", "hits", 3)
        pipe.hget("session:p", "username")
        pipe.hmget("session:p", "user_id", "nope")
        pipe.hgetall("session:p")
        pipe.ttl("session:p")
        result = await pipe.execute()
    expected_all = as_bytes(SESSION)
    expected_all[b"hits"] = b"3"
    assert result == [len(SESSION), True, 3, b"alice", [b"42", None], expected_all, 100]

    async with r.pipeline(transaction=False) as pipe:
        for i in range(20):
            pipe.hset(f"session:n{i}", mapping={"i": str(i), "user": f"u{i}"})
            pipe.pexpire(f"session:n{i}", 300)
        for i in range(20):
            pipe.hgetall(f"session:n{i}")
        result = await pipe.execute()
    assert result[:40] == [2, True] * 20
    assert result[40:] == [{b"i": str(i).encode(), b"user": f"u{i}".encode()} for i in range(20)]

    async def all_gone():
        return await r.exists(*[f"session:n{i}" for i in range(20)]) == 0

    assert await wait_until(all_gone, timeout=4.0), "pipelined session hashes still present after 4 s"
    assert await r.hgetall("session:p") == expected_all  # the one without a short TTL stays


async def test_pipeline_error_inside_transaction(r):
    await r.set("plain", "string")
    async with r.pipeline(transaction=True) as pipe:
        pipe.hset("session:e", "a", "1")
        pipe.hget("plain", "a")
        pipe.hincrby("session:e", "a", 1)
        result = await pipe.execute(raise_on_error=False)
    assert result[0] == 1
    assert isinstance(result[1], ResponseError)
    assert str(result[1]).startswith("WRONGTYPE")
    assert result[2] == 2


async def test_hscan_iter_and_hrandfield(r):
    fields = {f"f{i}": str(i) for i in range(300)}
    assert await r.hset("big", mapping=fields) == 300
    seen = {}
    async for field, value in r.hscan_iter("big", count=50):
        seen[field.decode()] = value.decode()
    assert seen == fields
    matched = [f async for f, _ in r.hscan_iter("big", match="f1?", count=50)]
    assert sorted(matched) == sorted(f"f1{i}".encode() for i in range(10))

    picked = await r.hrandfield("big", 10)
    assert len(picked) == 10 and len(set(picked)) == 10
    assert all(p.decode() in fields for p in picked)
    assert len(await r.hrandfield("big", -500)) == 500
    await r.hset("single", "only", "v")
    assert await r.hrandfield("single") == b"only"
    assert await r.hrandfield("single", -3, withvalues=True) == [b"only", b"v"] * 3
