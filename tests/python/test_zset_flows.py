"""Sorted-set flows of a redis.asyncio service, checked against the server under test.

A sliding-window rate limiter runs one MULTI/EXEC pipeline per request (drop what fell out of the window,
record the request, count, refresh the key's TTL), and a game leaderboard uses ZINCRBY, ZREVRANGE WITHSCORES,
ZRANGEBYSCORE with LIMIT and ZREM. Every expected value is what real Redis 7.0 answers (run with
REDROCK_SERVER=/usr/bin/redis-server to check).
"""

import asyncio

import pytest
from redis.exceptions import ResponseError

from conftest import wait_until


class SlidingWindowLimiter:
    """At most `limit` requests per `window_s` seconds per client, as the service implements it.

    `now` is passed in (milliseconds) so that the test controls the window; the key's TTL is real.
    """

    def __init__(self, client, limit, window_s):
        self.redis = client
        self.limit = limit
        self.window_ms = window_s * 1000
        self.window_s = window_s

    async def hit(self, client_id, request_id, now_ms):
        key = f"rate:{client_id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now_ms - self.window_ms)
            pipe.zadd(key, {request_id: now_ms})
            pipe.zcard(key)
            pipe.expire(key, self.window_s)
            removed, added, count, expire_set = await pipe.execute()
        assert added == 1 and expire_set is True
        return count <= self.limit, removed, count


async def test_sliding_window_rate_limiter(r):
    limiter = SlidingWindowLimiter(r, limit=3, window_s=1)
    t0 = 1_700_000_000_000
    results = [await limiter.hit("alice", f"req{i}", t0 + i * 100) for i in range(5)]
    assert [allowed for allowed, _, _ in results] == [True, True, True, False, False]
    assert [count for _, _, count in results] == [1, 2, 3, 4, 5]
    # Another client has its own window.
    assert (await limiter.hit("bob", "req0", t0 + 450))[0] is True
    # Once the window has slid past the first requests they are dropped and requests pass again.
    allowed, removed, count = await limiter.hit("alice", "req5", t0 + 1250)
    assert (allowed, removed, count) == (True, 3, 3)
    members = await r.zrange("rate:alice", 0, -1, withscores=True)
    assert members == [(b"req3", t0 + 300.0), (b"req4", t0 + 400.0), (b"req5", t0 + 1250.0)]
    ttl = await r.ttl("rate:alice")
    assert 0 <= ttl <= 1
    # With no more traffic the key expires on its own (real TTL).
    assert await wait_until(lambda: _gone(r, "rate:alice"), timeout=5.0)
    assert await r.zcard("rate:alice") == 0


async def _gone(r, key):
    return await r.exists(key) == 0


async def test_rate_limiter_pipeline_is_atomic_under_concurrency(r):
    limiter = SlidingWindowLimiter(r, limit=10, window_s=60)
    now = 1_700_000_000_000
    outcomes = await asyncio.gather(*(limiter.hit("crowd", f"r{i}", now + i) for i in range(40)))
    counts = sorted(count for _, _, count in outcomes)
    # Every transaction saw a distinct count: no two requests were counted as the same one.
    assert counts == list(range(1, 41))
    assert sum(1 for allowed, _, _ in outcomes if allowed) == 10
    assert await r.zcard("rate:crowd") == 40


async def test_leaderboard(r):
    board = "leaderboard:season1"
    for player, points in [("ann", 10), ("bob", 25), ("cid", 5), ("dee", 25), ("eve", 40)]:
        await r.zincrby(board, points, player)
    assert await r.zincrby(board, 7.5, "cid") == 12.5
    assert await r.zincrby(board, 1, "newbie") == 1.0
    for i in range(10):
        await r.zadd(board, {f"bot{i:02d}": i})

    top = await r.zrevrange(board, 0, 9, withscores=True)
    assert top == [
        (b"eve", 40.0),
        (b"dee", 25.0),
        (b"bob", 25.0),
        (b"cid", 12.5),
        (b"ann", 10.0),
        (b"bot09", 9.0),
        (b"bot08", 8.0),
        (b"bot07", 7.0),
        (b"bot06", 6.0),
        (b"bot05", 5.0),
    ]
    assert await r.zrevrank(board, "eve") == 0
    assert await r.zrank(board, "bot00") == 0
    assert await r.zrevrank(board, "nobody") is None

    # A page of the mid-table: scores in [5, 25), second page of three.
    page = await r.zrangebyscore(board, 5, "(25", start=3, num=3, withscores=True)
    assert page == [(b"bot08", 8.0), (b"bot09", 9.0), (b"ann", 10.0)]
    assert await r.zrangebyscore(board, "(12.5", "+inf") == [b"bob", b"dee", b"eve"]
    assert await r.zcount(board, "-inf", "(10") == 11
    assert await r.zscore(board, "cid") == 12.5
    assert await r.zmscore(board, ["ann", "nobody"]) == [10.0, None]

    # Players leave; the board shrinks and the ranks close up.
    assert await r.zrem(board, "eve", "nobody") == 1
    assert await r.zrevrange(board, 0, 1, withscores=True) == [(b"dee", 25.0), (b"bob", 25.0)]
    assert await r.zremrangebyscore(board, "-inf", 4) == 6  # bot00..bot04 and newbie
    assert await r.zcard(board) == 9
    assert await r.zpopmax(board) == [(b"dee", 25.0)]

    with pytest.raises(ResponseError, match="not a valid float"):
        await r.zincrby(board, "lots", "ann")
    await r.set("plain", "v")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await r.zadd("plain", {"a": 1})


async def test_leaderboard_concurrent_increments(r):
    async def player(name):
        for _ in range(50):
            await r.zincrby("lb:live", 1, name)

    await asyncio.gather(*(player(f"p{i}") for i in range(8)), *(player("shared") for _ in range(4)))
    scores = dict(await r.zrange("lb:live", 0, -1, withscores=True))
    assert scores[b"shared"] == 200.0
    assert all(scores[f"p{i}".encode()] == 50.0 for i in range(8))
