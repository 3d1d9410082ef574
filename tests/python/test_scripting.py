"""Lua scripting and Functions as applications use them through redis-py.

redis-py's Lock (acquire, extend, release, contention), a token-bucket rate limiter written in Lua, the
backend's token-record script (cjson + SET ... KEEPTTL), FUNCTION LOAD + FCALL, and function libraries
surviving a restart. Every expectation is what real Redis 7.0 does (run with
REDROCK_SERVER=/usr/bin/redis-server to check).
"""

import json
import threading
import time

import pytest
import redis
from redis.exceptions import LockError, LockNotOwnedError, ResponseError


# --- redis-py's Lock (its release/extend/reacquire are Lua scripts run with EVALSHA) --------------------


def test_lock_acquire_extend_release(sync_clients):
    a, _ = sync_clients
    lock = a.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert lock.locked() and lock.owned()
    ttl = a.pttl("resource")
    assert 0 < ttl <= 10_000
    assert lock.extend(20)  # adds 20 s to the remaining time
    assert 20_000 < a.pttl("resource") <= 30_000
    assert lock.extend(5, replace_ttl=True)
    assert 0 < a.pttl("resource") <= 5_000
    assert lock.reacquire()
    assert 5_000 < a.pttl("resource") <= 10_000
    lock.release()
    assert not lock.locked()
    assert a.exists("resource") == 0
    with pytest.raises(LockError):
        lock.release()  # not held any more


def test_lock_contention_between_two_clients(sync_clients):
    a, b = sync_clients
    first = a.lock("job", timeout=10)
    second = b.lock("job", timeout=10)
    assert first.acquire(blocking=False)
    assert not second.acquire(blocking=False)
    assert not second.acquire(blocking=True, blocking_timeout=0.2)
    # The other client's token cannot release or extend our lock.
    second.local.token = b"not-the-owner"
    with pytest.raises(LockNotOwnedError):
        second.release()
    second.local.token = b"not-the-owner"  # release() forgot it
    with pytest.raises(LockNotOwnedError):
        second.extend(5)
    assert first.owned()

    acquired = []

    def wait_for_it():
        acquired.append(b.lock("job", timeout=10).acquire(blocking=True, blocking_timeout=5))

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    time.sleep(0.2)
    first.release()
    waiter.join()
    assert acquired == [True]
    assert a.get("job") is not None


