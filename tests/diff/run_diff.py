#!/usr/bin/python3
r"""Differential test: the same command scripts sent to real redis-server and to redrock, replies compared
byte for byte.

Usage:
    run_diff.py --redrock PATH --redis /usr/bin/redis-server [-v] [SCRIPT ...]

Without SCRIPT arguments every tests/diff/*.txt next to this file is run, in name order. Each script starts
on a fresh connection (RESP2, db 0) after FLUSHALL on both servers. Exit status is 0 only if every reply of
every script matched; the last line printed is "N passed, M failed".

Script syntax (one command per line):
    # a comment            lines whose first non-blank character is '#' are ignored, as are blank lines
    SET key "a value"      arguments are separated by blanks
    "..."                  double quotes: \\ \" \n \r \t \0 and \xHH escapes, like redis-cli
    '...'                  single quotes: literal text, only \' is an escape
    ""                     an empty argument
    @sort KEYS *           leading @markers change how the reply is compared (never whether it is):
      @sort    the reply is an array whose order Redis leaves unspecified: its elements are sorted before
               comparing. A two-element reply [scalar, array] (SCAN's [cursor, [keys]]) has its inner array
               sorted instead, and the cursor compared as is.
      @hello   a HELLO reply: the values of the fields "server", "version" and "id" are masked (they differ
               between any two servers); every other byte is compared. Error replies are compared whole.
      @inline  send the command in the inline form (arguments joined by one space, CRLF) instead of
               as a RESP multibulk; no argument may then contain blanks, quotes, or be empty.
      @extra=N the command is answered by N more frames after its reply (SUBSCRIBE a b c: three
               confirmations; a RESP3 PUBLISH to a channel the client itself is subscribed to: the
               message push, then the reply). All 1+N frames are read and compared, in order.
      @noreply the command is not answered (CLIENT REPLY OFF or SKIP silenced it): nothing is read for it,
               so a frame it wrongly sends is read as the next command's reply and mismatches there.
               With @extra=N, N frames are read (pushes that get through the silence: SUBSCRIBE a b).
      @fields=a,b  an INFO reply (a bulk or verbatim string): the "a:value" and "b:value" lines are
               compared, in that order (a field either server lacks compares as missing). For counters
               that a script determines exactly (keyspace_hits), where the rest of INFO is not.
    A literal first argument that starts with '@' must be quoted.
    QUIT is followed by a reconnect (state such as SELECT/HELLO is then reset, as for a new client).

There is deliberately no marker that skips a comparison: commands whose replies vary between runs
(TIME, INFO, PTTL, RANDOMKEY, TTL long after EXPIRE...) do not belong in the scripts, except INFO
through @fields, which compares the named fields exactly.
"""

import argparse
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import sanitizer  # noqa: E402 (tests/python/sanitizer.py: reports of the sanitizer build's server)

HOST = "127.0.0.1"
REPLY_TIMEOUT_S = 5.0
READY_TIMEOUT_S = 10.0


# ---------------------------------------------------------------------------------------------------------
# Script parsing


class ScriptError(Exception):
    pass


MARKERS = {"@sort", "@hello", "@inline", "@noreply"}


def extra_frames(markers):
    """N from an @extra=N marker, else 0."""
    for m in markers:
        if m.startswith("@extra="):
            return int(m[len("@extra="):])
    return 0


def info_fields(markers):
    """The field names of an @fields=a,b marker (bytes), else None."""
    for m in markers:
        if m.startswith("@fields="):
            return [f.encode() for f in m[len("@fields="):].split(",")]
    return None


def _is_marker(m):
    if m in MARKERS:
        return True
    if m.startswith("@fields="):
        return all(f and all(ch.isalnum() or ch == "_" for ch in f) for f in m[len("@fields="):].split(","))
    return m.startswith("@extra=") and m[len("@extra="):].isdigit() and int(m[len("@extra="):]) > 0


def tokenize(line, lineno):
    """Splits one script line into (markers, args); args are bytes."""
    args = []
    quoted = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t":
            i += 1
            continue
        if c in "\"'":
            arg, i = _read_quoted(line, i, lineno)
            args.append(arg)
            quoted.append(True)
        else:
            j = i
            while j < n and line[j] not in " \t":
                if line[j] in "\"'":
                    raise ScriptError(f"line {lineno}: quote inside an unquoted argument")
                j += 1
            args.append(line[i:j].encode())
            quoted.append(False)
            i = j
        if i < n and line[i] not in " \t":
            raise ScriptError(f"line {lineno}: quoted argument must be followed by a blank")
    markers = set()
    while args and not quoted[0] and args[0].startswith(b"@"):
        m = args.pop(0).decode()
        quoted.pop(0)
        if not _is_marker(m):
            raise ScriptError(f"line {lineno}: unknown marker {m}")
        markers.add(m)
    if not args:
        raise ScriptError(f"line {lineno}: no command")
    return markers, args


