"""Server processes for the comparison: start on a free loopback port in a temp dir, wait until ready,
measure, stop. Every process started here is stopped by stop_all(), which compare.py calls in a finally
block; each child also gets PR_SET_PDEATHSIG so it dies with us even if we are killed with SIGKILL.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from .resp_client import RespClient, RespError

HOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1
_live = []  # every ServerProcess whose process may still be running


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass  # best effort: stop_all() still runs on normal exits, errors and Ctrl-C
    os.setpgrp()  # a Ctrl-C in the terminal reaches only us; we stop the children in order


def free_port():
    """A loopback port that is free now (the kernel's choice, so parallel runs do not collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ServerProcess:
    """One server: `kind` is "redis" or "redrock"; `extra` are its persistence arguments."""

    def __init__(self, key, label, kind, binary, extra, workdir):
        self.key, self.label, self.kind, self.binary, self.extra = key, label, kind, binary, extra
        self.dir = tempfile.mkdtemp(prefix="%s-" % key, dir=workdir)
        self.data_dir = os.path.join(self.dir, "data")
        os.makedirs(self.data_dir)
        self.log_path = os.path.join(self.dir, "server.log")
        self.port = None
        self.proc = None

    def argv(self):
        common = ["--port", str(self.port), "--bind", HOST, "--dir", self.data_dir]
        if self.kind == "redis":
            return [self.binary] + common + ["--daemonize", "no", "--logfile", ""] + self.extra
        return [self.binary] + common + self.extra

    def start(self):
        """Spawns the process (on the same port and dir as before, if it ran already)."""
        if self.port is None:
            self.port = free_port()
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.dir, preexec_fn=_die_with_parent)
        finally:
            log.close()
        _live.append(self)

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited with code %s; log %s:\n%s"
                               % (self.label, self.proc.returncode, self.log_path, self.log_tail()))

    def wait_until(self, probe, timeout=30.0):
        """Polls probe(client) until it returns true. Connection refusals mean "not yet"; the probe
        returns false for replies that mean "not yet" (e.g. -LOADING)."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                with RespClient(HOST, self.port, timeout=5.0) as client:
                    while True:
                        if probe(client):
                            return
                        if time.monotonic() > deadline:
                            break
                        time.sleep(0.002)
            except (ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("%s did not become ready within %.0f s; log:\n%s"
                                   % (self.label, timeout, self.log_tail()))
            time.sleep(0.002)

    def wait_ready(self, timeout=30.0):
        self.wait_until(lambda c: c.call("PING") == "PONG", timeout)

    def client(self):
        return RespClient(HOST, self.port)

    def rss_bytes(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def disk_bytes(self):
        """Bytes allocated on disk under the data dir (as du counts them)."""
        total = 0
        for root, _, files in os.walk(self.data_dir):
            for name in files:
                try:
                    total += os.lstat(os.path.join(root, name)).st_blocks * 512
                except OSError:
                    pass  # a file removed while we walk (a compaction, an AOF rewrite)
        return total

    def stop(self, timeout=20.0):
        """SIGTERM (a clean shutdown, as a service manager would do), then SIGKILL if it hangs."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self in _live:
            _live.remove(self)

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return "(no log)"


def stop_all():
    for server in list(_live):
        try:
            server.stop(timeout=10.0)
        except Exception:  # keep stopping the others
            try:
                server.proc.kill()
            except Exception:
                pass
    _live.clear()


def make_workdir():
    return tempfile.mkdtemp(prefix="redrock-compare-")


def remove_workdir(path):
    shutil.rmtree(path, ignore_errors=True)


def is_error(reply):
    return isinstance(reply, RespError)
