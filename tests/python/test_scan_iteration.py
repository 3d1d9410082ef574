"""SCAN-family iteration through redis-py, and INFO's section selection, against the server under test.

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


def sections(info_text):
    return [line[2:] for line in info_text.split("\r\n") if line.startswith("# ")]


DEFAULT = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
           "Errorstats", "Cluster", "Keyspace"]
ALL = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
       "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"]


def test_info_section_selection(server):
    host, port = server
    r = redis.Redis(host=host, port=port, socket_timeout=5, decode_responses=True)
    r.set_response_callback("INFO", lambda reply, **kwargs: reply)  # the raw text, not redis-py's dict

    def info(*args):
        return r.execute_command("INFO", *args)

    r.set("k", "v")
    assert sections(info()) == DEFAULT
    assert sections(info("default")) == DEFAULT
    assert sections(info("all")) == ALL
    assert sections(info("everything")) == ALL
    assert sections(info("server", "clients")) == ["Server", "Clients"]
    assert sections(info("CLIENTS", "server")) == ["Server", "Clients"]  # Redis's order, any case
    assert sections(info("cpu", "default")) == DEFAULT
    assert sections(info("cpu", "all")) == ALL
    assert sections(info("cpu", "cpu")) == ["CPU"]
    assert sections(info("module_list")) == ["Modules"]
    assert sections(info("nosuchsection")) == []
    assert sections(info("cpu", "nosuchsection")) == ["CPU"]


def info_fields(r, section):
    """INFO <section> as {name: value}, with "a=1,b=2" values as {a: 1, b: 2} (parsed here, not by redis-py,
    whose parsing of such values varies between its versions)."""
    out = {}
    for line in r.execute_command("INFO", section).split("\r\n"):
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition(":")
        if "=" in value:
            value = {k: float(v) if "." in v else int(v) for k, v in (p.split("=") for p in value.split(","))}
        out[name] = value
    return out


def test_info_commandstats_and_errorstats(server):
    host, port = server
    r = redis.Redis(host=host, port=port, socket_timeout=5, decode_responses=True)
    r.set_response_callback("INFO", lambda reply, **kwargs: reply)
    r.config_resetstat()
    r.set("k", "v")
    r.set("s", "text")
    failing = [
        ("INCR", "s"),     # runs and answers an error: a failed call
        ("GET",),          # refused before running (arity): a rejected call
        ("CONFIG", "GET"),  # a subcommand's arity
        ("CONFIG",),       # a container without a subcommand: rejected as the container
        ("CONFIG", "NOSUCH"),  # an unknown subcommand: an error, but nobody's rejected call
        ("LPUSH", "s", "x"),  # WRONGTYPE
    ]
    for command in failing:
        try:
            r.execute_command(*command)
        except redis.ResponseError:
            pass
    stats = info_fields(r, "commandstats")
    assert stats["cmdstat_set"]["calls"] == 2
    assert stats["cmdstat_set"]["failed_calls"] == 0
    assert stats["cmdstat_incr"]["calls"] == 1 and stats["cmdstat_incr"]["failed_calls"] == 1
    assert stats["cmdstat_get"]["calls"] == 0 and stats["cmdstat_get"]["rejected_calls"] == 1
    assert stats["cmdstat_config|get"]["rejected_calls"] == 1
    assert stats["cmdstat_config"] == {"calls": 0, "usec": 0, "usec_per_call": 0.0, "rejected_calls": 1,
                                       "failed_calls": 0}
    assert stats["cmdstat_lpush"]["failed_calls"] == 1
    assert "cmdstat_hset" not in stats
    assert info_fields(r, "errorstats") == {"errorstat_ERR": {"count": 5}, "errorstat_WRONGTYPE": {"count": 1}}
    assert info_fields(r, "stats")["total_error_replies"] == "6"
    r.config_resetstat()
    assert info_fields(r, "errorstats") == {}
    assert "cmdstat_incr" not in info_fields(r, "commandstats")