def _read_quoted(line, i, lineno):
    r"""Reads the quoted argument whose opening quote is line[i]; returns (bytes, index after the closing
    quote). Double quotes take \\ \" \n \r \t \0 and \xHH escapes (any other backslash stays as written);
    single quotes only \'."""
    quote = line[i]
    kind = "double" if quote == '"' else "single"
    out = bytearray()
    i += 1
    n = len(line)
    while True:
        if i >= n:
            raise ScriptError(f"line {lineno}: unterminated {kind} quote")
        c = line[i]
        if c == quote:
            return bytes(out), i + 1
        if c == "\\" and i + 1 < n:
            e = line[i + 1]
            if quote == "'":
                if e == "'":
                    out += b"'"
                    i += 2
                    continue
            elif e == "x" and i + 3 < n and _is_hex(line[i + 2:i + 4]):
                out.append(int(line[i + 2:i + 4], 16))
                i += 4
                continue
            else:
                out += {"n": b"\n", "r": b"\r", "t": b"\t", "0": b"\0", "\\": b"\\", '"': b'"'}.get(
                    e, ("\\" + e).encode())
                i += 2
                continue
        out += c.encode()
        i += 1


def _is_hex(s):
    return len(s) == 2 and all(ch in "0123456789abcdefABCDEF" for ch in s)


def load_script(path):
    steps = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            markers, args = tokenize(line, lineno)
            if "@inline" in markers:
                for a in args:
                    if not a or any(ch in a for ch in b" \t\r\n\"'"):
                        raise ScriptError(f"line {lineno}: @inline argument {a!r} cannot be sent inline")
            steps.append((lineno, stripped, markers, args))
    return steps


def encode_command(args, inline=False):
    if inline:
        return b" ".join(args) + b"\r\n"
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


# ---------------------------------------------------------------------------------------------------------
# RESP2/RESP3 reply reading


class Node:
    """One reply: its type byte, its header line (without CRLF), children for aggregates, raw bytes."""

    __slots__ = ("kind", "header", "children", "raw")

    def __init__(self, kind, header, children, raw):
        self.kind, self.header, self.children, self.raw = kind, header, children, raw

    def is_aggregate(self):
        return self.children is not None


class ConnectionLost(Exception):
    pass


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.pos = 0

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise ConnectionLost(f"no reply within {REPLY_TIMEOUT_S}s") from None
        except OSError as e:
            raise ConnectionLost(f"socket error: {e}") from None
        if not chunk:
            raise ConnectionLost("connection closed by server")
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = self.buf[self.pos:end]
                self.pos = end + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = self.buf[self.pos:self.pos + n]
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ConnectionLost("protocol error: bulk payload not followed by CRLF")
        self.pos += n + 2
        return data

    def read(self):
        line = self._line()
        if not line:
            raise ConnectionLost("protocol error: empty reply line")
        kind = line[:1]
        head = line + b"\r\n"
        if kind in b"$!=":
            try:
                n = int(line[1:])
            except ValueError:
                raise ConnectionLost(f"protocol error: bad length in {line!r}") from None
            if n < 0:
                return Node(kind, line, None, head)
            payload = self._exact(n)
            return Node(kind, line, None, head + payload + b"\r\n")
        if kind in b"*~>%|":
            try:
                n = int(line[1:])
            except ValueError:
                raise ConnectionLost(f"protocol error: bad count in {line!r}") from None
            if n < 0:
                return Node(kind, line, None, head)
            count = 2 * n if kind in b"%|" else n
            children = [self.read() for _ in range(count)]
            node = Node(kind, line, children, head + b"".join(c.raw for c in children))
            if kind == b"|":  # an attribute precedes the reply it annotates: keep both together
                real = self.read()
                return Node(real.kind, real.header, real.children, node.raw + real.raw)
            return node
        if kind in b"+-:_,#(":
            return Node(kind, line, None, head)
        raise ConnectionLost(f"protocol error: unknown reply type {line[:40]!r}")


def scalar_text(node):
    """The text of a simple or bulk string reply (b"" for anything else)."""
    if node.kind in (b"+", b"-"):
        return node.header[1:]
    if node.kind == b"$" and not node.is_aggregate():
        return node.raw[len(node.header) + 2:-2]
    return b""


