"""Keyspace notifications sent by the command families, as a redis-py subscriber sees them.

One flow per family with a `__key*__:*` pattern subscription (notify-keyspace-events KEA): every command
sends exactly Redis 7.0's events, keyspace channel then keyevent channel, in order, and nothing when it
changes nothing. A PUBLISH to a sentinel channel the pattern also matches marks the end of each step, so
no test waits on a timeout. Every expectation is what real Redis 7.0 sends
(REDROCK_SERVER=/usr/bin/redis-server runs the same tests against it).
"""

import time

import pytest

SENTINEL = "__key-sentinel__:end"
TIMEOUT_S = 5.0


async def collect(pubsub, publisher):
    """Every event message up to the sentinel, as (event, key, db) triples from the keyevent channel,
    checked against the keyspace message that precedes each one."""
    await publisher.publish(SENTINEL, "x")
    messages = []
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if msg is None:
            continue
        if msg["channel"] == SENTINEL.encode():
            break
        messages.append(msg)
    else:
        pytest.fail("the sentinel never arrived")
    events = []
    assert len(messages) % 2 == 0, messages
    for space, event in zip(messages[::2], messages[1::2]):
        # __keyspace@<db>__:<key> -> event, then __keyevent@<db>__:<event> -> key
        space_channel = space["channel"].decode()
        event_channel = event["channel"].decode()
        assert space_channel.startswith("__keyspace@"), messages
        assert event_channel.startswith("__keyevent@"), messages
        db = space_channel[len("__keyspace@"):space_channel.index("__:")]
        key = space_channel[space_channel.index("__:") + 3:]
        assert event_channel == f"__keyevent@{db}__:{space['data'].decode()}"
        assert event["data"].decode() == key
        events.append((space["data"].decode(), key) if db == "0" else (space["data"].decode(), key, int(db)))
    return events


@pytest.fixture
async def events(r, r2):
    """A function that runs commands on r2 and returns the events they caused."""
    assert await r2.config_set("notify-keyspace-events", "KEA")
    pubsub = r.pubsub()
    await pubsub.psubscribe("__key*__:*")
    msg = await pubsub.get_message(timeout=TIMEOUT_S)
    assert msg["type"] == "psubscribe"

    async def run(*commands):
        for command in commands:
            await r2.execute_command(*command)
        return await collect(pubsub, r2)

    yield run
    await pubsub.punsubscribe()
    await pubsub.close()


async def test_string_events(events):
    assert await events(("SET", "k", "v")) == [("set", "k")]
    assert await events(("SET", "k", "v", "EX", 100)) == [("set", "k"), ("expire", "k")]
    assert await events(("SET", "k", "v", "NX")) == []
    assert await events(("SETNX", "n", 1), ("INCR", "n"), ("DECRBY", "n", 2), ("INCRBYFLOAT", "n", 1.5)) == [
        ("set", "n"), ("incrby", "n"), ("incrby", "n"), ("incrbyfloat", "n")]
    assert await events(("APPEND", "k", "x"), ("SETRANGE", "k", 0, "y"), ("SETRANGE", "k", 0, "")) == [
        ("append", "k"), ("setrange", "k")]
    assert await events(("MSET", "a", 1, "b", 2, "a", 3), ("MSETNX", "a", 1, "c", 2)) == [
        ("set", "a"), ("set", "b"), ("set", "a")]
    assert await events(("GETEX", "a", "EX", 50), ("GETEX", "a", "PERSIST"), ("GETEX", "a", "PERSIST")) == [
        ("expire", "a"), ("persist", "a")]
    assert await events(("GETSET", "a", 9), ("GETDEL", "a"), ("GETDEL", "a")) == [("set", "a"), ("del", "a")]


async def test_generic_key_events(events):
    await events(("SET", "a", 1), ("SET", "b", 2))
    assert await events(("DEL", "a", "missing", "a")) == [("del", "a")]
    assert await events(("RENAME", "b", "c"), ("RENAME", "c", "c")) == [("rename_from", "b"), ("rename_to", "c")]
    assert await events(("COPY", "c", "d", "DB", 2), ("MOVE", "c", 3)) == [
        ("copy_to", "d", 2), ("move_from", "c"), ("move_to", "c", 3)]
    await events(("SET", "e", 1))
    assert await events(("EXPIRE", "e", 100), ("PEXPIRE", "e", 100, "NX"), ("PERSIST", "e"), ("PERSIST", "e")) == [
        ("expire", "e"), ("persist", "e")]
    assert await events(("EXPIRE", "e", -1), ("EXPIRE", "e", 10)) == [("del", "e")]


