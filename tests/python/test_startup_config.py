"""The binary's startup as Redis's test suite and operators see it: the log lines the suite waits for
(` PID: <pid>`, `Ready to accept connections`, `Failed listening on port`), the suite's own config
(tests/assets/default.conf options plus a unix socket path), protected mode, and the options for
protections redrock does not provide, which must stop the server instead of being ignored.

The log and protected-mode tests hold for real Redis too (REDROCK_SERVER=/usr/bin/redis-server); the
refusals are redrock's own (Redis provides those features).
"""

import os
import re
import socket

import pytest

from conftest import HOST, ServerProcess, is_real_redis, raw_ping

redrock_only = pytest.mark.skipif(is_real_redis(), reason="redrock refuses what it does not provide; Redis has it")


class Spawned(ServerProcess):
    """A server run with exactly the test's config file and arguments (`binary [config file] *args`: the
    plugin adds no --port, --bind or --dir), its log on stdout and stderr apart, as the suite's spawn mode
    starts it. The test writes the config (write_config), starts it with start(wait=False) and waits on
    the log itself; the plugin's factory stops it at teardown."""

    def __init__(self, binary=None, args=(), **kwargs):
        super().__init__(binary, args, separate_stderr=True, **kwargs)

    def server_args(self):
        return []


def spawn(factory, config_lines, port=None):
    """A Spawned server started (not waited for) from the config that config_lines(root, port) gives."""
    srv = factory.create(server_class=Spawned, **({} if port is None else {"port": port}))
    srv.write_config("\n".join(config_lines(srv.root, srv.port)) + "\n")
    return srv.start(wait=False)


def suite_config(workdir, port):
    """What Redis 7.0.15's server.tcl writes for a server: default.conf's options, then its own dir, port
    and unixsocket, then (here) the overrides unit/type/set adds."""
    data = os.path.join(workdir, "data")
    os.makedirs(data, exist_ok=True)
    return [
        "always-show-logo yes", "notify-keyspace-events KEA", "daemonize no",
        f"pidfile {os.path.join(workdir, 'redis.pid')}", f"port {port}", "timeout 0", "bind 127.0.0.1",
        "loglevel verbose", "logfile ''", "databases 16", "latency-monitor-threshold 1",
        "repl-diskless-sync-delay 0", "save 900 1", "rdbcompression yes", "dbfilename dump.rdb", f"dir {data}",
        "slave-serve-stale-data yes", "appendonly no", "appendfsync everysec", "no-appendfsync-on-rewrite no",
        "activerehashing yes", "enable-protected-configs yes", "enable-debug-command yes",
        "enable-module-command yes", "propagation-error-behavior panic",
        f"unixsocket {os.path.join(data, 'socket')}", "set-max-intset-entries 512",
    ]


def command(port, *args, source=None):
    """Sends one command and returns the first reply line (or the whole error line)."""
    payload = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in
                                                    (x.encode() if isinstance(x, str) else x for x in args))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        if source:
            s.bind((source, 0))
        s.connect((HOST, port))
        s.sendall(payload)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_suite_config_starts_and_logs_pid_and_ready(redrock_factory):
    srv = spawn(redrock_factory, suite_config)
    port = srv.port
    try:
        # server.tcl's wait_server_started and its "Ready to accept" count.
        assert srv.wait_for_log(r" PID: %d\b" % srv.pid), srv.log() + srv.stderr()
        assert srv.wait_for_log(r"Ready to accept connections"), srv.log() + srv.stderr()
        assert raw_ping(port) == b"+PONG\r\n"
        assert command(port, "CONFIG", "GET", "notify-keyspace-events") == b"*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n"
        log = srv.log()
        assert "Failed listening" not in log
        if not is_real_redis():
            # Honest notices: options redrock acts on get none; kept-only ones say they have no effect.
            assert "'notify-keyspace-events'" not in log
            assert "'always-show-logo'" not in log
            assert "Option 'latency-monitor-threshold' has no effect in redrock" in log
            assert "accepted for compatibility" not in log
            assert re.search(r"unixsocket .*socket: redrock does not listen on Unix sockets yet", log), log
    finally:
        srv.stop(timeout=10)
    assert srv.returncode == 0


