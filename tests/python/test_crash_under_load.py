"""kill -9 while 8 clients pipeline writes, in each appendfsync mode: no acknowledged write is lost.

Each client sends its own cycle of SET, INCR, HSET, LPUSH, ZADD, SETEX on keys of its own, plus an INCR
of one counter all clients share, in pipelined batches of random size, and counts the replies it has read
(its acknowledged commands) and the commands it has sent. The server is killed (SIGKILL) at a random moment
of the load and restarted on the same directory.

What is guaranteed, and asserted exactly: a client's commands run in order, and each is in the write-ahead
log (in the kernel, which a process kill does not lose) before its reply leaves, in every appendfsync mode.
So what survives of one client's commands is a prefix of what it sent, at least as long as what it had
acknowledged: its keys must be exactly the state after its first P commands for some P between its
acknowledged and its sent count. An unacknowledged command may or may not have been applied, but only in
that order. Since the shared INCR is the one command whose effect is not visible in the client's own keys,
the cut point P of a client is known up to at most one shared INCR, and the shared counter must lie between
the sums of the smallest and largest cut points. DBSIZE and the key list must be exactly the keys those
states imply.

The randomness (batch sizes, the moment of the kill) comes from one seed, printed in every failure message;
REDROCK_CRASH_SEED=<n> repeats a run.
"""

import os
import random
import socket
import threading
import time

import pytest
import redis

from conftest import HOST

