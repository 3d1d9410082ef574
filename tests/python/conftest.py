"""Fixtures that start the server under test for the redis-py client tests.

The binary comes from $REDROCK_SERVER (CMake sets it to the built redrock-server). Any binary that takes
redis-server's command line works, so the suite can be validated against real Redis with
REDROCK_SERVER=/usr/bin/redis-server. Every server a test starts is stopped (SIGTERM, then SIGKILL after a
timeout) and its temporary directory removed when the test ends, pass or fail. The test then fails if a
server exited other than as asked (non-zero after SIGTERM, or on its own) or wrote a sanitizer report
(sanitizer.py: the `make test SANITIZE=1` build).
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis
import redis.asyncio as aioredis

import sanitizer

SERVER_BINARY = os.environ.get("REDROCK_SERVER", "/usr/bin/redis-server")
HOST = "127.0.0.1"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0  # real Redis stops in milliseconds; a server that takes longer is killed
POLL_S = 0.05  # how often wait_until asks again


def is_real_redis(binary=SERVER_BINARY):
    return os.path.basename(binary).startswith("redis-server")


def free_port():
    """A loopback port that was free a moment ago (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def raw_ping(port, password=None, timeout=0.5):
    """Sends PING (after AUTH when a password is given) and returns the raw reply bytes, or None."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            payload = b""
            if password is not None:
                pw = password.encode()
                payload += b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (len(pw), pw)
            payload += b"*1\r\n$4\r\nPING\r\n"
            s.sendall(payload)
            want = 2 if password is not None else 1
            data = b""
            while data.count(b"\r\n") < want:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data
    except OSError:
        return None


class ServerProcess:
    """One server process on a loopback port with its own data directory.

    The directory survives stop() so that a test can restart the server on the same data (persistence).
    """

    def __init__(self, password=None, persistent=False, extra_args=()):
        self.password = password
        self.persistent = persistent
        self.extra_args = list(extra_args)
        self.root = tempfile.mkdtemp(prefix="redrock-pytest-")
        self.dir = os.path.join(self.root, "data")
        os.mkdir(self.dir)
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.root, "server.log")
        self._log = None
        self.starts = 0
        self.bad_exits = []  # how each stop that did not end as asked ended (health_problems())

    @property
    def address(self):
        return (HOST, self.port)

    def args(self):
        args = [SERVER_BINARY, "--port", str(self.port), "--bind", HOST, "--dir", self.dir]
        if is_real_redis():
            # Real Redis only persists when told to; redrock always writes through its WAL, so it gets no
            # such flags and is tested in its default durability mode.
            if self.persistent:
                args += ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
            else:
                args += ["--save", "", "--appendonly", "no"]
        if self.password is not None:
            args += ["--requirepass", self.password]
        return args + self.extra_args

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def start(self):
        assert self.proc is None, "server already running"
        self.starts += 1
        self._log = open(self.log_path, "ab")
        self._log.write(b"\n=== start %d: %r\n" % (self.starts, self.args()))
        self._log.flush()
        self.proc = subprocess.Popen(self.args(), stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=sanitizer.server_env(self.root))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self._reap()
                raise RuntimeError(f"server exited with {code} during startup:\n{self.log_tail()}")
            reply = raw_ping(self.port, self.password)
            if reply and reply.endswith(b"+PONG\r\n"):
                return self
            time.sleep(0.02)
        self.stop(kill=True)
        raise RuntimeError(f"server did not answer PING within {READY_TIMEOUT_S}s:\n{self.log_tail()}")

    def _reap(self):
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self, kill=False, timeout=STOP_TIMEOUT_S):
        """SIGTERM (or SIGKILL when kill=True), wait, and SIGKILL if it outlives the timeout.

        Returns the exit code, or None if the server had to be killed after ignoring SIGTERM. An exit that
        was not the one asked for (0 after SIGTERM, death by SIGKILL) is remembered for health_problems().
        """
        if self.proc is None:
            return None
        proc = self.proc
        code = proc.poll()
        if code is not None:
            if code != 0:
                self.bad_exits.append(f"start {self.starts}: exited on its own with code {code}")
        else:
            proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                code = None
                self.bad_exits.append(f"start {self.starts}: ignored SIGTERM for {timeout}s and was killed")
            else:
                if code != (-signal.SIGKILL if kill else 0):
                    self.bad_exits.append(f"start {self.starts}: exit code {code} after "
                                          f"{'SIGKILL' if kill else 'SIGTERM'}")
        self._reap()
        return code

    def restart(self, kill=False):
        self.stop(kill=kill)
        return self.start()

    def health_problems(self):
        """What went wrong with the process itself: bad exits and sanitizer reports ('' when nothing)."""
        problems = list(self.bad_exits)
        reports = sanitizer.reports(self.root, [self.log_path])
        if reports:
            problems.append("sanitizer reports:\n" + reports)
        if not problems:
            return ""
        return "\n".join([f"server on port {self.port}:"] + problems + ["log tail:", self.log_tail()])

    def cleanup(self):
        """Stops the server and removes its directory; AssertionError if health_problems() found any."""
        self.stop(kill=False, timeout=STOP_TIMEOUT_S)
        problems = self.health_problems()
        shutil.rmtree(self.root, ignore_errors=True)
        if problems:
            raise AssertionError(problems)


@pytest.fixture
def server_factory():
    """Starts servers on demand; all of them are stopped and their directories removed afterwards."""
    started = []

    def make(**kwargs):
        srv = ServerProcess(**kwargs)
        started.append(srv)
        return srv.start()

    yield make
    problems = []
    for srv in started:
        try:
            srv.cleanup()
        except AssertionError as e:
            problems.append(str(e))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


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


def pytest_report_header(config):
    return f"server under test: {SERVER_BINARY}" + (" (real Redis)" if is_real_redis() else "")