def test_taken_port_is_reported_as_redis_does(redrock_factory):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((HOST, 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        srv = spawn(redrock_factory, suite_config, port=port)
        try:
            code = srv.wait(timeout=20)
        finally:
            srv.stop(timeout=10)
    assert code == 1
    log = srv.log()
    assert f"Failed listening on port {port} (TCP), aborting." in log
    assert "Ready to accept" not in log
    assert not re.search(r" PID: %d\b" % srv.pid, log)


def test_banner_follows_always_show_logo(server_factory):
    srv = server_factory(args=["--always-show-logo", "no"])
    assert f"Running mode=standalone, port={srv.port}." in srv.log_tail()
    assert " PID: " not in srv.log_tail()


def test_protected_mode_serves_only_loopback_without_password(server_factory):
    # 127.0.0.2 is on the loopback interface but is not 127.0.0.1: Redis 7.0 treats it as remote.
    srv = server_factory()
    denied = command(srv.port, "PING", source="127.0.0.2")
    assert denied.startswith(b"-DENIED "), denied
    assert raw_ping(srv.port) == b"+PONG\r\n"
    # Turned off at run time: served.
    assert command(srv.port, "CONFIG", "SET", "protected-mode", "no") == b"+OK\r\n"
    assert command(srv.port, "PING", source="127.0.0.2") == b"+PONG\r\n"
    assert command(srv.port, "CONFIG", "SET", "protected-mode", "yes") == b"+OK\r\n"
    assert command(srv.port, "PING", source="127.0.0.2").startswith(b"-DENIED ")
    info = command(srv.port, "INFO", "stats")
    assert info  # the connection itself works


def test_protected_mode_does_not_apply_with_a_password(server_factory):
    srv = server_factory(password="pw")
    assert command(srv.port, "PING", source="127.0.0.2").startswith(b"-NOAUTH ")


def test_protected_mode_off_serves_everyone(server_factory):
    srv = server_factory(args=["--protected-mode", "no"])
    assert command(srv.port, "PING", source="127.0.0.2") == b"+PONG\r\n"


# ---- protections and features redrock does not provide ----------------------------------------------

REFUSED = [
    ("maxmemory-policy", "allkeys-lru"), ("maxmemory-clients", "1mb"), ("client-query-buffer-limit", "2mb"),
    ("unixsocketperm", "700"), ("aclfile", "/etc/redis/users.acl"), ("replicaof", "127.0.0.1 6379"),
    ("masterauth", "pw"), ("masteruser", "u"), ("min-replicas-to-write", "1"), ("cluster-enabled", "yes"),
    ("daemonize", "yes"), ("tls-port", "6390"), ("tls-cert-file", "/x.crt"), ("tls-key-file", "/x.key"),
    ("tls-ca-cert-file", "/ca.crt"), ("tls-auth-clients", "no"),
    ("client-output-buffer-limit", "normal 10mb 5mb 60"),
]


@redrock_only
@pytest.mark.parametrize("name,value", REFUSED)
def test_unprovided_protection_stops_the_server(redrock_factory, name, value):
    srv = redrock_factory.create(server_class=Spawned)
    port = srv.port
    srv.args = ["--port", str(port), "--dir", srv.dir, f"--{name}", *value.split(" ")]
    returncode = srv.start(wait=False).wait(timeout=20)
    assert returncode == 1
    err = srv.stderr()
    assert "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***" in err
    assert f"'{name} " in err  # the offending line
    assert "redrock does not" in err
    assert raw_ping(port) is None  # never listened
    assert "Ready to accept" not in srv.log()


@redrock_only
@pytest.mark.parametrize("line", ["user alice on >pw ~* +@all", "rename-command FLUSHALL \"\""])
def test_unprovided_directive_in_config_file_stops_the_server(redrock_factory, line):
    srv = spawn(redrock_factory, lambda root, port: [f"port {port}", f"dir {root}", line])
    assert srv.wait(timeout=20) == 1
    err = srv.stderr()
    assert "Reading the configuration file, at line 3" in err
    assert f">>> '{line}'" in err
    assert "redrock does not provide" in err


@redrock_only
def test_off_values_of_unprovided_features_start(server_factory):
    srv = server_factory(args=[
        "--maxmemory", "0", "--maxmemory-clients", "0", "--tls-port", "0", "--tls-cert-file", "",
        "--unixsocket", "", "--unixsocketperm", "0", "--aclfile", "", "--replicaof", "no", "one",
        "--masterauth", "", "--min-replicas-to-write", "0", "--cluster-enabled", "no", "--daemonize", "no",
        "--client-query-buffer-limit", "1gb", "--client-output-buffer-limit", "normal", "0", "0", "0",
    ])
    log = srv.log_tail()
    # Off values say what redrock does: no notice. A default that promises a limit says it is not enforced.
    assert "'tls-port'" not in log and "'daemonize'" not in log and "'maxmemory'" not in log
    assert "Option 'client-query-buffer-limit' is accepted only at its default value: redrock does not enforce" in log
    assert raw_ping(srv.port) == b"+PONG\r\n"


@redrock_only
def test_config_set_refuses_unprovided_protections(server_process):
    port = server_process.port
    assert command(port, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - redrock does not evict keys "
        b"yet: over maxmemory it refuses writes (noeviction), so maxmemory-policy must stay noeviction\r\n")
    assert command(port, "CONFIG", "SET", "tls-port", "6390") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'tls-port') - redrock does not provide TLS yet, so "
        b"tls-port must stay 0\r\n")
    assert command(port, "CONFIG", "SET", "aclfile", "/x") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'aclfile') - can't set immutable config\r\n")
    # All or nothing: a refused option in a multi-option CONFIG SET changes nothing.
    assert command(port, "CONFIG", "SET", "timeout", "7", "min-replicas-to-write", "1").startswith(
        b"-ERR CONFIG SET failed (possibly related to argument 'min-replicas-to-write') - redrock does not provide "
        b"replication yet")
    assert command(port, "CONFIG", "GET", "timeout") == b"*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"
    # The off values stay settable.
    assert command(port, "CONFIG", "SET", "maxmemory", "0", "tls-port", "0", "masterauth", "") == b"+OK\r\n"
