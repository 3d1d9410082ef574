"""HyperLogLog flows against the server under test and a real redis-server 7.0 started next to it.

A unique-visitor counter: the same 100,000 visitor ids PFADDed into both servers give the same PFCOUNT
(and the same HLL bytes); PFMERGE of several days' counters agrees; and an HLL moves between the servers
with GET / SET in both directions, sparse and dense, with the same PFCOUNT on the other side and further
PFADDs continuing identically. PFADDs from several clients at once into one key lose no update (the HLL
commands are read-modify-writes under the key's lock).

The reference server is /usr/bin/redis-server on a free loopback port, started and stopped (by pid) by the
test through the same server factory as the server under test.
"""

import threading

import pytest

REDIS_SERVER = "/usr/bin/redis-server"
BATCH = 1000


@pytest.fixture
def pair(server_factory):
    """(server under test, real Redis): blocking redis-py clients, closed afterwards."""
    ours = server_factory().client(socket_timeout=30)
    ref = server_factory(binary=REDIS_SERVER).client(socket_timeout=30)
    yield ours, ref
    ours.close()
    ref.close()


def pfadd_all(client, key, elements):
    """PFADD in batches of BATCH elements, pipelined; returns the PFADD replies."""
    pipe = client.pipeline(transaction=False)
    for i in range(0, len(elements), BATCH):
        pipe.pfadd(key, *elements[i:i + BATCH])
    return pipe.execute()


def visitors(start, stop, prefix="visitor"):
    return [f"{prefix}:{i}" for i in range(start, stop)]


def test_same_inputs_same_count(pair):
    ours, ref = pair
    elements = visitors(0, 100_000)
    assert pfadd_all(ours, "uv", elements) == pfadd_all(ref, "uv", elements)
    expected = ref.pfcount("uv")
    assert 95_000 < expected < 105_000  # the estimate is within HLL's error of the truth
    assert ours.pfcount("uv") == expected
    # The registers themselves are identical, so is the encoding and the cached cardinality.
    assert ours.execute_command("PFDEBUG", "ENCODING", "uv") == ref.execute_command("PFDEBUG", "ENCODING", "uv")
    assert ours.get("uv") == ref.get("uv")
    # Adding elements already counted changes nothing on either side.
    assert ours.pfadd("uv", *elements[:500]) == ref.pfadd("uv", *elements[:500]) == 0
    assert ours.pfcount("uv") == expected


def test_merge_of_several_days(pair):
    ours, ref = pair
    days = {
        "uv:mon": visitors(0, 30_000),
        "uv:tue": visitors(20_000, 45_000),
        "uv:wed": visitors(40_000, 41_000),
        "uv:thu": visitors(0, 200, prefix="bot"),  # stays sparse
    }
    for key, elements in days.items():
        pfadd_all(ours, key, elements)
        pfadd_all(ref, key, elements)
        assert ours.pfcount(key) == ref.pfcount(key)
    keys = list(days)
    assert ours.pfcount(*keys) == ref.pfcount(*keys)
    assert ours.pfmerge("uv:week", *keys) is True
    assert ref.pfmerge("uv:week", *keys) is True
    week = ref.pfcount("uv:week")
    assert 43_000 < week < 47_400  # 45,200 distinct ids
    assert ours.pfcount("uv:week") == week
    assert ours.get("uv:week") == ref.get("uv:week")
    # Merging into an existing key keeps what it had and its TTL.
    for client in (ours, ref):
        client.expire("uv:thu", 3600)
        client.pfmerge("uv:thu", "uv:wed")
    assert ours.pfcount("uv:thu") == ref.pfcount("uv:thu")
    assert ours.get("uv:thu") == ref.get("uv:thu")
    assert 3590 <= ours.ttl("uv:thu") <= 3600


@pytest.mark.parametrize("count,encoding", [(150, b"sparse"), (20_000, b"dense")])
def test_hll_moves_between_servers(pair, count, encoding):
    ours, ref = pair
    elements = visitors(0, count)
    # redrock -> Redis
    pfadd_all(ours, "made-here", elements)
    assert ours.execute_command("PFDEBUG", "ENCODING", "made-here") == encoding
    ours_count = ours.pfcount("made-here")
    blob = ours.get("made-here")
    assert ref.set("copied", blob) is True
    assert ref.execute_command("PFDEBUG", "ENCODING", "copied") == encoding
    assert ref.pfcount("copied") == ours_count
    # Redis -> redrock
    pfadd_all(ref, "made-there", elements)
    ref_count = ref.pfcount("made-there")
    assert ref_count == ours_count
    assert ours.set("copied", ref.get("made-there")) is True
    assert ours.execute_command("PFDEBUG", "ENCODING", "copied") == encoding
    assert ours.pfcount("copied") == ref_count
    # Both copies go on the same way: more elements, the same bytes and counts on each side.
    more = visitors(count, count + 300, prefix="late")
    for client in (ours, ref):
        pfadd_all(client, "copied", more)
    assert ours.get("copied") == ref.get("copied")
    assert ours.pfcount("copied") == ref.pfcount("copied")
    # A merge of a moved HLL with a local one agrees too.
    for client in (ours, ref):
        pfadd_all(client, "local", visitors(0, 50, prefix="other"))
        client.pfmerge("merged", "copied", "local")
    assert ours.get("merged") == ref.get("merged")
    assert ours.pfcount("merged") == ref.pfcount("merged")


def test_concurrent_pfadds_lose_no_update(server_factory):
    # Several I/O threads, so the clients' commands really run at the same time.
    ours_server = server_factory(args=["--io-threads", "4"])
    ours = ours_server.client(socket_timeout=30)
    ref = server_factory(binary=REDIS_SERVER).client(socket_timeout=30)
    host, port = ours_server.address
    workers = 4
    per_worker = 10_000
    errors = []

    def work(w):
        import redis
        client = redis.Redis(host=host, port=port, socket_timeout=30)
        try:
            elements = visitors(w * per_worker, (w + 1) * per_worker)
            # One element per PFADD, so the writers interleave at every register; PFCOUNTs in between
            # rewrite the cached cardinality concurrently with them.
            for i in range(0, per_worker, 50):
                pipe = client.pipeline(transaction=False)
                for e in elements[i:i + 50]:
                    pipe.pfadd("shared", e)
                pipe.pfcount("shared")
                pipe.execute()
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    pfadd_all(ref, "shared", visitors(0, workers * per_worker))
    # HLL registers are maxima, so the order of the adds does not change them: a lost update would.
    assert ours.pfcount("shared") == ref.pfcount("shared")
    assert ours.execute_command("PFDEBUG", "GETREG", "shared") == ref.execute_command("PFDEBUG", "GETREG", "shared")
    ours.close()
    ref.close()
