"""One redrock-server (or any binary with redis-server's command line) run by a test, and what finds it.

Standard library only, except client() / async_client(), which import redis-py when called. This module
uses no pytest (the package's __init__, the plugin, does): RedrockServer also works as a context manager
in a script.
"""

import atexit
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

HOST = "127.0.0.1"  # servers listen here only
BINARY_NAME = "redrock-server"
ENV_VAR = "REDROCK_SERVER"

_live = set()  # servers with a process running, so that an interpreter that exits early still stops them


class ServerBinaryNotFound(RuntimeError):
    """No usable server binary: the message says where it was looked for and how to name one."""


class ServerStartError(RuntimeError):
    """The server exited during startup or did not answer PING in time; the message ends in its log."""


def resolve_binary(value, source, base_dir=None):
    """The absolute path of an executable named by `value`, or ServerBinaryNotFound naming `source`.

    A value without a slash is looked up on PATH; a relative path is taken from base_dir (default: the
    working directory).
    """
    if os.sep not in value:
        found = shutil.which(value)
        if found is None:
            raise ServerBinaryNotFound(f"{source}: {value!r} is not on PATH")
        return os.path.abspath(found)
    path = os.path.abspath(os.path.join(base_dir or os.getcwd(), os.path.expanduser(value)))
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise ServerBinaryNotFound(f"{source}: {path} is not an executable file")
    return path


def find_binary():
    """(path, where it came from) of the server binary: $REDROCK_SERVER if set, else redrock-server on
    PATH. A set $REDROCK_SERVER that names no executable is an error, not a reason to look further."""
    if os.environ.get(ENV_VAR):
        source = f"${ENV_VAR}"
        return resolve_binary(os.environ[ENV_VAR], source), source
    found = shutil.which(BINARY_NAME)
    if found is None:
        raise ServerBinaryNotFound(
            f"no {BINARY_NAME} binary found: set {ENV_VAR}=/path/to/{BINARY_NAME}, or pass "
            f"--redrock-server=PATH or set redrock_server in the pytest ini file (redrock_pytest plugin), "
            f"or put {BINARY_NAME} on PATH")
    return os.path.abspath(found), "PATH"


def free_port():
    """A loopback port that was free a moment ago (bind port 0 on 127.0.0.1 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def raw_ping(port, password=None, timeout=0.5, host=HOST):
    """Sends PING (after AUTH when a password is given) and returns the raw reply bytes, or None when the
    connection fails. b"+PONG\\r\\n" (after b"+OK\\r\\n") means the server is serving."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
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


