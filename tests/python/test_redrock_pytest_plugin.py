"""The redrock_pytest plugin (python/redrock_pytest): its fixtures, a restart and a crash on the same data
directory, teardown, how it finds the binary, and what this suite's conftest adds to it (a sanitizer
report or an exit other than the one asked for fails the test).

Everything here holds for real Redis too (REDROCK_SERVER=/usr/bin/redis-server): it saves on SIGTERM by
default, and gets the AOF the crash test needs from --appendonly yes, which redrock accepts as a no-op
(it always logs writes). Some tests run pytest itself on a small test file (`-p redrock_pytest`,
pytest-asyncio in strict mode) to see the fixtures' teardown and the lookup's error messages from outside.
"""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest
from redis.exceptions import AuthenticationError

import redrock_pytest
from redrock_pytest import HOST, ServerFactory

from conftest import ServerProcess

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(redrock_pytest.__file__)))
INNER_TIMEOUT_S = 120


def pid_alive(pid):
    """Whether a process with this pid exists (the plugin has reaped its servers, so no zombies)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------------
# The fixtures


def test_redrock_is_a_client_of_a_fresh_loopback_server(redrock, redrock_server):
    assert redrock.ping() is True
    assert redrock.dbsize() == 0
    assert redrock.set("k", "v") is True
    assert redrock.get("k") == b"v"  # decode_responses=False, as redis-py's default
    kwargs = redrock.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"]) == (HOST, redrock_server.port) == redrock_server.address
    assert redrock_server.running and pid_alive(redrock_server.pid)
    assert os.path.isdir(redrock_server.dir) and redrock_server.dir.startswith(redrock_server.root)


@pytest.mark.redrock(decode_responses=True, password="pw-1")
def test_marker_sets_the_password_and_client_options(redrock, redrock_server):
    assert redrock_server.password == "pw-1"
    assert redrock.set("greeting", "héllo") is True
    assert redrock.get("greeting") == "héllo"
    anonymous = redrock_server.client(password=None)
    try:
        with pytest.raises(AuthenticationError):
            anonymous.get("greeting")
    finally:
        anonymous.close()


async def test_redrock_async(redrock_async):
    assert await redrock_async.set("a", "1", ex=100) is True
    assert await redrock_async.incr("a") == 2
    assert await redrock_async.ttl("a") == 100
    async with redrock_async.pipeline(transaction=True) as pipe:
        result = await pipe.incr("a").get("a").execute()
    assert result == [3, b"3"]


async def test_redrock_and_redrock_async_share_one_server(redrock, redrock_async):
    assert redrock.set("shared", "x") is True
    assert await redrock_async.get("shared") == b"x"
    assert await redrock_async.dbsize() == 1


def test_factory_restart_on_the_same_directory_keeps_a_key_with_its_ttl(redrock_factory):
    srv = redrock_factory()
    port, data_dir, first_pid = srv.port, srv.dir, srv.pid
    c = srv.client(socket_timeout=5)
    try:
        assert c.set("session", "alive", ex=1000) is True
        assert c.set("plain", "p") is True
    finally:
        c.close()
    assert srv.stop() == 0
    assert not srv.running and not pid_alive(first_pid)
    assert os.listdir(data_dir)  # the data stays for the next start
    srv.start()
    assert (srv.port, srv.dir) == (port, data_dir) and srv.pid != first_pid
    c = srv.client(socket_timeout=5)
    try:
        assert c.get("session") == b"alive"
        assert 990 <= c.ttl("session") <= 1000
        assert c.get("plain") == b"p" and c.ttl("plain") == -1
    finally:
        c.close()


def test_factory_sigkill_with_appendfsync_always_keeps_an_acknowledged_write(redrock_factory):
    srv = redrock_factory(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client(socket_timeout=5)
    try:
        assert c.config_get("appendfsync") == {"appendfsync": "always"}
        assert c.set("acked", "yes") is True
        assert c.incr("counter") == 1
    finally:
        c.close()
    pid = srv.pid
    assert srv.kill() == -signal.SIGKILL  # no pause: both writes were acknowledged, so both must survive
    assert not pid_alive(pid)
    srv.restart()
    c = srv.client(socket_timeout=5)
    try:
        assert c.get("acked") == b"yes"
        assert c.get("counter") == b"1"
        assert c.config_get("appendfsync") == {"appendfsync": "always"}  # the same arguments again
    finally:
        c.close()


def test_factory_new_server_on_a_stopped_servers_directory(redrock_factory):
    first = redrock_factory()
    c = first.client(socket_timeout=5)
    try:
        assert c.set("k", "kept", ex=500) is True
    finally:
        c.close()
    assert first.stop() == 0
    second = redrock_factory(dir=first.dir)
    assert second.dir == first.dir and second.root != first.root
    c = second.client(socket_timeout=5)
    try:
        assert c.get("k") == b"kept"
        assert 490 <= c.ttl("k") <= 500
    finally:
        c.close()


def test_factory_cleanup_stops_every_server_by_pid_and_removes_its_directory(redrock_binary):
    factory = ServerFactory(redrock_binary, ServerProcess)
    try:
        servers = [factory(), factory(["--appendfsync", "always"]), factory()]
        servers[1].kill()  # killed, or stopped: cleaned up all the same
        assert servers[2].stop() == 0
        pids, roots = [s.pid for s in servers], [s.root for s in servers]
        assert pid_alive(pids[0])
    finally:
        problems = factory.cleanup()
    assert problems == ""
    assert [pid_alive(p) for p in pids] == [False, False, False]
    assert [os.path.exists(r) for r in roots] == [False, False, False]
    assert not any(s.running for s in servers)


# ---------------------------------------------------------------------------------------------------------
# What this suite's conftest adds (the sanitizer build relies on it)


def test_plugin_fixtures_start_this_suites_server_class(redrock_server):
    assert isinstance(redrock_server, ServerProcess)
    log_path = os.path.join(redrock_server.root, "sanitizer")
    assert f"log_path={log_path}" in redrock_server.environment()["ASAN_OPTIONS"].split(":")


def test_a_sanitizer_report_fails_cleanup(redrock_factory):
    srv = redrock_factory()  # the factory's teardown is only a safety net: cleanup() acts once
    assert isinstance(srv, ServerProcess)
    with open(os.path.join(srv.root, "sanitizer.4242"), "w") as f:
        f.write("==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n")
    with pytest.raises(AssertionError) as info:
        srv.cleanup()
    assert "sanitizer reports" in str(info.value) and "heap-use-after-free" in str(info.value)
    assert not srv.running and not os.path.exists(srv.root)


def test_a_nonzero_exit_after_sigterm_fails_cleanup(tmp_path, redrock_binary, redrock_factory):
    # A wrapper that passes SIGTERM on to the real server, waits for it, then exits 3.
    wrapper = tmp_path / "exits-3-on-sigterm"
    wrapper.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        "{redrock_binary}" "$@" &
        child=$!
        trap 'kill -TERM $child; wait $child; exit 3' TERM
        wait $child
        """))
    wrapper.chmod(0o755)
    srv = redrock_factory(binary=str(wrapper))
    with pytest.raises(AssertionError) as info:
        srv.cleanup()
    assert f"pid {srv.pid}): exit code 3 after SIGTERM" in str(info.value)
    assert srv.returncode == 3


