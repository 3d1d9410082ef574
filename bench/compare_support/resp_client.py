"""A small blocking RESP2 client (standard library only) for loading keys and timing KEYS.

It is what compare.py needs and nothing more: send commands (one or a pipelined batch) and parse replies.
Error replies come back as RespError values rather than exceptions, so callers can tell "the server said
no" (e.g. -LOADING during a restart) from "the connection broke" (OSError / ConnectionError).
"""

import socket


class RespError(str):
    """An error reply's text, without the leading '-'."""


def encode_command(*args):
    """One command as a RESP multibulk. Arguments may be str, bytes or int."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        elif isinstance(arg, int):
            arg = b"%d" % arg
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(parts)


class RespClient:
    def __init__(self, host, port, timeout=30.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- sending -------------------------------------------------------------------------------

    def send_raw(self, data):
        self.sock.sendall(data)

    def call(self, *args):
        self.sock.sendall(encode_command(*args))
        return self.read_reply()

    # ---- reading -------------------------------------------------------------------------------

    def _fill(self):
        if self.pos > 0 and self.pos >= len(self.buf) // 2:
            del self.buf[: self.pos]
            self.pos = 0
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = bytes(self.buf[self.pos : end])
                self.pos = end + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n + 2
        return data

    def read_reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read_reply() for _ in range(n)]
        raise ConnectionError("unexpected reply line %r" % line[:80])

    def expect_ok_replies(self, count):
        """Reads `count` replies that must all be +OK (the fast path of a pipelined load)."""
        want = b"+OK\r\n" * count
        while len(self.buf) - self.pos < len(want):
            self._fill()
        got = bytes(self.buf[self.pos : self.pos + len(want)])
        if got == want:
            self.pos += len(want)
            return
        # Something else came back: parse reply by reply to report the first error.
        for _ in range(count):
            reply = self.read_reply()
            if reply != "OK":
                raise RuntimeError("load failed: the server replied %r" % (reply,))


def load_keys(client, count, key_fn, value_fn, batch=2000):
    """SETs count keys through one pipelined connection, `batch` commands per round trip."""
    for start in range(0, count, batch):
        end = min(count, start + batch)
        client.send_raw(b"".join(encode_command(b"SET", key_fn(i), value_fn(i)) for i in range(start, end)))
        client.expect_ok_replies(end - start)