class RedrockServer:
    """One server process on a loopback port, with a temporary directory of its own.

    The directory (`root`) holds the data directory (`dir`, unless one is given), the process's output
    (`log_path`; stderr too, unless separate_stderr) and a config file when `config` is given. It
    survives stop() and kill(), so start() again (or restart()) runs on the same data and port: that is
    how persistence and crash recovery are tested. cleanup() stops the process and removes `root`.

    The command line is `binary [config file] --port P --bind 127.0.0.1 --dir D [--requirepass PW] *args`;
    the server must take redis-server-style `--option value` arguments. Subclasses may override
    server_args(), environment() and problems().

    Each start's process is stopped by its pid only. An exit nobody asked for (code != 0 after SIGTERM,
    dying on its own, outliving SIGTERM by stop_timeout) is recorded and reported by problems() and
    cleanup(); kill() and wait() exits are the caller's business and are not.
    """

    host = HOST
    ready_timeout = 10.0  # seconds from spawn to an answered PING
    stop_timeout = 10.0  # seconds a server may take to exit after SIGTERM before it gets SIGKILL

    def __init__(self, binary=None, args=(), *, password=None, port=None, dir=None, config=None, env=None,
                 separate_stderr=False, ready_timeout=None, stop_timeout=None):
        """binary: path of the server (None: find_binary()). args: extra command-line arguments.
        password: passed as --requirepass and used by the readiness PING and the clients.
        port: default a free loopback port. dir: the data directory (default <root>/data; a given one
        is created if missing and never removed). config: text of a config file to pass first.
        env: variables to set (None as a value removes one) over os.environ.
        separate_stderr: stderr goes to <root>/server.stderr instead of the log."""
        if isinstance(args, (str, bytes)):
            raise TypeError("args is a sequence of arguments, e.g. ['--appendfsync', 'always']")
        self.binary = binary if binary is not None else find_binary()[0]
        self.args = [str(a) for a in args]
        self.password = password
        self.port = port if port is not None else free_port()
        self.env = dict(env or {})
        if ready_timeout is not None:
            self.ready_timeout = ready_timeout
        if stop_timeout is not None:
            self.stop_timeout = stop_timeout
        self.root = tempfile.mkdtemp(prefix="redrock-pytest-")
        self.dir = dir if dir is not None else os.path.join(self.root, "data")
        self.log_path = os.path.join(self.root, "server.log")
        self.stderr_path = os.path.join(self.root, "server.stderr") if separate_stderr else None
        self.config_file = None
        if config is not None:
            self.write_config(config)
        self.proc = None
        self.pid = None  # of the latest start, kept after it exits
        self.returncode = None  # of the latest start once it has exited
        self.starts = 0
        self.bad_exits = []  # one line per exit that was not the one asked for
        self._cleaned = False

    # ---- what is run ----------------------------------------------------------------------------------

    def write_config(self, text):
        """Writes <root>/redis.conf and passes it as the first argument from the next start on."""
        self.config_file = os.path.join(self.root, "redis.conf")
        with open(self.config_file, "w") as f:
            f.write(text)
        return self.config_file

    def server_args(self):
        """The arguments that put the server on its port, address and directory (and password)."""
        args = ["--port", str(self.port), "--bind", HOST, "--dir", self.dir]
        if self.password is not None:
            args += ["--requirepass", self.password]
        return args

    def command_line(self):
        config = [self.config_file] if self.config_file else []
        return [self.binary] + config + self.server_args() + self.args

    def environment(self):
        """The process's environment: os.environ with `env` applied."""
        result = dict(os.environ)
        for name, value in self.env.items():
            if value is None:
                result.pop(name, None)
            else:
                result[name] = value
        return result

    # ---- where to reach it ----------------------------------------------------------------------------

    @property
    def address(self):
        return (HOST, self.port)

    @property
    def url(self):
        auth = f":{urllib.parse.quote(self.password, safe='')}@" if self.password is not None else ""
        return f"redis://{auth}{HOST}:{self.port}"

    def client(self, **kwargs):
        """A new redis.Redis of this server (the caller closes it); kwargs go to redis.Redis."""
        import redis
        kwargs.setdefault("password", self.password)
        return redis.Redis(host=HOST, port=self.port, **kwargs)

    def async_client(self, **kwargs):
        """A new redis.asyncio.Redis of this server (the caller closes it)."""
        import redis.asyncio
        kwargs.setdefault("password", self.password)
        return redis.asyncio.Redis(host=HOST, port=self.port, **kwargs)

    # ---- life cycle -----------------------------------------------------------------------------------

    @property
    def running(self):
        """True while the latest start's process has not been reaped (it may have just exited)."""
        return self.proc is not None

    def start(self, wait=True):
        """Spawns the server; with wait, returns once it answers PING, else ServerStartError (the process
        is then gone). Returns self."""
        if self.proc is not None:
            raise RuntimeError(f"server on port {self.port} is already running (pid {self.pid})")
        if self._cleaned:
            raise RuntimeError("server was cleaned up; its directory is gone")
        os.makedirs(self.dir, exist_ok=True)
        self.starts += 1
        argv = self.command_line()
        with open(self.log_path, "ab") as log:
            log.write(f"=== redrock_pytest: start {self.starts}: {shlex.join(argv)}\n".encode())
            log.flush()
            err = open(self.stderr_path, "ab") if self.stderr_path else subprocess.STDOUT
            try:
                self.proc = subprocess.Popen(argv, stdout=log, stderr=err, stdin=subprocess.DEVNULL,
                                             env=self.environment())
            finally:
                if self.stderr_path:
                    err.close()
        self.pid = self.proc.pid
        self.returncode = None
        _live.add(self)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=None):
        """Waits until the server answers PING; ServerStartError (the process is gone) if it exits or
        the timeout (default ready_timeout) runs out."""
        timeout = self.ready_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self._reap()
                raise ServerStartError(f"{self.binary} exited with code {code} during startup:\n"
                                       f"{self.log_tail()}")
            reply = raw_ping(self.port, self.password)
            if reply and reply.endswith(b"+PONG\r\n"):
                return
            time.sleep(0.02)
        self.stop(kill=True)
        raise ServerStartError(f"{self.binary} did not answer PING on port {self.port} within {timeout}s:\n"
                               f"{self.log_tail()}")

    def wait(self, timeout=None):
        """Waits for an exit the caller expects (a refused config, say) and returns its code, which is then
        not a problem(); subprocess.TimeoutExpired if it runs on. None if no process was running."""
        if self.proc is None:
            return None
        self.proc.wait(timeout=timeout)
        return self._reap()

    def stop(self, kill=False, timeout=None):
        """SIGTERM (SIGKILL with kill=True) to the pid, wait, and SIGKILL if it outlives the timeout
        (default stop_timeout).

        Returns the exit code (negative: killed by that signal), None if it had to be killed after
        ignoring SIGTERM or if nothing was running. Any exit but 0 after SIGTERM or -9 after kill=True is
        recorded as a problem.
        """
        if self.proc is None:
            return None
        timeout = self.stop_timeout if timeout is None else timeout
        code = self.proc.poll()
        if code is not None:
            if code != 0:
                self.bad_exits.append(f"start {self.starts} (pid {self.pid}): exited on its own with "
                                      f"code {code}")
            return self._reap()
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.bad_exits.append(f"start {self.starts} (pid {self.pid}): ignored SIGTERM for {timeout}s "
                                  f"and was killed")
            self._reap()
            return None
        if code != (-signal.SIGKILL if kill else 0):
            self.bad_exits.append(f"start {self.starts} (pid {self.pid}): exit code {code} after "
                                  f"{'SIGKILL' if kill else 'SIGTERM'}")
        return self._reap()

    def kill(self):
        """SIGKILL, as a crash would: no shutdown code runs. Returns the exit code (-9)."""
        return self.stop(kill=True)

    def restart(self, kill=False):
        """stop() (or kill()), then start() on the same directory, port and arguments. Returns self."""
        self.stop(kill=kill)
        return self.start()

    def _reap(self):
        self.returncode = self.proc.wait()
        self.proc = None
        _live.discard(self)
        return self.returncode

    # ---- output and health ----------------------------------------------------------------------------

    def output_paths(self):
        """The files the process's stdout and stderr went to."""
        return [self.log_path] + ([self.stderr_path] if self.stderr_path else [])

    @staticmethod
    def _read(path):
        try:
            with open(path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log(self):
        """Everything the server wrote to its log (stdout, and stderr unless separate), every start."""
        return self._read(self.log_path)

    def stderr(self):
        """What the server wrote to stderr ('' unless separate_stderr)."""
        return self._read(self.stderr_path) if self.stderr_path else ""

    def log_tail(self, n=4000):
        text = self.log()[-n:]
        if self.stderr_path:
            text += "\n--- stderr:\n" + self.stderr()[-n:]
        return text

    def wait_for_log(self, pattern, timeout=10.0):
        """True once the log matches the regular expression, False after timeout or an exit without it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.log()):
                return True
            if self.proc is None or self.proc.poll() is not None:
                return bool(re.search(pattern, self.log()))
            time.sleep(0.02)
        return False

    def problems(self):
        """What went wrong with the process itself, one text per problem ([] when nothing).

        The base class reports bad exits; a subclass may add its own (sanitizer reports, say).
        """
        return list(self.bad_exits)

    def health_problems(self):
        """problems() with the server's port and log tail, as one text ('' when there are none)."""
        found = self.problems()
        if not found:
            return ""
        return "\n".join([f"server on port {self.port} ({self.binary}):"] + found +
                         ["log tail:", self.log_tail()])

    def cleanup(self):
        """Stops the server (SIGTERM, then SIGKILL), removes `root`, and raises AssertionError with
        health_problems() if there were any. A second call does nothing."""
        if self._cleaned:
            return
        try:
            self.stop()
            problems = self.health_problems()
        finally:
            self._cleaned = True
            shutil.rmtree(self.root, ignore_errors=True)
        if problems:
            raise AssertionError(problems)

    def __enter__(self):
        if self.proc is None:
            try:
                self.start()
            except BaseException:
                self.cleanup()
                raise
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def __repr__(self):
        state = f"pid {self.pid}" if self.proc is not None else "stopped"
        return f"<{type(self).__name__} {HOST}:{self.port} {state} dir={self.dir}>"


@atexit.register
def _kill_leftovers():
    """A process that exits without its fixtures' teardown (an interrupted run) still stops its servers."""
    for server in list(_live):
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
