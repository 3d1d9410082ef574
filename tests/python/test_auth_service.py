"""What a redis.asyncio auth service sends, checked against the server under test.

The service keeps refresh tokens, sessions and rate counters in Redis through a thin wrapper
(RedisService below, copied in shape from the service) and must work against redrock unchanged. Every
expected value here is what real Redis 7.0 answers.
"""

import asyncio
import socket
import subprocess
import time

import pytest
import redis
import redis.asyncio as aioredis
from redis.exceptions import AuthenticationError, ResponseError

from conftest import wait_until


class RedisService:
    """The service's wrapper: SETEX when a lifetime is given, else plain SET; variadic DEL; KEYS."""

    def __init__(self, client):
        self.redis = client

    async def set(self, key, value, ex=None):
        if ex is not None:
            return await self.redis.setex(key, ex, value)
        return await self.redis.set(key, value)

    async def get(self, key):
        return await self.redis.get(key)

    async def delete(self, *keys):
        return await self.redis.delete(*keys)

    async def keys(self, pattern):
        return await self.redis.keys(pattern)


@pytest.fixture
async def service(r):
    return RedisService(r)


def jwt_like(n, tag):
    """A JWT-shaped token of about n bytes (header.payload.signature of base64url characters)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    body = "".join(alphabet[(i * 7 + len(tag)) % len(alphabet)] for i in range(n))
    return f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{tag}.{body}"


# ---------------------------------------------------------------------------------------------------------
# The wrapper


async def test_service_set_get_delete(service):
    assert await service.set("user:1", "alice") is True
    assert await service.get("user:1") == b"alice"
    assert await service.get("user:missing") is None
    assert await service.set("user:2", b"\x00binary\xffvalue") is True
    assert await service.get("user:2") == b"\x00binary\xffvalue"
    assert await service.delete("user:1", "user:2", "user:missing") == 2
    assert await service.get("user:1") is None
    assert await service.delete("user:1") == 0


async def test_service_set_with_ex_uses_setex(service, r):
    assert await service.set("refresh_token:abc", "uid-1", ex=3600) is True
    assert await service.get("refresh_token:abc") == b"uid-1"
    assert await r.ttl("refresh_token:abc") == 3600
    # A later plain SET drops the TTL, as in Redis.
    assert await service.set("refresh_token:abc", "uid-2") is True
    assert await r.ttl("refresh_token:abc") == -1


@pytest.mark.parametrize("ex", [0, -1, -100])
async def test_service_setex_invalid_expire(service, r, ex):
    with pytest.raises(ResponseError) as info:
        await service.set("bad_ttl", "v", ex=ex)
    assert str(info.value) == "invalid expire time in 'setex' command"
    assert await r.exists("bad_ttl") == 0


async def test_service_keys_patterns(service):
    for i in range(5):
        await service.set(f"refresh_token:{i}", f"u{i}", ex=600)
    await service.set("session:1", "s")
    await service.set("my-error-test-key", "e")
    await service.set("error-test", "e2")
    await service.set("errortest", "no")
    assert sorted(await service.keys("refresh_token:*")) == [f"refresh_token:{i}".encode() for i in range(5)]
    assert sorted(await service.keys("*error-test*")) == [b"error-test", b"my-error-test-key"]
    assert sorted(await service.keys("session:?")) == [b"session:1"]
    assert await service.keys("nothing:*") == []
    assert len(await service.keys("*")) == 9


async def test_service_long_jwt_keys(service, r):
    tokens = [jwt_like(n, f"t{n}") for n in (900, 1500, 2048)]
    for i, tok in enumerate(tokens):
        assert 900 < len(tok) < 2200
        assert await service.set(f"refresh_token:{tok}", f"user-{i}", ex=1800) is True
    for i, tok in enumerate(tokens):
        assert await service.get(f"refresh_token:{tok}") == f"user-{i}".encode()
        assert await r.ttl(f"refresh_token:{tok}") == 1800
    found = sorted(await service.keys("refresh_token:*"))
    assert found == sorted(f"refresh_token:{tok}".encode() for tok in tokens)
    # A long token as the value too (blacklists store whole access tokens).
    await service.set("blacklist:x", tokens[2], ex=60)
    assert await service.get("blacklist:x") == tokens[2].encode()
    assert await service.delete(*[f"refresh_token:{tok}" for tok in tokens]) == 3
    assert await service.keys("refresh_token:*") == []


# ---------------------------------------------------------------------------------------------------------
# Expiry must be real


async def test_px_expiry_get(r):
    assert await r.set("short", "v", px=200) is True
    assert await r.get("short") == b"v"
    pttl = await r.pttl("short")
    assert 0 < pttl <= 200

    async def gone():
        return await r.get("short") is None

    assert await wait_until(gone, timeout=3.0), "key with PX 200 still readable after 3 s"
    assert await r.exists("short") == 0
    assert await r.ttl("short") == -2


async def test_ex_expiry(r):
    assert await r.set("sess", "v", ex=1) is True
    assert await r.ttl("sess") == 1

    async def gone():
        return await r.exists("sess") == 0

    assert await wait_until(gone, timeout=3.0), "key with EX 1 still present after 3 s"
    assert await r.get("sess") is None


async def test_expired_keys_leave_keys_listing(r):
    await r.set("persist:1", "p")
    for i in range(5):
        await r.set(f"tmp:{i}", "v", px=200)
    assert len(await r.keys("tmp:*")) == 5

    async def gone():
        return await r.keys("tmp:*") == []

    assert await wait_until(gone, timeout=3.0), "expired keys still listed by KEYS"
    assert await r.keys("*") == [b"persist:1"]


async def test_expired_keys_leave_dbsize_without_access(r):
    # Only DBSIZE is asked afterwards: nothing reads the keys, so only active expiry can remove them.
    await r.set("persist:1", "p")
    for i in range(5):
        await r.set(f"tmp:{i}", "v", px=200)
    assert await r.dbsize() == 6

    async def shrunk():
        return await r.dbsize() == 1

    assert await wait_until(shrunk, timeout=5.0), "DBSIZE still counts expired keys after 5 s"


# ---------------------------------------------------------------------------------------------------------
# Commands the service uses


async def test_pipeline_transaction(r):
    async with r.pipeline(transaction=True) as pipe:
        pipe.set("a", "1").incr("a").incrby("a", 10).get("a").expire("a", 100).ttl("a").delete("nokey")
        result = await pipe.execute()
    assert result == [True, 2, 12, b"12", True, 100, 0]
    assert await r.get("a") == b"12"


async def test_pipeline_transaction_runtime_error(r):
    await r.set("s", "not-a-number")
    async with r.pipeline(transaction=True) as pipe:
        pipe.set("x", "1").incr("s").incr("x")
        result = await pipe.execute(raise_on_error=False)
    assert result[0] is True
    assert isinstance(result[1], ResponseError)
    assert str(result[1]) == "value is not an integer or out of range"
    assert result[2] == 2


async def test_pipeline_without_transaction(r):
    async with r.pipeline(transaction=False) as pipe:
        for i in range(50):
            pipe.set(f"p:{i}", i)
        for i in range(50):
            pipe.get(f"p:{i}")
        result = await pipe.execute()
    assert result[:50] == [True] * 50
    assert result[50:] == [str(i).encode() for i in range(50)]


async def test_rate_counter(r):
    key = "rate:login:10.0.0.1"
    for expected in range(1, 6):
        async with r.pipeline(transaction=True) as pipe:
            pipe.incr(key).expire(key, 60, nx=True)
            count, _ = await pipe.execute()
        assert count == expected
    assert await r.ttl(key) == 60
    assert await r.incrby(key, 10) == 15
    assert await r.decr(key) == 14
    await asyncio.gather(*(r.incr("rate:parallel") for _ in range(100)))
    assert await r.get("rate:parallel") == b"100"


async def test_mget_mset_exists(r):
    assert await r.mset({"m1": "a", "m2": "b", "m3": "c"}) is True
    assert await r.mget("m1", "missing", "m3", "m2") == [b"a", None, b"c", b"b"]
    assert await r.exists("m1") == 1
    assert await r.exists("m1", "m2", "missing", "m1") == 3
    assert await r.exists("missing") == 0


async def test_expire_ttl_persist(r):
    await r.set("k", "v")
    assert await r.ttl("k") == -1
    assert await r.ttl("missing") == -2
    assert await r.expire("k", 500) is True
    assert await r.ttl("k") == 500
    assert await r.expire("missing", 500) is False
    assert await r.persist("k") is True
    assert await r.ttl("k") == -1
    assert await r.pexpire("k", 100000) is True
    assert 99000 <= await r.pttl("k") <= 100000


async def test_scan_iter_match(r):
    expected = set()
    for i in range(60):
        await r.set(f"refresh_token:{i}", "x")
        expected.add(f"refresh_token:{i}".encode())
    for i in range(40):
        await r.set(f"other:{i}", "y")
    seen = set()
    async for key in r.scan_iter(match="refresh_token:*", count=7):
        seen.add(key)
    assert seen == expected
    everything = [k async for k in r.scan_iter(count=1000)]
    assert len(everything) == 100


async def test_info_fields(r):
    info = await r.info()
    assert isinstance(info["redis_version"], str) and info["redis_version"].count(".") >= 1
    assert isinstance(info["uptime_in_seconds"], int) and info["uptime_in_seconds"] >= 0
    assert isinstance(info["connected_clients"], int) and info["connected_clients"] >= 1
    assert isinstance(info["used_memory_human"], str) and info["used_memory_human"]
    server_section = await r.info("server")
    assert "redis_version" in server_section


async def test_flushdb(r, server):
    host, port = server
    other = aioredis.Redis(host=host, port=port, db=3)
    try:
        await r.mset({"f1": "1", "f2": "2"})
        await other.set("kept", "yes")
        assert await r.flushdb() is True
        assert await r.dbsize() == 0
        assert await r.get("f1") is None
        assert await other.get("kept") == b"yes"
    finally:
        await other.close()
        await other.connection_pool.disconnect()


async def test_select_via_pool_db(server):
    host, port = server
    clients = []
    try:
        for db in range(0, 5):
            pool = aioredis.ConnectionPool(host=host, port=port, db=db)
            clients.append(aioredis.Redis(connection_pool=pool))
        for db, c in enumerate(clients):
            await c.set("shared-name", f"db{db}")
            if db:
                await c.set(f"only-in-{db}", "x")
        for db, c in enumerate(clients):
            assert await c.get("shared-name") == f"db{db}".encode()
            assert await c.dbsize() == (1 if db == 0 else 2)
            assert await c.keys("only-in-*") == ([] if db == 0 else [f"only-in-{db}".encode()])
    finally:
        for c in clients:
            await c.close()
            await c.connection_pool.disconnect()


async def test_from_url_decode_responses(server):
    host, port = server
    c = aioredis.from_url(f"redis://{host}:{port}/2", decode_responses=True)
    try:
        assert await c.set("greeting", "héllo") is True
        assert await c.get("greeting") == "héllo"
        assert await c.keys("*") == ["greeting"]
        assert await c.mget("greeting", "nope") == ["héllo", None]
    finally:
        await c.close()
        await c.connection_pool.disconnect()
    c0 = aioredis.from_url(f"redis://{host}:{port}", decode_responses=True)
    try:
        assert await c0.get("greeting") is None
    finally:
        await c0.close()
        await c0.connection_pool.disconnect()


async def _work(client, i):
    key = f"load:{i}"
    await client.set(key, f"value-{i}", ex=300)
    assert await client.get(key) == f"value-{i}".encode()
    await client.incr("load:counter")
    return await client.exists(key)


async def test_pool_under_concurrent_load(server):
    host, port = server
    # The service's pool: never more than 20 connections; requests beyond that wait their turn.
    pool = aioredis.ConnectionPool(host=host, port=port, max_connections=20, retry_on_timeout=True,
                                   socket_timeout=5)
    client = aioredis.Redis(connection_pool=pool)
    gate = asyncio.Semaphore(20)

    async def task(i):
        async with gate:
            return await _work(client, i)

    try:
        results = await asyncio.wait_for(asyncio.gather(*(task(i) for i in range(200))), 30)
        assert results == [1] * 200
        assert await client.get("load:counter") == b"200"
        assert len(pool._available_connections) + len(pool._in_use_connections) <= 20
    finally:
        await client.close()
        await pool.disconnect()


async def test_blocking_pool_200_tasks(server):
    host, port = server
    pool = aioredis.BlockingConnectionPool(host=host, port=port, max_connections=20, timeout=20,
                                           retry_on_timeout=True, socket_timeout=5)
    client = aioredis.Redis(connection_pool=pool)
    try:
        results = await asyncio.wait_for(asyncio.gather(*(_work(client, i) for i in range(200))), 30)
        assert results == [1] * 200
        assert await client.get("load:counter") == b"200"
        assert len(await client.keys("load:*")) == 201
        assert len(pool._connections) <= 20
        # The server saw at most the pool's 20 connections (plus none left over from other tests).
        assert 1 <= (await client.info())["connected_clients"] <= 20
    finally:
        await client.close()
        await pool.disconnect()


async def test_ping_with_timeout(server):
    host, port = server
    c = aioredis.Redis(host=host, port=port, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        assert await asyncio.wait_for(c.ping(), 0.5) is True
        assert await c.echo("health") == b"health"
    finally:
        await c.close()
        await c.connection_pool.disconnect()


# ---------------------------------------------------------------------------------------------------------
# Password


async def test_password_via_pool(auth_server):
    host, port, password = auth_server
    pool = aioredis.ConnectionPool(host=host, port=port, password=password, db=1)
    c = aioredis.Redis(connection_pool=pool)
    try:
        assert await c.ping() is True
        assert await c.set("token", "t", ex=100) is True
        assert await c.get("token") == b"t"
    finally:
        await c.close()
        await pool.disconnect()


async def test_wrong_or_missing_password(auth_server):
    host, port, _ = auth_server
    wrong = aioredis.Redis(host=host, port=port, password="not-it")
    try:
        # redis-py 4.3 maps only the pre-6.0 "invalid password" text to AuthenticationError; Redis 7's
        # WRONGPASS reaches the caller as a ResponseError carrying the server's text.
        with pytest.raises((AuthenticationError, ResponseError)) as info:
            await wrong.ping()
        assert str(info.value) == "WRONGPASS invalid username-password pair or user is disabled."
    finally:
        await wrong.close()
        await wrong.connection_pool.disconnect()
    anonymous = aioredis.Redis(host=host, port=port)
    try:
        with pytest.raises(AuthenticationError) as info:
            await anonymous.get("x")
        assert "Authentication required" in str(info.value)
    finally:
        await anonymous.close()
        await anonymous.connection_pool.disconnect()


def _read_exactly(sock, n, timeout=5.0):
    sock.settimeout(timeout)
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


SETINFO_UNKNOWN = b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"


def _read_lines(sock, n, timeout=5.0):
    """Reads n single-line replies (+simple / -error / :integer), each ending in CRLF."""
    sock.settimeout(timeout)
    data = b""
    while data.count(b"\r\n") < n:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    lines = [line + b"\r\n" for line in data.split(b"\r\n")[:-1]]
    assert len(lines) == n and data.endswith(b"\r\n"), f"expected {n} reply lines, got {data!r}"
    return lines


def _command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def _assert_no_more_bytes(sock):
    sock.settimeout(0.2)
    try:
        extra = sock.recv(4096)
    except socket.timeout:
        return
    pytest.fail(f"unexpected extra reply bytes: {extra!r}")


@pytest.mark.parametrize("with_setinfo", [True, False], ids=["redis-py-5", "redis-py-4"])
def test_raw_handshake_in_one_write(auth_server, with_setinfo):
    host, port, password = auth_server
    commands = [_command("AUTH", password)]
    if with_setinfo:
        commands += [_command("CLIENT", "SETINFO", "LIB-NAME", "redis-py"),
                     _command("CLIENT", "SETINFO", "LIB-VER", "5.0.1")]
    commands.append(_command("SELECT", "2"))
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"".join(commands))
        replies = _read_lines(s, len(commands))
        assert replies[0] == b"+OK\r\n"
        assert replies[-1] == b"+OK\r\n"
        if with_setinfo:
            # CLIENT SETINFO is new in Redis 7.2 (+OK); 7.0.15 answers with an error, which redis-py 5
            # ignores. Either is fine for the client, but both SETINFO replies must be the same kind.
            assert replies[1] in (b"+OK\r\n", SETINFO_UNKNOWN), replies
            assert replies[2] == replies[1], replies
        _assert_no_more_bytes(s)
        # The connection is authenticated and on db 2.
        s.sendall(_command("SET", "hs", "1") + _command("GET", "hs"))
        assert _read_exactly(s, len(b"+OK\r\n$1\r\n1\r\n")) == b"+OK\r\n$1\r\n1\r\n"
    c = redis.Redis(host=host, port=port, password=password, db=2)
    try:
        assert c.get("hs") == b"1"
        assert redis.Redis(host=host, port=port, password=password, db=0).get("hs") is None
    finally:
        c.close()


def test_raw_commands_before_auth_are_refused(auth_server):
    host, port, password = auth_server
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(_command("GET", "x") + _command("AUTH", "wrong") + _command("AUTH", password) +
                  _command("PING"))
        expected = (b"-NOAUTH Authentication required.\r\n"
                    b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
                    b"+OK\r\n+PONG\r\n")
        assert _read_exactly(s, len(expected)) == expected


def test_redis_cli_ping(server):
    host, port = server
    out = subprocess.run(["/usr/bin/redis-cli", "-h", host, "-p", str(port), "ping"],
                         capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
    assert out.returncode == 0
    assert out.stdout == b"PONG\n"
    out = subprocess.run(["/usr/bin/redis-cli", "-h", host, "-p", str(port), "set", "cli", "v"],
                         capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
    assert out.stdout == b"OK\n"
    out = subprocess.run(["/usr/bin/redis-cli", "-h", host, "-p", str(port), "get", "cli"],
                         capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
    assert out.stdout == b"v\n"


# ---------------------------------------------------------------------------------------------------------
# Persistence across restarts


def _write_dataset(c):
    c.set("plain", "value")
    c.set("with_ttl", "t", ex=1000)
    c.setex("refresh_token:abc", 2000, "uid")
    for i in range(100):
        c.set(f"bulk:{i}", f"v{i}")
    c.incr("counter")
    c.incr("counter")
    c.set("deleted", "x")
    c.delete("deleted")
    c.set("gone_now", "x")
    c.pexpireat("gone_now", 1)  # a time in the past deletes the key at once
    c.set("expires_while_down", "x", px=300)
    return time.monotonic()


def _check_dataset(c, written_at):
    # Past the 300 ms lifetime of "expires_while_down" (usually already true after a restart).
    time.sleep(max(0.0, written_at + 0.35 - time.monotonic()))
    assert c.get("plain") == b"value"
    assert c.get("with_ttl") == b"t"
    assert 990 <= c.ttl("with_ttl") <= 1000
    assert c.get("refresh_token:abc") == b"uid"
    assert 1990 <= c.ttl("refresh_token:abc") <= 2000
    assert c.ttl("plain") == -1
    assert c.mget([f"bulk:{i}" for i in range(100)]) == [f"v{i}".encode() for i in range(100)]
    assert c.get("counter") == b"2"
    assert c.exists("deleted") == 0
    assert c.get("gone_now") is None
    assert c.get("expires_while_down") is None
    assert c.dbsize() == 104


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_persistence_across_restart(server_factory, kill):
    srv = server_factory(persistent=True)
    host, port = srv.address
    c = redis.Redis(host=host, port=port, socket_timeout=5)
    d3 = redis.Redis(host=host, port=port, db=3, socket_timeout=5)
    try:
        written_at = _write_dataset(c)
        d3.set("in_db3", "three", ex=3000)
        assert c.dbsize() in (104, 105) and c.get("plain") == b"value"
    finally:
        c.close()
        d3.close()
    code = srv.stop(kill=kill)
    if not kill:
        assert code == 0, f"server did not exit cleanly on SIGTERM (code {code}):\n{srv.log_tail()}"
    srv.start()
    c = redis.Redis(host=host, port=port, socket_timeout=5)
    d3 = redis.Redis(host=host, port=port, db=3, socket_timeout=5)
    try:
        _check_dataset(c, written_at)
        assert d3.get("in_db3") == b"three"
        assert 2990 <= d3.ttl("in_db3") <= 3000
        assert d3.dbsize() == 1
    finally:
        c.close()
        d3.close()


def test_sigkill_right_after_acknowledged_writes(server_factory):
    srv = server_factory(persistent=True)
    host, port = srv.address
    c = redis.Redis(host=host, port=port, socket_timeout=5)
    try:
        pipe = c.pipeline(transaction=False)
        for i in range(2000):
            pipe.set(f"ack:{i}", str(i) * 10)
        assert pipe.execute() == [True] * 2000
        assert c.incrby("ack:last", 7) == 7
    finally:
        c.close()
    srv.stop(kill=True)  # no pause: every write above was acknowledged, so all must survive
    srv.start()
    c = redis.Redis(host=host, port=port, socket_timeout=5)
    try:
        values = c.mget([f"ack:{i}" for i in range(2000)])
        missing = [i for i, v in enumerate(values) if v != (str(i) * 10).encode()]
        assert missing == [], f"{len(missing)} acknowledged writes lost, first {missing[:5]}"
        assert c.get("ack:last") == b"7"
        assert c.dbsize() == 2001
    finally:
        c.close()