async def test_hash_events(events):
    assert await events(("HSET", "h", "a", 1, "b", 2), ("HSET", "h", "a", 1), ("HSETNX", "h", "a", 5)) == [
        ("hset", "h"), ("hset", "h")]
    assert await events(("HINCRBY", "h", "n", 1), ("HINCRBYFLOAT", "h", "n", 0.5)) == [
        ("hincrby", "h"), ("hincrbyfloat", "h")]
    assert await events(("HDEL", "h", "zz"), ("HDEL", "h", "a"), ("HDEL", "h", "b", "n")) == [
        ("hdel", "h"), ("hdel", "h"), ("del", "h")]


async def test_set_events(events):
    assert await events(("SADD", "s", "a", "b"), ("SADD", "s", "a"), ("SREM", "s", "zz"), ("SREM", "s", "a")) == [
        ("sadd", "s"), ("srem", "s")]
    assert await events(("SMOVE", "s", "t", "b")) == [("srem", "s"), ("del", "s"), ("sadd", "t")]
    # An empty intersection into a missing destination changes nothing.
    assert await events(("SADD", "u", "x", "y"), ("SINTERSTORE", "dst", "t", "u"), ("SUNIONSTORE", "dst", "t", "u")) == [
        ("sadd", "u"), ("sunionstore", "dst")]
    assert await events(("SINTERSTORE", "dst", "t", "u")) == [("del", "dst")]
    assert await events(("SPOP", "t"), ("SPOP", "u", 0)) == [("spop", "t"), ("del", "t")]


async def test_list_events(events):
    assert await events(("RPUSH", "l", "a", "b", "c"), ("LPUSHX", "nol", "x"), ("LPUSH", "l", "z")) == [
        ("rpush", "l"), ("lpush", "l")]
    assert await events(("LSET", "l", 0, "y"), ("LINSERT", "l", "BEFORE", "a", "w"), ("LREM", "l", 0, "nope")) == [
        ("lset", "l"), ("linsert", "l")]
    assert await events(("LMOVE", "l", "m", "LEFT", "RIGHT"), ("RPOPLPUSH", "m", "m")) == [
        ("rpush", "m"), ("lpop", "l"), ("lpush", "m"), ("rpop", "m")]
    assert await events(("LTRIM", "l", 0, -1), ("LPOP", "l", 10), ("LPOP", "l")) == [
        ("ltrim", "l"), ("lpop", "l"), ("del", "l")]
    assert await events(("LMPOP", 2, "nol", "m", "LEFT"), ("RPUSH", "m", "q"), ("BLPOP", "m", 0)) == [
        ("lpop", "m"), ("del", "m"), ("rpush", "m"), ("lpop", "m"), ("del", "m")]


async def test_sorted_set_events(events):
    assert await events(("ZADD", "z", 1, "a", 2, "b"), ("ZADD", "z", 1, "a"), ("ZADD", "z", 5, "a")) == [
        ("zadd", "z"), ("zadd", "z")]
    assert await events(("ZINCRBY", "z", 1, "b"), ("ZINCRBY", "z", 0, "b"), ("ZADD", "z", "INCR", 1, "b")) == [
        ("zincr", "z"), ("zincr", "z")]
    assert await events(("ZUNIONSTORE", "dst", 1, "z"), ("ZRANGESTORE", "dst2", "z", 0, 0)) == [
        ("zunionstore", "dst"), ("zrangestore", "dst2")]
    assert await events(("ZREM", "z", "nope"), ("ZREMRANGEBYSCORE", "z", 100, 200), ("ZPOPMIN", "z")) == [
        ("zpopmin", "z")]
    assert await events(("ZREMRANGEBYRANK", "z", 0, -1)) == [("zremrangebyrank", "z"), ("del", "z")]
    assert await events(("ZINTERSTORE", "dst", 2, "z", "nope")) == [("del", "dst")]


async def test_expired_before_the_command_event(events, r2):
    await events(("SET", "k", "v", "PX", 1))
    time.sleep(0.01)
    # Whoever reclaims it (active expiry, or this write finding it expired), "expired" comes once and
    # before the write's own event.
    assert await events(("INCR", "k")) == [("expired", "k"), ("incrby", "k")]


async def test_blocked_pop_served_later_notifies(server, events, r2):
    import asyncio

    import redis.asyncio as aioredis

    host, port = server
    blocked = aioredis.Redis(host=host, port=port, socket_timeout=5)
    try:
        waiter = asyncio.ensure_future(blocked.blpop("jobs", timeout=5))
        # The pusher's event first; the blocked client's pop (and the list's removal) when it is served.
        deadline = time.monotonic() + TIMEOUT_S
        while (await r2.info("clients"))["blocked_clients"] == 0:
            assert time.monotonic() < deadline, "BLPOP never blocked"
            await asyncio.sleep(0.01)
        await r2.rpush("jobs", "j1")
        assert await waiter == (b"jobs", b"j1")
        assert await events() == [("rpush", "jobs"), ("lpop", "jobs"), ("del", "jobs")]
    finally:
        await blocked.close()
        await blocked.connection_pool.disconnect()