# ---------------------------------------------------------------------------------------------------------
# From outside: a pytest run with only the plugin (-p redrock_pytest, pytest-asyncio in strict mode)

INNER_TESTS = '''
import json
import os
import re
import signal

import pytest


def record(server):
    with open(os.environ["REDROCK_PLUGIN_RECORD"], "a") as f:
        f.write(json.dumps([server.pid, server.root]) + "\\n")


def test_sync(redrock, redrock_server):
    record(redrock_server)
    assert redrock.set("k", "v") is True and redrock.get("k") == b"v"


@pytest.mark.asyncio
async def test_async(redrock_async, redrock_server):
    record(redrock_server)
    assert await redrock_async.set("k", "v") is True and await redrock_async.get("k") == b"v"


@pytest.mark.redrock(decode_responses=True, args=["--databases", "4"])
def test_marker(redrock):
    assert redrock.config_get("databases") == {"databases": "4"}


def test_factory(redrock_factory):
    for server in (redrock_factory(), redrock_factory(["--appendfsync", "always"])):
        record(server)


def test_a_server_that_dies_fails_at_teardown(redrock_server):
    record(redrock_server)
    os.kill(redrock_server.pid, signal.SIGKILL)
    redrock_server.proc.wait()
'''


def run_inner(tmp_path, test_source, ini_lines=(), args=(), env_changes=None):
    """Runs pytest with only the plugin on one test file in tmp_path; (exit code, combined output)."""
    (tmp_path / "pytest.ini").write_text("\n".join(["[pytest]", "asyncio_mode = strict", *ini_lines]) + "\n")
    (tmp_path / "test_inner.py").write_text(test_source)
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    for name, value in (env_changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "redrock_pytest", "-p", "no:cacheprovider",
                           "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), *args,
                           str(tmp_path / "test_inner.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=INNER_TIMEOUT_S,
                          stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout + done.stderr


def test_plugin_alone_with_strict_asyncio_stops_every_server(tmp_path, redrock_binary):
    record = tmp_path / "servers.jsonl"
    env = {"REDROCK_SERVER": redrock_binary, "REDROCK_PLUGIN_RECORD": str(record)}
    code, out = run_inner(tmp_path, INNER_TESTS, env_changes=env)
    assert code == 1, out
    assert "5 passed, 1 error" in out, out
    assert re.search(r"asyncio: mode=(Mode\.)?strict", out, re.IGNORECASE), out
    assert f"redrock-server: {redrock_binary} (from $REDROCK_SERVER)" in out, out
    assert "ERROR at teardown of test_a_server_that_dies_fails_at_teardown" in out, out
    assert "exited on its own with code -9" in out, out
    servers = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(servers) == 5
    assert [pid for pid, _ in servers if pid_alive(pid)] == []
    assert [root for _, root in servers if os.path.exists(root)] == []


NEEDS_A_SERVER = '''
def test_needs_a_server(redrock):
    assert redrock.ping()


def test_needs_none():
    pass
'''


def test_no_binary_fails_the_tests_that_need_one_with_how_to_name_one(tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    code, out = run_inner(tmp_path, NEEDS_A_SERVER, env_changes={"REDROCK_SERVER": None, "PATH": str(empty)})
    assert code == 1, out
    assert "1 passed, 1 error" in out, out
    assert "no redrock-server binary found: set REDROCK_SERVER=/path/to/redrock-server" in out, out
    assert "redrock-server: none (" in out, out


def test_option_names_a_binary_before_the_environment(tmp_path):
    code, out = run_inner(tmp_path, NEEDS_A_SERVER, args=["--redrock-server", "/nonexistent/redrock-server"])
    assert code == 1, out
    assert "--redrock-server: /nonexistent/redrock-server is not an executable file" in out, out


@pytest.mark.parametrize("where", ["ini", "PATH"])
def test_binary_from_ini_file_or_path(tmp_path, redrock_binary, where):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "redrock-server").symlink_to(redrock_binary)
    env = {"REDROCK_SERVER": None}
    if where == "ini":
        ini = ["redrock_server = bin/redrock-server"]  # relative to the ini file
    else:
        ini, env["PATH"] = [], f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    code, out = run_inner(tmp_path, NEEDS_A_SERVER, ini_lines=ini, env_changes=env)
    assert code == 0, out
    assert "2 passed" in out, out
    source = "ini redrock_server" if where == "ini" else "PATH"
    assert f"redrock-server: {bin_dir / 'redrock-server'} (from {source})" in out, out