def test_lock_as_a_context_manager_serialises_increments(sync_clients):
    a, b = sync_clients
    a.set("counter", 0)

    def worker(client):
        for _ in range(20):
            with client.lock("counter-lock", timeout=5, blocking_timeout=5):
                value = int(client.get("counter"))
                client.set("counter", value + 1)

    threads = [threading.Thread(target=worker, args=(c,)) for c in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert int(a.get("counter")) == 40


async def test_async_lock(r, r2):
    lock = r.lock("alock", timeout=5)
    assert await lock.acquire(blocking=False)
    assert not await r2.lock("alock", timeout=5).acquire(blocking=False)
    assert await lock.extend(5)
    await lock.release()
    assert await r2.lock("alock", timeout=5).acquire(blocking=False)


# --- A token-bucket rate limiter -------------------------------------------------------------------------

TOKEN_BUCKET = """
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local refill_per_ms = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * refill_per_ms)
local allowed = 0
if tokens >= wanted then
  tokens = tokens - wanted
  allowed = 1
end
redis.call('HSET', key, 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', key, math.ceil(capacity / refill_per_ms) * 2)
return {allowed, math.floor(tokens)}
"""


def test_token_bucket_rate_limiter(sync_clients):
    a, b = sync_clients
    bucket = a.register_script(TOKEN_BUCKET)
    now = 1_000_000
    # Capacity 5, one token per 100 ms: five requests pass at once, the sixth is refused.
    results = [bucket(keys=["rl:user1"], args=[5, 0.01, now, 1]) for _ in range(6)]
    assert results == [[1, 4], [1, 3], [1, 2], [1, 1], [1, 0], [0, 0]]
    # 250 ms later two tokens have come back (the third is still half a token away).
    assert bucket(keys=["rl:user1"], args=[5, 0.01, now + 250, 1]) == [1, 1]
    assert bucket(keys=["rl:user1"], args=[5, 0.01, now + 250, 2]) == [0, 1]
    assert 0 < a.pttl("rl:user1") <= 1000
    # Another client uses the same cached script by its sha.
    assert b.evalsha(bucket.sha, 1, "rl:user2", 5, 0.01, now, 5) == [1, 0]
    assert b.script_exists(bucket.sha) == [True]


def test_rate_limiter_is_atomic_under_contention(sync_clients):
    a, b = sync_clients
    bucket_a = a.register_script(TOKEN_BUCKET)
    bucket_b = b.register_script(TOKEN_BUCKET)
    granted = []

    def hammer(bucket):
        count = 0
        for _ in range(50):
            # A fixed clock: nothing refills while the two clients race for the 30 tokens.
            count += bucket(keys=["rl:shared"], args=[30, 0.001, 1_000_000, 1])[0]
        granted.append(count)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in (bucket_a, bucket_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 30  # never more than the capacity, whatever the interleaving


# --- The backend's token-record rewrite ------------------------------------------------------------------

REVOKE_TOKEN = """
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local record = cjson.decode(raw)
record.status = ARGV[1]
record.revocations = (record.revocations or 0) + 1
local encoded = cjson.encode(record)
redis.call('SET', KEYS[1], encoded, 'KEEPTTL')
return encoded
"""


def test_backend_script_rewrites_json_and_keeps_the_ttl(sync_clients):
    a, _ = sync_clients
    a.set("token:abc", json.dumps({"user": "u1", "status": "active", "scopes": ["read", "write"]}), ex=3600)
    revoke = a.register_script(REVOKE_TOKEN)
    out = revoke(keys=["token:abc"], args=["revoked"])
    record = json.loads(out)
    assert record == {"user": "u1", "status": "revoked", "scopes": ["read", "write"], "revocations": 1}
    assert json.loads(a.get("token:abc")) == record
    assert 3590 < a.ttl("token:abc") <= 3600  # KEEPTTL kept the expiry
    assert json.loads(revoke(keys=["token:abc"], args=["revoked"]))["revocations"] == 2
    assert revoke(keys=["token:missing"], args=["revoked"]) is None


def test_script_errors_reach_the_client(sync_clients):
    a, _ = sync_clients
    a.set("str", "x")
    with pytest.raises(ResponseError, match=r"WRONGTYPE .* script: [0-9a-f]{40}, on @user_script:1\."):
        a.eval("return redis.call('HGET', KEYS[1], 'f')", 1, "str")
    with pytest.raises(ResponseError, match="Write commands are not allowed from read-only scripts"):
        a.eval_ro("return redis.call('SET', KEYS[1], 'y')", 1, "str")
    assert a.eval_ro("return redis.call('GET', KEYS[1])", 1, "str") == b"x"
    with pytest.raises(ResponseError, match="Script attempted to access nonexistent global variable 'x'"):
        a.eval("return x", 0)


# --- Functions ---------------------------------------------------------------------------------------------

LIBRARY = """#!lua name=counters
local function bump(keys, args)
  return redis.call('INCRBY', keys[1], args[1] or 1)
end
local function peek(keys, args)
  return redis.call('GET', keys[1])
end
redis.register_function('bump', bump)
redis.register_function{function_name='peek', callback=peek, flags={'no-writes'}, description='read a counter'}
"""


def test_function_load_and_fcall(sync_clients):
    a, b = sync_clients
    assert a.function_load(LIBRARY) == b"counters"
    assert a.fcall("bump", 1, "hits", 5) == 5
    assert b.fcall("bump", 1, "hits") == 6
    assert b.fcall_ro("peek", 1, "hits") == b"6"
    with pytest.raises(ResponseError, match=r"Can not execute a script with write flag using \*_ro command"):
        b.fcall_ro("bump", 1, "hits")
    listing = a.function_list(library="count*")
    assert len(listing) == 1
    entry = dict(zip(listing[0][::2], listing[0][1::2]))
    assert entry[b"library_name"] == b"counters"
    names = sorted(dict(zip(f[::2], f[1::2]))[b"name"] for f in entry[b"functions"])
    assert names == [b"bump", b"peek"]
    with pytest.raises(ResponseError, match="Library 'counters' already exists"):
        a.function_load(LIBRARY)
    assert a.function_load(LIBRARY, replace=True) == b"counters"
    a.function_delete("counters")
    with pytest.raises(ResponseError, match="Function not found"):
        a.fcall("bump", 1, "hits")


def test_function_dump_and_restore(sync_clients):
    a, _ = sync_clients
    a.function_load(LIBRARY)
    payload = a.function_dump()
    a.function_flush()
    assert a.function_list() == []
    assert a.function_restore(payload)
    assert a.fcall("bump", 1, "n") == 1


def test_functions_survive_a_restart(server_factory):
    srv = server_factory(persistent=True)
    host, port = srv.address
    c = redis.Redis(host=host, port=port, socket_timeout=5)
    assert c.function_load(LIBRARY) == b"counters"
    assert c.fcall("bump", 1, "hits", 2) == 2
    c.close()
    srv.restart()
    c = redis.Redis(host=host, port=port, socket_timeout=5)
    try:
        assert c.fcall("bump", 1, "hits", 3) == 5
        assert c.fcall_ro("peek", 1, "hits") == b"5"
        c.function_delete("counters")
    finally:
        c.close()
    srv.restart()
    c = redis.Redis(host=host, port=port, socket_timeout=5)
    try:
        assert c.function_list() == []
    finally:
        c.close()
