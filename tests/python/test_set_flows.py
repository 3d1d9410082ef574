"""The auth service's token blacklist, through redis.asyncio, checked against the server under test.

Revoked tokens go into a per-user set `blacklist:<user>` that expires with the longest token lifetime; the
request path asks SISMEMBER (or SMISMEMBER for a batch), an admin view lists SMEMBERS/SCARD, and
re-instating a token is SREM. Every expected value here is what real Redis 7.0 answers (run the file with
REDROCK_SERVER=/usr/bin/redis-server to check).
"""

import pytest
from redis.exceptions import ResponseError

from conftest import wait_until


class Blacklist:
    """The service's wrapper around one user's revoked-token set."""

    def __init__(self, client, user, lifetime_s=3600):
        self.redis = client
        self.key = f"blacklist:{user}"
        self.lifetime_s = lifetime_s

    async def revoke(self, *tokens):
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self.key, *tokens).expire(self.key, self.lifetime_s)
            added, _ = await pipe.execute()
        return added

    async def is_revoked(self, token):
        return await self.redis.sismember(self.key, token)

    async def revoked_of(self, tokens):
        return [bool(x) for x in await self.redis.smismember(self.key, tokens)]

    async def reinstate(self, token):
        return await self.redis.srem(self.key, token)


async def test_blacklist_flow(r):
    bl = Blacklist(r, "alice", lifetime_s=60)
    assert await bl.revoke("tok-1", "tok-2", "tok-3") == 3
    assert await bl.revoke("tok-3", "tok-4") == 1
    assert await bl.is_revoked("tok-1") is True
    assert await bl.is_revoked("tok-unknown") is False
    assert await bl.revoked_of(["tok-2", "nope", "tok-4"]) == [True, False, True]
    assert await r.smismember(bl.key, ["tok-1", "zzz"]) == [1, 0]
    assert await r.smembers(bl.key) == {b"tok-1", b"tok-2", b"tok-3", b"tok-4"}
    assert await r.scard(bl.key) == 4
    assert 0 < await r.ttl(bl.key) <= 60
    assert await r.type(bl.key) == b"set"

    assert await bl.reinstate("tok-1") == 1
    assert await bl.reinstate("tok-1") == 0
    assert await bl.is_revoked("tok-1") is False
    assert await r.scard(bl.key) == 3

    # Another user's blacklist is independent; a missing one answers like an empty set.
    other = Blacklist(r, "bob")
    assert await other.is_revoked("tok-2") is False
    assert await r.smembers(other.key) == set()
    assert await r.scard(other.key) == 0
    assert await other.revoked_of(["tok-2"]) == [False]

    # Reinstating every token removes the key.
    for tok in ("tok-2", "tok-3", "tok-4"):
        assert await bl.reinstate(tok) == 1
    assert await r.exists(bl.key) == 0

    await r.set("plain", "value")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await r.sismember("plain", "x")


async def test_blacklist_really_expires(r):
    bl = Blacklist(r, "carol")
    assert await bl.revoke("t1", "t2") == 2
    assert await r.pexpire(bl.key, 300) is True
    assert await bl.is_revoked("t1") is True

    async def gone():
        return await r.exists(bl.key) == 0

    assert await wait_until(gone, timeout=5.0), "the blacklist set did not expire"
    assert await bl.is_revoked("t1") is False
    assert await r.smembers(bl.key) == set()
    assert await r.scard(bl.key) == 0
    assert await r.ttl(bl.key) == -2
    # A fresh blacklist under the same key starts empty.
    assert await bl.revoke("t9") == 1
    assert await r.smembers(bl.key) == {b"t9"}


async def test_expired_blacklist_is_reclaimed_without_access(r):
    await r.sadd("keep", "x")
    for user in ("u1", "u2"):
        assert await Blacklist(r, user).revoke("a", "b", "c") == 3
        assert await r.pexpire(f"blacklist:{user}", 200) is True
    assert await r.dbsize() == 3

    async def reclaimed():
        return await r.dbsize() == 1

    assert await wait_until(reclaimed, timeout=5.0), "DBSIZE still counts the expired blacklists"
    assert await r.keys("blacklist:*") == []


async def test_set_algebra_and_scan(r):
    await r.sadd("revoked:global", "g1", "shared")
    await r.sadd("blacklist:dave", "d1", "shared")
    assert await r.sinter("revoked:global", "blacklist:dave") == {b"shared"}
    assert await r.sunion("revoked:global", "blacklist:dave") == {b"g1", b"shared", b"d1"}
    assert await r.sdiff("blacklist:dave", "revoked:global") == {b"d1"}
    assert await r.sintercard(2, ["revoked:global", "blacklist:dave"]) == 1
    assert await r.sunionstore("revoked:all", ["revoked:global", "blacklist:dave"]) == 3
    assert await r.smove("blacklist:dave", "revoked:global", "d1") is True
    assert await r.smembers("revoked:global") == {b"g1", b"shared", b"d1"}
    assert await r.smove("blacklist:dave", "revoked:global", "d1") is False

    tokens = {f"tok-{i:04d}".encode() for i in range(300)}
    await r.sadd("big", *tokens)
    seen = [m async for m in r.sscan_iter("big", count=50)]
    assert len(seen) == len(tokens) and set(seen) == tokens
    assert {m async for m in r.sscan_iter("big", match="tok-01*")} == {t for t in tokens if t.startswith(b"tok-01")}

    assert set(await r.srandmember("big", 500)) == tokens
    assert len(await r.srandmember("big", -7)) == 7
    popped = await r.spop("big", 10)
    assert len(set(popped)) == 10 and set(popped) <= tokens
    assert await r.scard("big") == 290
    assert await r.sismember("big", popped[0]) is False
