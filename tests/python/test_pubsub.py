"""Pub/sub and keyspace notifications as redis-py applications use them, against the server under test.

Cache busting across processes (PUBLISH / SUBSCRIBE / PSUBSCRIBE), and a service that reacts when a
session expires (`__keyevent@0__:expired`, sent by active expiry with nobody touching the key), with
notify-keyspace-events set by CONFIG SET or in the config file. Every expectation is what real Redis 7.0
answers (REDROCK_SERVER=/usr/bin/redis-server runs the same tests against it).

redis-py 4.3 speaks RESP2 only; RESP3 pushes are tested in Catch2 (tests/server/pubsub_network_test.cc).
"""

import asyncio
import time

import pytest
import redis
import redis.asyncio as aioredis

from conftest import HOST

MESSAGE_TIMEOUT_S = 5.0


async def next_message(pubsub, timeout=MESSAGE_TIMEOUT_S):
    """The next message (not a subscribe confirmation), or None when none arrives in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if msg is not None:
            return msg
    return None


async def subscribed_count(client, channel):
    result = await client.pubsub_numsub(channel)
    return result[0][1]


# ---------------------------------------------------------------------------------------------------------
# Round trips


async def test_publish_subscribe_round_trip_with_pattern(r, r2):
    pubsub = r.pubsub()
    await pubsub.subscribe("cache:invalidate")
    await pubsub.psubscribe("cache:*")
    # Confirmations, in order, with the running count.
    first = await pubsub.get_message(timeout=MESSAGE_TIMEOUT_S)
    second = await pubsub.get_message(timeout=MESSAGE_TIMEOUT_S)
    assert first == {"type": "subscribe", "pattern": None, "channel": b"cache:invalidate", "data": 1}
    assert second == {"type": "psubscribe", "pattern": None, "channel": b"cache:*", "data": 2}

    assert await subscribed_count(r2, "cache:invalidate") == 1
    assert await r2.pubsub_numpat() == 1

    # The channel subscription and the matching pattern both receive it: two receivers.
    assert await r2.publish("cache:invalidate", "user:42") == 2
    got = [await next_message(pubsub), await next_message(pubsub)]
    assert {"type": "message", "pattern": None, "channel": b"cache:invalidate", "data": b"user:42"} in got
    assert {"type": "pmessage", "pattern": b"cache:*", "channel": b"cache:invalidate", "data": b"user:42"} in got

    # Only the pattern matches this one.
    assert await r2.publish("cache:flush", b"\x00binary\r\n") == 1
    assert await next_message(pubsub) == {
        "type": "pmessage", "pattern": b"cache:*", "channel": b"cache:flush", "data": b"\x00binary\r\n"}
    assert await r2.publish("other", "x") == 0

    # Several messages keep their order.
    for i in range(50):
        await r2.publish("cache:invalidate", f"m{i}")
    received = []
    while len(received) < 100:
        msg = await next_message(pubsub)
        assert msg is not None
        received.append(msg)
    plain = [m["data"] for m in received if m["type"] == "message"]
    assert plain == [f"m{i}".encode() for i in range(50)]

    await pubsub.unsubscribe("cache:invalidate")
    await pubsub.punsubscribe("cache:*")
    # redis-py only sends them: wait for the server's confirmations, since a PUBLISH on another connection
    # counts the subscriptions it finds when it runs (it could otherwise run first, in Redis too).
    confirmations = [await pubsub.get_message(timeout=MESSAGE_TIMEOUT_S) for _ in range(2)]
    assert [(c["type"], c["data"]) for c in confirmations] == [("unsubscribe", 1), ("punsubscribe", 0)]
    assert await r2.publish("cache:invalidate", "late") == 0
    assert await subscribed_count(r2, "cache:invalidate") == 0
    await pubsub.close()


async def test_pubsub_introspection(r, r2):
    pubsub = r.pubsub()
    await pubsub.subscribe("news.tech", "news.sport")
    await pubsub.psubscribe("news.*")
    for _ in range(3):
        assert await pubsub.get_message(timeout=MESSAGE_TIMEOUT_S) is not None
    assert sorted(await r2.pubsub_channels("news.*")) == [b"news.sport", b"news.tech"]
    assert await r2.pubsub_channels("zzz*") == []
    assert await r2.pubsub_numsub("news.tech", "none") == [(b"news.tech", 1), (b"none", 0)]
    assert await r2.pubsub_numpat() == 1
    clients = await r2.client_list(_type="pubsub")
    assert len(clients) == 1
    assert clients[0]["sub"] == "2" and clients[0]["psub"] == "1" and "P" in clients[0]["flags"]
    info = await r2.info("stats")
    assert info["pubsub_channels"] == 2 and info["pubsub_patterns"] == 1
    await pubsub.close()
    # The connection is gone: so are its subscriptions.
    deadline = time.monotonic() + MESSAGE_TIMEOUT_S
    while await r2.pubsub_numpat() != 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert await r2.pubsub_numpat() == 0
    assert await r2.pubsub_channels() == []


def test_sync_client_pubsub_and_subscribed_mode(server):
    host, port = server
    sub = redis.Redis(host=host, port=port, socket_timeout=5)
    pub = redis.Redis(host=host, port=port, socket_timeout=5)
    try:
        p = sub.pubsub()
        p.subscribe("jobs")
        assert p.get_message(timeout=MESSAGE_TIMEOUT_S)["type"] == "subscribe"
        # Commands other than (P|S)(UN)SUBSCRIBE / PING / QUIT / RESET are refused in subscribed mode.
        p.connection.send_command("GET", "k")
        with pytest.raises(redis.ResponseError, match=r"^Can't execute 'get': only \(P\|S\)SUBSCRIBE"):
            p.connection.read_response()
        p.ping()
        assert p.get_message(timeout=MESSAGE_TIMEOUT_S) == {
            "type": "pong", "pattern": None, "channel": None, "data": b""}
        assert pub.publish("jobs", "run") == 1
        deadline = time.monotonic() + MESSAGE_TIMEOUT_S
        msg = None
        while msg is None and time.monotonic() < deadline:
            msg = p.get_message(ignore_subscribe_messages=True, timeout=0.1)
        assert msg == {"type": "message", "pattern": None, "channel": b"jobs", "data": b"run"}
        p.close()
    finally:
        sub.close()
        pub.close()


# ---------------------------------------------------------------------------------------------------------
# Keyspace notifications


async def expect_expired(pubsub, key, timeout=MESSAGE_TIMEOUT_S):
    msg = await next_message(pubsub, timeout)
    assert msg == {"type": "message", "pattern": None, "channel": b"__keyevent@0__:expired", "data": key}


async def test_expired_event_for_untouched_session_key(r, r2):
    """A session whose TTL runs out with nobody reading it is still announced: active expiry."""
    assert await r2.config_set("notify-keyspace-events", "Ex") is True
    assert (await r2.config_get("notify-keyspace-events")) == {"notify-keyspace-events": "xE"}
    pubsub = r.pubsub()
    await pubsub.subscribe("__keyevent@0__:expired")
    assert (await pubsub.get_message(timeout=MESSAGE_TIMEOUT_S))["type"] == "subscribe"

    assert await r2.set("session:abc", "user-7", px=150) is True
    assert await r2.set("session:keep", "user-8") is True
    # Nobody touches session:abc again; the event must arrive by itself, once.
    await expect_expired(pubsub, b"session:abc")
    assert await next_message(pubsub, timeout=0.5) is None
    assert await r2.exists("session:abc") == 0
    assert await r2.get("session:keep") == b"user-8"
    await pubsub.close()
    assert await r2.config_set("notify-keyspace-events", "") is True


async def test_keyspace_channel_pattern_for_expired(r, r2):
    assert await r2.config_set("notify-keyspace-events", "Kx") is True
    pubsub = r.pubsub()
    await pubsub.psubscribe("__keyspace@0__:token:*")
    assert (await pubsub.get_message(timeout=MESSAGE_TIMEOUT_S))["type"] == "psubscribe"
    await r2.set("token:1", "t", px=100)
    msg = await next_message(pubsub)
    assert msg == {"type": "pmessage", "pattern": b"__keyspace@0__:token:*",
                   "channel": b"__keyspace@0__:token:1", "data": b"expired"}
    await pubsub.close()


@pytest.fixture
def config_file_server(server_factory):
    """A server started as `server-binary <config file> --port ...`, as redis-server is with a redis.conf."""
    return server_factory(config="# keyspace events for the session service\nnotify-keyspace-events \"Ex\"\n")


async def test_notify_keyspace_events_from_config_file(config_file_server):
    client = aioredis.Redis(host=HOST, port=config_file_server.port, socket_timeout=5)
    other = aioredis.Redis(host=HOST, port=config_file_server.port, socket_timeout=5)
    try:
        assert await client.config_get("notify-keyspace-events") == {"notify-keyspace-events": "xE"}
        pubsub = client.pubsub()
        await pubsub.subscribe("__keyevent@0__:expired")
        assert (await pubsub.get_message(timeout=MESSAGE_TIMEOUT_S))["type"] == "subscribe"
        await other.set("session:cfg", "v", px=100)
        await expect_expired(pubsub, b"session:cfg")
        await pubsub.close()
    finally:
        await client.close()
        await other.close()
