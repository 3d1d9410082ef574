"""pytest plugin: fixtures backed by a real redrock-server instead of an in-process fake.

Load it with `-p redrock_pytest` or `pytest_plugins = ["redrock_pytest"]` (python/ on sys.path).

Fixtures (all function-scoped; every server is stopped by pid and its directory removed at teardown, and
a server that exited other than as asked fails the test):
  redrock          a redis.Redis of a fresh server
  redrock_async    a redis.asyncio.Redis of that same server (needs pytest-asyncio)
  redrock_server   that server (a RedrockServer: port, dir, restart(), kill(), client(), ...)
  redrock_factory  starts more servers: redrock_factory(["--appendfsync", "always"], password=...)
  redrock_server_class  the class the factory instantiates; override it to use a subclass
  redrock_binary   the server binary's path (session-scoped)

`@pytest.mark.redrock(args=[...], password=..., config=..., env=..., **client_kwargs)` sets how a test's
redrock_server is started; the other keywords (decode_responses=True, db=1, ...) go to its clients.

The binary: --redrock-server=PATH, else $REDROCK_SERVER, else the redrock_server ini value (relative to the
ini file), else redrock-server on PATH.

PYTEST_DONT_REWRITE: the plugin uses no assert statements, and a conftest that imports it before
`pytest_plugins` registers it would otherwise get PytestAssertRewriteWarning.
"""

import os

import pytest

from .server import (HOST, RedrockServer, ServerBinaryNotFound, ServerStartError, find_binary, free_port,
                     raw_ping, resolve_binary)

try:
    import pytest_asyncio
except ImportError:  # redrock_async then skips
    pytest_asyncio = None

__all__ = ["HOST", "RedrockServer", "ServerBinaryNotFound", "ServerFactory", "ServerStartError", "free_port",
           "raw_ping", "server_binary"]

SERVER_KEYS = ("args", "password", "config", "env")  # the marker's keywords for the server; others: client
_config = None  # the running session's config, so that server_binary() honours its option and ini value


def pytest_addoption(parser):
    parser.getgroup("redrock").addoption(
        "--redrock-server", metavar="PATH", default=None,
        help="redrock-server binary for the redrock fixtures (default: $REDROCK_SERVER, the redrock_server "
             "ini value, redrock-server on PATH)")
    parser.addini("redrock_server", default="",
                  help="redrock-server binary for the redrock fixtures, relative to the ini file")


def pytest_configure(config):
    global _config
    _config = config
    config.addinivalue_line(
        "markers", "redrock(args=(), password=None, config=None, env=None, **client_kwargs): how the "
                   "redrock_server fixture's server is started; other keywords go to its redis clients")


def pytest_unconfigure(config):
    global _config
    if _config is config:
        _config = None


def server_binary(config=None):
    """(path, source) of the server binary for this session; ServerBinaryNotFound if there is none.

    --redrock-server, then $REDROCK_SERVER, then the redrock_server ini value, then PATH. Outside a
    session (no config) only $REDROCK_SERVER and PATH count.
    """
    config = config or _config
    if config is not None:
        option = config.getoption("redrock_server", None)
        if option:
            return resolve_binary(option, "--redrock-server"), "--redrock-server"
        ini = config.getini("redrock_server")
        if ini and not os.environ.get("REDROCK_SERVER"):
            base = str(config.inipath.parent) if config.inipath else str(config.rootpath)
            return resolve_binary(ini, f"ini redrock_server ({config.inipath})", base), "ini redrock_server"
    return find_binary()


def pytest_report_header(config):
    try:
        path, source = server_binary(config)
    except ServerBinaryNotFound as e:
        return f"redrock-server: none ({e})"
    return f"redrock-server: {path} (from {source})"


class ServerFactory:
    """What the redrock_factory fixture yields: starts servers and remembers them for cleanup()."""

    def __init__(self, binary, server_class=RedrockServer):
        self.binary = binary
        self.server_class = server_class
        self.servers = []

    def create(self, args=(), *, server_class=None, binary=None, **kwargs):
        """A server that is not started yet (configure it, then start()); kwargs go to the class.
        binary: another binary than the session's (an older version, a wrapper)."""
        server = (server_class or self.server_class)(binary or self.binary, args, **kwargs)
        self.servers.append(server)
        return server

    def __call__(self, args=(), **kwargs):
        """A started server (it answers PING): create(args, **kwargs).start()."""
        return self.create(args, **kwargs).start()

    def cleanup(self):
        """Stops every server created here, then cleans each up (a server may run on another one's
        directory, so none is removed while any runs); their problems as one text ('' when none)."""
        problems = []
        for step in ("stop", "cleanup"):
            for server in self.servers:
                try:
                    getattr(server, step)()
                except Exception as e:  # noqa: BLE001 - one server's trouble must not leave others running
                    problems.append(str(e) if isinstance(e, AssertionError) else f"{server!r}: {step}: {e!r}")
        return "\n\n".join(problems)


@pytest.fixture(scope="session")
def redrock_binary(pytestconfig):
    """Absolute path of the server binary; the test fails with how to name one when there is none."""
    try:
        return server_binary(pytestconfig)[0]
    except ServerBinaryNotFound as e:
        message = str(e)
    pytest.fail(message, pytrace=False)


@pytest.fixture
def redrock_server_class():
    """The class redrock_factory instantiates as cls(binary, args, **kwargs); override for a subclass."""
    return RedrockServer


@pytest.fixture
def redrock_factory(redrock_binary, redrock_server_class):
    """A ServerFactory. Every server it made is stopped (SIGTERM, SIGKILL after stop_timeout) and its
    directory removed at teardown; then the test fails if any of them had problems()."""
    factory = ServerFactory(redrock_binary, redrock_server_class)
    yield factory
    problems = factory.cleanup()
    if problems:
        pytest.fail(problems, pytrace=False)


def _marker_kwargs(request):
    """(server kwargs, client kwargs) from the test's @pytest.mark.redrock."""
    marker = request.node.get_closest_marker("redrock")
    if marker is None:
        return {}, {}
    if marker.args:
        raise TypeError("@pytest.mark.redrock takes keyword arguments only")
    client = dict(marker.kwargs)
    server = {key: client.pop(key) for key in SERVER_KEYS if key in client}
    return server, client


@pytest.fixture
def redrock_server(request, redrock_factory):
    """A started server for this test, as @pytest.mark.redrock says; redrock and redrock_async use it."""
    return redrock_factory(**_marker_kwargs(request)[0])


@pytest.fixture
def redrock(request, redrock_server):
    """A redis.Redis of redrock_server (decode_responses=False unless the marker says otherwise)."""
    client = redrock_server.client(**_marker_kwargs(request)[1])
    yield client
    client.close()
    client.connection_pool.disconnect()


if pytest_asyncio is not None:
    @pytest_asyncio.fixture
    async def redrock_async(request, redrock_server):
        """A redis.asyncio.Redis of redrock_server; works in pytest-asyncio's strict and auto modes."""
        client = redrock_server.async_client(**_marker_kwargs(request)[1])
        yield client
        await (client.aclose() if hasattr(client, "aclose") else client.close())
        await client.connection_pool.disconnect()
else:
    @pytest.fixture
    def redrock_async():
        """Stands in for the async fixture when pytest-asyncio is missing."""
        pytest.skip("redrock_async needs pytest-asyncio, which is not installed")