def info_field_lines(node, names):
    """The "name:value" lines of an INFO reply for `names`, in that order; b"name:<missing>" for absent
    ones. A reply that is not a string compares whole."""
    if node.kind not in (b"$", b"=") or node.is_aggregate() or node.header in (b"$-1", b"=-1"):
        return node.raw
    text = node.raw[len(node.header) + 2:-2]
    if node.kind == b"=":
        text = text[4:]  # the verbatim string's "txt:"
    values = {}
    for line in text.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep and not line.startswith(b"#"):
            values[name] = value
    return b"".join(b"%s:%s\r\n" % (n, values.get(n, b"<missing>")) for n in names)


def normalize(node, markers):
    """The bytes that are compared for this reply."""
    fields = info_fields(markers)
    if fields is not None:
        return info_field_lines(node, fields)
    if "@sort" in markers and node.is_aggregate():
        kids = node.children
        head = node.header + b"\r\n"
        if len(kids) == 2 and not kids[0].is_aggregate() and kids[1].is_aggregate():
            inner = kids[1]
            inner_raw = inner.header + b"\r\n" + b"".join(sorted(c.raw for c in inner.children))
            return head + kids[0].raw + inner_raw
        return head + b"".join(sorted(c.raw for c in kids))
    if "@hello" in markers and node.is_aggregate() and node.kind in (b"%", b"*"):
        kids = node.children
        out = node.header + b"\r\n"
        for i in range(0, len(kids) - 1, 2):
            key, value = kids[i], kids[i + 1]
            name = scalar_text(key).lower()
            out += key.raw
            out += b"<masked>\r\n" if name in (b"server", b"version", b"id") else value.raw
        if len(kids) % 2:
            out += kids[-1].raw
        return out
    return node.raw


# ---------------------------------------------------------------------------------------------------------
# Servers


def is_real_redis(binary):
    return os.path.basename(binary).startswith("redis-server")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, label, binary):
        self.label = label
        self.binary = binary
        self.root = tempfile.mkdtemp(prefix=f"redrock-diff-{label}-")
        self.dir = os.path.join(self.root, "data")
        os.mkdir(self.dir)
        self.log_path = os.path.join(self.root, "server.log")
        self.proc = None
        self.port = None
        self.sock = None
        self.reader = None
        self.bad_exits = []  # exits other than 0 after SIGTERM (health_problems())

    def args(self):
        args = [self.binary, "--port", str(self.port), "--bind", HOST]
        if is_real_redis(self.binary):
            args += ["--save", "", "--appendonly", "no"]
        return args + ["--dir", self.dir]

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=3000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def start(self):
        if self.proc is not None:
            self.stop()  # a dead process: its exit code goes to bad_exits
        self.port = free_port()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=sanitizer.server_env(self.root))
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode} at startup:\n"
                                   f"{self.log_tail()}")
            try:
                self.connect()
                if self.call([b"PING"]) == b"+PONG\r\n":
                    return
            except (OSError, ConnectionLost):
                pass
            self.disconnect()
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.label} did not answer PING within {READY_TIMEOUT_S}s:\n{self.log_tail()}")

    def connect(self):
        self.disconnect()
        self.sock = socket.create_connection((HOST, self.port), timeout=REPLY_TIMEOUT_S)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = Reader(self.sock)

    def disconnect(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.reader = None

    def send(self, args, inline=False):
        try:
            self.sock.sendall(encode_command(args, inline))
        except OSError as e:
            raise ConnectionLost(f"send failed: {e}") from None

    def call(self, args, inline=False):
        self.send(args, inline)
        return self.reader.read().raw

    def stop(self):
        self.disconnect()
        if self.proc is None:
            return
        code = self.proc.poll()
        if code is not None:
            if code != 0:
                self.bad_exits.append(f"exited on its own with code {code}")
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=10)
                if code != 0:
                    self.bad_exits.append(f"exit code {code} after SIGTERM")
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.bad_exits.append("ignored SIGTERM for 10s and was killed")
        self.proc = None

    def cleanup(self):
        """Stops the server, removes its directory; returns what went wrong with the process ('' if nothing)."""
        self.stop()
        problems = list(self.bad_exits)
        reports = sanitizer.reports(self.root, [self.log_path])
        if reports:
            problems.append("sanitizer reports:\n" + reports)
        text = "\n".join([f"{self.label}:"] + problems + ["log tail:", self.log_tail()]) if problems else ""
        shutil.rmtree(self.root, ignore_errors=True)
        return text

    def describe_death(self):
        if self.proc is not None and self.proc.poll() is not None:
            return f"{self.label} process exited with {self.proc.returncode}; log tail:\n{self.log_tail(1500)}"
        return f"{self.label} process still running"