CLIENTS = 8
SETEX_SECONDS = 1000  # far beyond the test: every SETEX key must still be there, with a TTL
KILL_AFTER_S = (0.4, 1.6)  # the kill comes this long after every client has read its first reply
LOAD_START_TIMEOUT_S = 10.0
SHARED_COUNTER = "shared:ctr"
KINDS = ("set", "incr", "hset", "lpush", "zadd", "setex", "incr_shared")


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    """One connection's script: command n is KINDS[n % 7] on this client's keys (or the shared counter)."""

    def __init__(self, index, seed, port):
        self.index = index
        self.rng = random.Random(seed * 1000 + index)
        self.port = port
        self.prefix = f"c{index}:"
        self.sent = 0  # commands written to the socket (or being written when it broke)
        self.acked = 0  # commands whose reply was read
        self.error = None  # a reply that was not the expected one: a failure of its own
        self.first_reply = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def command(self, n):
        p, kind = self.prefix, KINDS[n % len(KINDS)]
        if kind == "set":
            return encode("SET", f"{p}s:{n}", f"v{n}")
        if kind == "incr":
            return encode("INCR", f"{p}ctr")
        if kind == "hset":
            return encode("HSET", f"{p}h", f"f{n}", f"v{n}")
        if kind == "lpush":
            return encode("LPUSH", f"{p}l", f"e{n}")
        if kind == "zadd":
            return encode("ZADD", f"{p}z", n, f"m{n}")
        if kind == "setex":
            return encode("SETEX", f"{p}x:{n}", SETEX_SECONDS, f"v{n}")
        return encode("INCR", SHARED_COUNTER)

    def expected_reply(self, n):
        """The reply command n must get (None: any integer, for the shared counter)."""
        kind = KINDS[n % len(KINDS)]
        if kind in ("set", "setex"):
            return b"+OK"
        if kind in ("incr", "lpush"):
            return b":%d" % (n // len(KINDS) + 1)  # the client's own counter / list length after it
        if kind in ("hset", "zadd"):
            return b":1"
        return None

    def run(self):
        try:
            sock = socket.create_connection((HOST, self.port), timeout=10)
        except OSError as e:
            self.error = f"connect failed: {e}"
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        try:
            while True:
                batch = self.rng.randint(1, 48)
                first = self.sent
                self.sent += batch
                sock.sendall(b"".join(self.command(n) for n in range(first, first + batch)))
                while self.acked < self.sent:
                    end = buf.find(b"\r\n")
                    while end < 0:
                        chunk = sock.recv(65536)
                        if not chunk:
                            return  # the server is gone
                        buf += chunk
                        end = buf.find(b"\r\n")
                    line, buf = buf[:end], buf[end + 2:]
                    want = self.expected_reply(self.acked)
                    if (want is None and not line.startswith(b":")) or (want is not None and line != want):
                        self.error = f"command {self.acked} ({KINDS[self.acked % 7]}) got {line!r}, want {want!r}"
                        return
                    self.acked += 1
                    self.first_reply.set()
        except OSError:
            return  # reset by the kill
        finally:
            sock.close()

    def states(self, first, last):
        """(p, this client's keys after its first p commands) for p = first..last, as read_state gives them.

        Built incrementally: one pass over the commands, a snapshot per p from `first` on.
        """
        p = self.prefix
        strings, counter, hash_fields, list_items, zset = {}, 0, {}, [], []
        for n in range(last + 1):
            if n >= first:
                state = dict(strings)
                if counter:
                    state[f"{p}ctr"] = ("string", str(counter).encode())
                if hash_fields:
                    state[f"{p}h"] = ("hash", dict(hash_fields))
                if list_items:
                    state[f"{p}l"] = ("list", list_items[::-1])
                if zset:
                    state[f"{p}z"] = ("zset", list(zset))
                yield n, state
            kind = KINDS[n % len(KINDS)]
            if kind == "set":
                strings[f"{p}s:{n}"] = ("string", f"v{n}".encode())
            elif kind == "incr":
                counter += 1
            elif kind == "hset":
                hash_fields[f"f{n}".encode()] = f"v{n}".encode()
            elif kind == "lpush":
                list_items.append(f"e{n}".encode())
            elif kind == "zadd":
                zset.append((f"m{n}".encode(), float(n)))
            elif kind == "setex":
                strings[f"{p}x:{n}"] = ("setex", f"v{n}".encode())

    def state_after(self, count):
        return next(self.states(count, count))[1]

    def shared_incrs(self, count):
        return sum(1 for n in range(count) if KINDS[n % len(KINDS)] == "incr_shared")


def read_state(r, keys):
    """What the restarted server holds for `keys`, in state_after's form ({} entries for missing keys)."""
    pipe = r.pipeline(transaction=False)
    for k in keys:
        pipe.type(k)
    types = pipe.execute()
    pipe = r.pipeline(transaction=False)
    readers = []
    for k, t in zip(keys, types):
        t = t.decode()
        if t == "string":
            pipe.get(k)
            pipe.ttl(k)
        elif t == "hash":
            pipe.hgetall(k)
        elif t == "list":
            pipe.lrange(k, 0, -1)
        elif t == "zset":
            pipe.zrange(k, 0, -1, withscores=True)
        readers.append((k, t))
    replies = iter(pipe.execute())
    state, ttls = {}, {}
    for k, t in readers:
        if t == "none":
            continue
        if t == "string":
            value, ttl = next(replies), next(replies)
            ttls[k] = ttl
            state[k] = ("setex" if ttl != -1 else "string", value)
        elif t == "zset":
            state[k] = (t, list(next(replies)))
        else:
            state[k] = (t, next(replies))
    return state, ttls


@pytest.mark.parametrize("appendfsync", ["always", "everysec", "no"])
def test_kill_9_under_pipelined_load_loses_no_acknowledged_write(server_factory, appendfsync):
    seed = int(os.environ.get("REDROCK_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    where = f"appendfsync {appendfsync}, seed {seed} (REDROCK_CRASH_SEED={seed} repeats it)"
    srv = server_factory(persistent=True, args=["--appendfsync", appendfsync])

    clients = [Client(i, seed, srv.port) for i in range(CLIENTS)]
    for c in clients:
        c.thread.start()
    deadline = time.monotonic() + LOAD_START_TIMEOUT_S
    for c in clients:
        assert c.first_reply.wait(max(0.0, deadline - time.monotonic())), \
            f"client {c.index} got no reply: {c.error} ({where})"
    time.sleep(rng.uniform(*KILL_AFTER_S))
    busy = sum(1 for c in clients if c.thread.is_alive())
    srv.stop(kill=True)
    for c in clients:
        c.thread.join(10)
        assert not c.thread.is_alive(), f"client {c.index} still running after the kill ({where})"
    errors = [f"client {c.index}: {c.error}" for c in clients if c.error]
    assert not errors, f"wrong replies before the kill ({where}): {errors}"
    # The kill landed in the middle of the load: every client had read a reply and was still writing.
    assert busy == CLIENTS, f"only {busy} clients were still writing at the kill ({where})"

    srv.start()
    r = redis.Redis(host=HOST, port=srv.port, socket_timeout=10)
    try:
        all_keys = set(k.decode() for k in r.scan_iter(count=1000))
        expected_keys = set()
        shared_low = shared_high = 0
        for c in clients:
            # Every key the client may have written, and what the server holds for them.
            candidates = sorted(c.state_after(c.sent))
            held, ttls = read_state(r, candidates)
            for k, ttl in ttls.items():
                if k in held and held[k][0] == "setex":
                    assert 0 < ttl <= SETEX_SECONDS, f"{k}: TTL {ttl} ({where})"
            acked_state = c.state_after(c.acked)
            lost = [k for k, v in acked_state.items() if k.split(":")[1] in ("s", "x") and held.get(k) != v]
            assert not lost, (f"client {c.index}: {len(lost)} acknowledged SET/SETEX keys lost or wrong, "
                              f"e.g. {lost[:3]} -> {[held.get(k) for k in lost[:3]]} ({where})")
            # The cut points P (acked <= P <= sent) whose state is exactly what the server holds.
            cuts = [p for p, state in c.states(c.acked, c.sent) if state == held]
            if not cuts:
                diff = {k: (acked_state.get(k), held.get(k))
                        for k in set(acked_state) | set(held) if acked_state.get(k) != held.get(k)}
                pytest.fail(f"client {c.index} (acked {c.acked}, sent {c.sent}): the server's state is not "
                            f"the state after any prefix of its commands that holds every acknowledged one; "
                            f"(after acked, held) where they differ: {dict(list(diff.items())[:4])} ({where})")
            # Cut points that match differ only by shared INCRs (the one command invisible in own keys).
            assert c.shared_incrs(cuts[-1]) - c.shared_incrs(cuts[0]) <= 1, (cuts, where)
            shared_low += c.shared_incrs(cuts[0])
            shared_high += c.shared_incrs(cuts[-1])
            expected_keys |= set(held)
        shared = int(r.get(SHARED_COUNTER) or 0)
        assert shared_low <= shared <= shared_high, \
            f"{SHARED_COUNTER} is {shared}, must be in [{shared_low}, {shared_high}] ({where})"
        if shared:
            expected_keys.add(SHARED_COUNTER)
        assert all_keys == expected_keys, \
            f"unexpected keys {sorted(all_keys - expected_keys)[:5]}, " \
            f"missing keys {sorted(expected_keys - all_keys)[:5]} ({where})"
        assert r.dbsize() == len(expected_keys), \
            f"DBSIZE {r.dbsize()}, keys that must exist {len(expected_keys)} ({where})"
    finally:
        r.close()
