"""A full disk: the client gets a clear Redis-style error, the server keeps running and loses no data.

The server's --dir lives on a small tmpfs mounted for the test, next to a filler file. Writes go until
one fails; the error must be one line, reads keep working, and once the filler is deleted writes work
again without a restart. Then SIGTERM must exit cleanly, and a restart on the same directory must
have every key whose SET was acknowledged.

Mounting needs root (CI runs as root); without it the test is skipped. Real Redis is skipped too: it
only touches the disk when persistence is on, and its errors differ.
"""

import os
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import HOST, ServerProcess, is_real_redis

DISK_BYTES = 8 << 20
# Freed to end the episode. It must exceed what the WAL can take before the disk fills, so that the
# memtable flush that resumes writes fits (the values below do not compress).
FILLER_BYTES = 5 << 20
VALUE_BYTES = 4096
RESUME_TIMEOUT_S = 3.0
FULL_DISK_ERROR = b"-ERR storage I/O error: No space left on device\r\n"
# Redis's text for writes refused after an AOF write error (redrock's WAL stands for the AOF).
MISCONF = "MISCONF Errors writing to the AOF file: No space left on device"


def mount_tmpfs(size):
    """Mounts a tmpfs of `size` bytes on a fresh directory; skips the test when that is not allowed."""
    if is_real_redis():
        pytest.skip("full-disk behaviour is redrock's (real Redis needs AOF and replies MISCONF)")
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    path = tempfile.mkdtemp(prefix="redrock-full-disk-")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", path],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        os.rmdir(path)
        pytest.skip(f"cannot mount a tmpfs: {proc.stderr.strip() or proc.returncode}")
    return path


def unmount(path):
    if subprocess.run(["umount", path], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", path], capture_output=True)
    os.rmdir(path)


def raw_command(port, *args):
    """Sends one command and returns its raw reply (one line is all this test needs)."""
    payload = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        payload += b"$%d\r\n%s\r\n" % (len(a), a)
    with socket.create_connection((HOST, port), timeout=5) as s:
        s.sendall(payload)
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def test_full_disk_error_recovery_and_restart():
    mount = mount_tmpfs(DISK_BYTES)
    srv = None
    try:
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * FILLER_BYTES)
        srv = ServerProcess(dir=os.path.join(mount, "data"))  # the log stays outside, in its own temp dir
        srv.start()
        r = redis.Redis(host=HOST, port=srv.port, socket_timeout=5)

        # Fill the disk. Every acknowledged SET is remembered; the first failure must be the full disk.
        # The failed SET was applied in memory before its WAL write failed: it may survive (a recovery
        # flushes the memtables) or not, but it was never acknowledged.
        acked = {}
        error = None
        failed = None
        for i in range(100000):
            key, value = f"key:{i}", os.urandom(VALUE_BYTES)
            try:
                assert r.set(key, value) is True
            except redis.ResponseError as e:
                error = str(e)
                failed = (key, value)
                break
            acked[key] = value
        assert error == "storage I/O error: No space left on device"
        assert len(acked) > 100

        # From then on writes, and PING, get Redis's MISCONF (exact bytes: one line). Still full, so
        # it stays that way.
        assert raw_command(srv.port, "SET", "probe", "x" * VALUE_BYTES) == b"-" + MISCONF.encode() + b"\r\n"
        assert raw_command(srv.port, "INCR", "counter") == b"-" + MISCONF.encode() + b"\r\n"
        with pytest.raises(redis.ResponseError, match="^" + MISCONF + "$"):
            r.ping()

        # Reads keep working, and the server survives its everysec WAL sync (once a second).
        time.sleep(1.1)
        assert r.get("key:0") == acked["key:0"]
        assert r.dbsize() in (len(acked), len(acked) + 1)
        if r.dbsize() == len(acked) + 1:
            assert r.get(failed[0]) == failed[1]
        assert r.exists("key:1", "key:2", "missing") == 2
        assert len(r.keys("key:1*")) > 0
        assert r.info("persistence")["aof_last_write_status"] == "err"
        assert srv.proc.poll() is None

        # Space comes back: writes work again without a restart (the engine retries RocksDB's Resume in
        # the background every 100 ms while writes are stopped).
        os.unlink(filler)
        deadline = time.monotonic() + RESUME_TIMEOUT_S
        while True:
            try:
                assert r.set("after", b"resumed") is True
                break
            except redis.ResponseError as e:
                assert str(e) == MISCONF
                assert time.monotonic() < deadline, "writes did not resume after space came back"
                time.sleep(0.05)
        acked["after"] = b"resumed"
        assert r.ping() is True
        assert r.incr("counter") == 1
        acked["counter"] = b"1"
        r.close()

        # A clean exit, then every acknowledged key after a restart on the same directory.
        code = srv.stop()
        assert code == 0, f"server exit code {code}:\n{srv.log_tail()}"
        srv.start()
        r = redis.Redis(host=HOST, port=srv.port, socket_timeout=5)
        keys = list(acked)
        values = []
        for start in range(0, len(keys), 200):
            values += r.mget(keys[start:start + 200])
        missing = [k for k, v in zip(keys, values) if v != acked[k]]
        assert missing == [], f"{len(missing)} acknowledged keys lost, e.g. {missing[:5]}"
        survived = r.get(failed[0])
        assert survived in (None, failed[1])
        assert r.dbsize() == len(acked) + (survived is not None)
        assert r.set("post-restart", b"ok") is True
        r.close()
        code = srv.stop()
        assert code == 0, f"server exit code {code}:\n{srv.log_tail()}"
    finally:
        try:
            if srv is not None:
                srv.stop(kill=True)
                srv.cleanup()
        finally:
            unmount(mount)