# ---------------------------------------------------------------------------------------------------------
# Running


def show(b):
    return repr(b)


def run_script(path, redis, redrock, verbose):
    """Returns (passed, failed) for one script."""
    name = os.path.basename(path)
    try:
        steps = load_script(path)
    except (ScriptError, OSError, UnicodeDecodeError) as e:
        print(f"{name}: cannot load script: {e}")
        return 0, 1
    servers = [redis, redrock]
    dead = {}
    for srv in servers:
        try:
            if not srv.alive():
                print(f"{name}: {srv.label} is not running; restarting it for this script")
                srv.start()
            srv.connect()
            reply = srv.call([b"FLUSHALL"])
            if reply != b"+OK\r\n":
                raise ConnectionLost(f"FLUSHALL replied {reply!r}")
        except (OSError, ConnectionLost, RuntimeError) as e:
            dead[srv.label] = f"setup failed: {e}"
    if redis.label in dead:
        print(f"{name}: reference redis-server unusable: {dead[redis.label]}")
        return 0, len(steps)

    passed = failed = 0
    for index, (lineno, text, markers, args) in enumerate(steps):
        inline = "@inline" in markers
        replies = {}
        for srv in servers:
            if srv.label in dead:
                replies[srv.label] = None
                continue
            try:
                srv.send(args, inline)
                reply = b""
                if "@noreply" not in markers:
                    reply = normalize(srv.reader.read(), markers)
                for _ in range(extra_frames(markers)):
                    reply += normalize(srv.reader.read(), markers)
                replies[srv.label] = reply
            except ConnectionLost as e:
                dead[srv.label] = str(e)
                replies[srv.label] = None
                print(f"{name}:{lineno}: {text}\n  {srv.label} connection lost: {e}\n  {srv.describe_death()}")
                srv.disconnect()
        if redis.label in dead:
            print(f"{name}:{lineno}: reference redis-server failed; abandoning the script")
            return passed, failed + (len(steps) - index)
        if redrock.label in dead:
            failed += len(steps) - index
            print(f"{name}: {len(steps) - index} commands from line {lineno} on counted as failed "
                  f"({redrock.label}: {dead[redrock.label]})")
            return passed, failed
        a, b = replies[redis.label], replies[redrock.label]
        if a == b:
            passed += 1
            if verbose:
                print(f"{name}:{lineno}: {text}\n  = {show(a)}")
        else:
            failed += 1
            print(f"{name}:{lineno}: MISMATCH {text}\n  redis:   {show(a)}\n  redrock: {show(b)}")
        if args[0].upper() == b"QUIT":
            for srv in servers:
                try:
                    srv.connect()
                except OSError as e:
                    dead[srv.label] = f"reconnect after QUIT failed: {e}"
    for srv in servers:
        srv.disconnect()
    return passed, failed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--redrock", required=True, help="server under test (redis-server's command line)")
    ap.add_argument("--redis", default="/usr/bin/redis-server", help="reference redis-server binary")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every command and its reply")
    ap.add_argument("scripts", nargs="*", help="script files (default: every *.txt beside this file)")
    opts = ap.parse_args()
    scripts = opts.scripts or sorted(glob.glob(os.path.join(here, "*.txt")))
    if not scripts:
        print("no scripts found")
        return 1

    redis = Server("redis", opts.redis)
    redrock = Server("redrock", opts.redrock)
    total_passed = total_failed = 0
    try:
        for srv in (redis, redrock):
            try:
                srv.start()
            except (RuntimeError, OSError) as e:
                print(f"cannot start {srv.label} ({srv.binary}): {e}")
        for path in scripts:
            p, f = run_script(path, redis, redrock, opts.verbose)
            print(f"{os.path.basename(path)}: {p} passed, {f} failed")
            total_passed += p
            total_failed += f
        for srv in (redis, redrock):
            if srv.proc is not None and not srv.alive():
                print(f"{srv.label} died during the run: {srv.describe_death()}")
                total_failed += 1
    finally:
        problems = [p for p in (redis.cleanup(), redrock.cleanup()) if p]
    for p in problems:
        print(p)
        total_failed += 1
    print(f"{total_passed} passed, {total_failed} failed")
    return 0 if total_failed == 0 and total_passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
