"""SCAN-family iteration through redis-py, against the server under test.

A SCAN cursor must always lead to cursor 0: redis-py's scan_iter() loops until it does, so a server that
restarts an iteration (as redrock once did after returning the empty key) hangs every caller. Every
expected value here is what real Redis 7.0 answers (run the file with REDROCK_SERVER=/usr/bin/redis-server
to check).
"""

import itertools

import redis


def client(server):
    host, port = server
    return redis.Redis(host=host, port=port, socket_timeout=5)


def full_scan(r, count, match=None, limit=100000):
    """Every key of one whole SCAN iteration, in order returned (duplicates kept); bounded."""
    keys, cursor, calls = [], 0, 0
    while True:
        cursor, batch = r.scan(cursor=cursor, match=match, count=count)
        keys.extend(batch)
        calls += 1
        assert calls < limit, "SCAN did not return cursor 0"
        if cursor == 0:
            return keys


def test_scan_iter_ends_with_the_empty_key(server):
    r = client(server)
    names = [b"", b"a", b"abc", b"abcd", b"b", b"\x00", b"\xff"]
    for k in names:
        r.set(k, "v")
    for count in range(1, len(names) + 2):
        got = full_scan(r, count)
        assert sorted(got) == sorted(names), count
    # scan_iter() itself: bounded by islice, so a regression fails instead of hanging.
    got = list(itertools.islice(r.scan_iter(count=1), 1000))
    assert sorted(got) == sorted(names)
    # A MATCH whose literal prefix is itself a key.
    assert sorted(full_scan(r, 1, match="abc*")) == [b"abc", b"abcd"]
    assert full_scan(r, 1, match="") == [b""]
    assert full_scan(r, 100, match="") == [b""]


def test_every_key_exactly_once_with_thousands_of_keys(server):
    r = client(server)
    names = {f"key:{i}".encode() for i in range(3000)} | {b""}
    pipe = r.pipeline(transaction=False)
    for k in names:
        pipe.set(k, "v")
    pipe.execute()
    for count in (1, 2, 7, 100, 1000, 5000):
        got = full_scan(r, count)
        assert len(got) == len(names), count
        assert set(got) == names, count
    got = list(itertools.islice(r.scan_iter(count=10), 10000))
    assert len(got) == len(names) and set(got) == names
    assert len(set(itertools.islice(r.scan_iter(match="key:1*", count=3), 10000))) == 1111


def test_collection_scans_match_empty_only_matches_empty(server):
    r = client(server)
    for size in (3, 300):  # a small collection comes back whole; a large one by cursor
        members = [b""] + [f"m{i}".encode() for i in range(1, size)]
        r.hset(f"h{size}", mapping={m: 1 for m in members})
        r.sadd(f"s{size}", *members)
        r.zadd(f"z{size}", {m: 1 for m in members})
        assert [f for f, _ in r.hscan_iter(f"h{size}", match="", count=7)] == [b""]
        assert list(r.sscan_iter(f"s{size}", match="", count=7)) == [b""]
        assert [m for m, _ in r.zscan_iter(f"z{size}", match="", count=7)] == [b""]
        assert sorted(f for f, _ in r.hscan_iter(f"h{size}", count=7)) == sorted(members)
        assert sorted(r.sscan_iter(f"s{size}", count=7)) == sorted(members)