def test_full_disk_pipelined_writes_are_never_acknowledged_unless_durable():
    """Pipelined SETs share one WAL append per read batch (group commit). When the disk fills, the
    commands of the batch whose append failed answer an error rather than OK, later ones MISCONF; so
    the replies are some OKs and then only errors, and every OK survives a restart."""
    mount = mount_tmpfs(DISK_BYTES)
    srv = None
    try:
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * FILLER_BYTES)
        srv = ServerProcess(dir=os.path.join(mount, "data"))
        srv.start()
        r = redis.Redis(host=HOST, port=srv.port, socket_timeout=10)
        acked = {}
        replies = []
        for batch in range(200):
            pipe = r.pipeline(transaction=False)
            sent = []
            for j in range(64):
                key, value = f"p:{batch}:{j}", os.urandom(VALUE_BYTES)
                pipe.set(key, value)
                sent.append((key, value))
            results = pipe.execute(raise_on_error=False)
            for (key, value), result in zip(sent, results):
                replies.append(result)
                if result is True:
                    acked[key] = value
            if any(isinstance(x, redis.ResponseError) for x in results):
                break
        first_error = next(i for i, x in enumerate(replies) if isinstance(x, redis.ResponseError))
        assert all(x is True for x in replies[:first_error])
        tail = [str(x) for x in replies[first_error:]]
        assert set(tail) <= {"storage I/O error: No space left on device", MISCONF}, set(tail)
        assert "storage I/O error: No space left on device" in tail
        assert len(acked) > 100
        r.close()

        # Space back, a clean exit and a restart: every OK is there.
        os.unlink(filler)
        code = srv.stop()
        assert code == 0, f"server exit code {code}:\n{srv.log_tail()}"
        srv.start()
        r = redis.Redis(host=HOST, port=srv.port, socket_timeout=10)
        keys = list(acked)
        values = []
        for start in range(0, len(keys), 200):
            values += r.mget(keys[start:start + 200])
        missing = [k for k, v in zip(keys, values) if v != acked[k]]
        assert missing == [], f"{len(missing)} acknowledged keys lost, e.g. {missing[:5]}"
        r.close()
        code = srv.stop()
        assert code == 0, f"server exit code {code}:\n{srv.log_tail()}"
    finally:
        try:
            if srv is not None:
                srv.stop(kill=True)
                srv.cleanup()
        finally:
            unmount(mount)
