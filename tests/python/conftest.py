"""Fixtures that start the server under test for the redis-py client tests.

Servers are started by the redrock_pytest plugin (<repo>/python/redrock_pytest), which finds the binary:
--redrock-server=PATH, else $REDROCK_SERVER (CMake sets it to the built redrock-server), else the
redrock_server ini value, else redrock-server on PATH. Any binary that takes redis-server's command line
works, so the suite can be validated against real Redis with REDROCK_SERVER=/usr/bin/redis-server. Every
server a test starts is stopped by pid (SIGTERM, then SIGKILL after a timeout) and its temporary directory
removed when the test ends, pass or fail. The test then fails if a server exited other than as asked
(non-zero after SIGTERM, or on its own) or wrote a sanitizer report (sanitizer.py: the `make test
SANITIZE=1` build). The plugin's own fixtures (redrock, redrock_async, redrock_factory) start the same
ServerProcess, with those checks.
"""

import asyncio
import os
import sys
import time

import pytest
import redis
import redis.asyncio as aioredis

# The server launcher is the redrock_pytest plugin in <repo>/python, found from this file's place.
_PLUGIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "python")
_PLUGIN_DIR = os.path.normpath(_PLUGIN_DIR)
if _PLUGIN_DIR not in sys.path:
    sys.path.insert(0, _PLUGIN_DIR)

import redrock_pytest  # noqa: E402
from redrock_pytest import HOST, free_port, raw_ping  # noqa: E402,F401  (tests import these from here)

import sanitizer  # noqa: E402

pytest_plugins = ["redrock_pytest"]

READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0  # real Redis stops in milliseconds; a server that takes longer is killed
POLL_S = 0.05  # how often wait_until asks again


def server_binary():
    """The binary under test as the plugin finds it (--redrock-server, $REDROCK_SERVER, ...), or None."""
    try:
        return redrock_pytest.server_binary()[0]
    except redrock_pytest.ServerBinaryNotFound:
        return None


def is_real_redis(binary=None):
    binary = binary or server_binary()
    return binary is not None and os.path.basename(binary).startswith("redis-server")


class ServerProcess(redrock_pytest.RedrockServer):
    """The plugin's server with this suite's additions: sanitizer reports fail the test, and real Redis
    gets the persistence flags a test asks for.

    persistent: None leaves the server's defaults. For real Redis, False turns persistence off and True
    turns on an AOF synced at every write; redrock always writes through its WAL, so it gets no such flags
    and is tested in its default durability mode.
    """

    ready_timeout = READY_TIMEOUT_S
    stop_timeout = STOP_TIMEOUT_S

    def __init__(self, binary=None, args=(), *, persistent=None, **kwargs):
        self.persistent = persistent
        super().__init__(binary or server_binary(), args, **kwargs)

    def server_args(self):
        args = super().server_args()
        if is_real_redis(self.binary) and self.persistent is not None:
            if self.persistent:
                args += ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
            else:
                args += ["--save", "", "--appendonly", "no"]
        return args

    def environment(self):
        return sanitizer.server_env(self.root, base=super().environment())

    def problems(self):
        found = super().problems()
        reports = sanitizer.reports(self.root, self.output_paths())
        if reports:
            found.append("sanitizer reports:\n" + reports)
        return found


@pytest.fixture
def redrock_server_class():
    """The plugin's fixtures (redrock, redrock_async, redrock_factory) start this suite's ServerProcess."""
    return ServerProcess


@pytest.fixture
def server_factory(redrock_factory):
    """Starts servers on demand (ServerProcess keywords; persistence off for real Redis unless asked); the
    plugin's factory stops them all, removes their directories, and fails the test on their problems."""

    def make(persistent=False, **kwargs):
        return redrock_factory(persistent=persistent, **kwargs)

    return make


@pytest.fixture
def server_process(server_factory):
    return server_factory()


@pytest.fixture
def server(server_process):
    """(host, port) of a fresh server without a password."""
    return server_process.address


AUTH_PASSWORD = "s3cret-pw"


@pytest.fixture
def auth_server_process(server_factory):
    return server_factory(password=AUTH_PASSWORD)


@pytest.fixture
def auth_server(auth_server_process):
    """(host, port, password) of a fresh server started with --requirepass."""
    host, port = auth_server_process.address
    return host, port, AUTH_PASSWORD


@pytest.fixture
def sync_clients(server):
    """Two blocking redis-py clients of the `server` fixture's server (a, b), closed afterwards."""
    host, port = server
    a = redis.Redis(host=host, port=port, socket_timeout=5)
    b = redis.Redis(host=host, port=port, socket_timeout=5)
    yield a, b
    a.close()
    b.close()


async def _async_client(server):
    host, port = server
    client = aioredis.Redis(host=host, port=port, socket_timeout=5)
    yield client
    await client.close()
    await client.connection_pool.disconnect()


@pytest.fixture
async def r(server):
    """A redis.asyncio client of the `server` fixture's server."""
    async for client in _async_client(server):
        yield client


@pytest.fixture
async def r2(server):
    """A second client of the same server (blocking commands tie up their connection)."""
    async for client in _async_client(server):
        yield client


async def wait_until(predicate, timeout=5.0):
    """Polls an async predicate until it is true; returns False when the bound runs out.

    For what real time decides (a key's expiry as the server sees it): bounded, never a fixed sleep.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(POLL_S)
    return False
