"""Bitmap flows of an analytics service, checked against the same computation on Python sets.

Daily active users: one bitmap per day, SETBIT per user id that was active; BITCOUNT per day (whole and
byte ranges), BITOP AND over a week (active every day) and OR (active on any day), XOR and NOT, BITPOS
for the first active / inactive id, GETBIT; and per-user counters packed with BITFIELD (u8 visit
counters with INCRBY and OVERFLOW SAT / WRAP / FAIL, i16 balances). Every expected value is computed here
from the Python-side sets, so a wrong bit anywhere fails the test (run with
REDROCK_SERVER=/usr/bin/redis-server to check the expectations against real Redis).
"""

import random

import pytest

USERS = 20_000
DAYS = [f"2026-11-{d:02d}" for d in range(23, 30)]  # one week


def dau_key(day):
    return f"dau:{day}"


def bitmap_bytes(ids):
    """The bytes Redis's SETBIT builds for these ids: bit i is bit (7 - i % 8) of byte i // 8."""
    if not ids:
        return b""
    out = bytearray(max(ids) // 8 + 1)
    for i in ids:
        out[i // 8] |= 0x80 >> (i % 8)
    return bytes(out)


def popcount(data):
    return sum(bin(b).count("1") for b in data)


@pytest.fixture
def client(server_process):
    c = server_process.client(socket_timeout=30)
    yield c
    c.close()


@pytest.fixture
def week(client):
    """Seven days of activity: {day: set of user ids}, recorded with SETBIT (pipelined)."""
    rng = random.Random(12)
    loyal = set(rng.sample(range(USERS), 300))  # active every day
    activity = {}
    for day in DAYS:
        active = set(rng.sample(range(USERS), rng.randrange(2000, 6000))) | loyal
        activity[day] = active
        pipe = client.pipeline(transaction=False)
        for uid in sorted(active, key=lambda _: rng.random()):
            pipe.setbit(dau_key(day), uid, 1)
        replies = pipe.execute()
        assert replies == [0] * len(active)  # every bit was clear before
    return activity


def test_daily_counts_and_bytes(client, week):
    for day, active in week.items():
        key = dau_key(day)
        assert client.bitcount(key) == len(active)
        assert client.get(key) == bitmap_bytes(active)
        assert client.strlen(key) == max(active) // 8 + 1
        # Setting a bit again reports it was set and changes nothing.
        uid = min(active)
        assert client.setbit(key, uid, 1) == 1
        assert client.bitcount(key) == len(active)
    # Byte ranges (negative ones count from the end) match counting the same slice here.
    day = DAYS[0]
    data = bitmap_bytes(week[day])
    for start, end in [(0, 0), (0, 99), (100, 1999), (-100, -1), (-1, -1), (5, 2), (0, -1), (2000, 9000)]:
        s = start if start >= 0 else max(len(data) + start, 0)
        e = end if end >= 0 else len(data) + end
        expected = popcount(data[s:e + 1]) if s <= e else 0
        assert client.bitcount(dau_key(day), start, end) == expected, (start, end)


def test_week_aggregates(client, week):
    keys = [dau_key(d) for d in DAYS]
    every_day = set.intersection(*week.values())
    any_day = set.union(*week.values())
    exactly_odd = set()
    for uid in any_day:
        if sum(uid in s for s in week.values()) % 2 == 1:
            exactly_odd.add(uid)

    # BITOP returns the length of the longest source.
    longest = max(len(bitmap_bytes(s)) for s in week.values())
    assert client.bitop("AND", "week:every", *keys) == longest
    assert client.bitop("OR", "week:any", *keys) == longest
    assert client.bitop("XOR", "week:odd", *keys) == longest
    assert client.bitcount("week:every") == len(every_day)
    assert client.bitcount("week:any") == len(any_day)
    assert client.bitcount("week:odd") == len(exactly_odd)
    # AND pads the shorter sources with zeros, so its bytes are every_day's padded to the longest.
    assert client.get("week:every") == bitmap_bytes(every_day).ljust(longest, b"\x00")
    assert client.get("week:any") == bitmap_bytes(any_day)
    assert client.get("week:odd") == bitmap_bytes(exactly_odd).ljust(longest, b"\x00")
    # Users active on Monday but not every day: Monday AND NOT(every day).
    assert client.bitop("NOT", "week:not-every", "week:every") == longest
    client.bitop("AND", "mon:not-loyal", dau_key(DAYS[0]), "week:not-every")
    assert client.bitcount("mon:not-loyal") == len(week[DAYS[0]] - every_day)
    # Spot checks with GETBIT.
    rng = random.Random(5)
    pipe = client.pipeline(transaction=False)
    probes = rng.sample(range(USERS), 500)
    for uid in probes:
        pipe.getbit("week:every", uid)
    assert pipe.execute() == [int(uid in every_day) for uid in probes]
    # An AND with a missing key is empty (all zero bytes); BITOP to a missing result deletes nothing.
    assert client.bitop("AND", "week:none", keys[0], "no-such-day") == len(bitmap_bytes(week[DAYS[0]]))
    assert client.bitcount("week:none") == 0


def test_first_active_and_inactive_ids(client, week):
    for day, active in week.items():
        key = dau_key(day)
        assert client.bitpos(key, 1) == min(active)
        first_inactive = next(i for i in range(USERS + 1) if i not in active)
        assert client.bitpos(key, 0) == first_inactive
        # From a byte offset on: the first active id at or after that byte.
        start_byte = 1000
        assert client.bitpos(key, 1, start_byte) == min(i for i in active if i >= start_byte * 8)
    # A bitmap of all ones: BITPOS 0 without an end answers the bit just past the value.
    for uid in range(16):
        client.setbit("ones", uid, 1)
    assert client.bitpos("ones", 0) == 16
    assert client.bitpos("ones", 0, 0, -1) == -1
    assert client.bitpos("missing", 1) == -1
    assert client.bitpos("missing", 0) == 0


def test_bitfield_visit_counters(client):
    """Per-user u8 visit counters at #uid offsets (counter i is bits 8i..8i+7), saturating at 255."""
    rng = random.Random(7)
    counts = {}
    for _ in range(3000):
        uid = rng.randrange(200)
        step = rng.choice([1, 1, 1, 5, 40])
        expected = min(counts.get(uid, 0) + step, 255)
        counts[uid] = expected
        assert client.bitfield("visits").overflow("SAT").incrby("u8", f"#{uid}", step).execute() == [expected]
    ops = client.bitfield("visits")
    uids = sorted(counts)
    for uid in uids:
        ops.get("u8", f"#{uid}")
    assert ops.execute() == [counts[uid] for uid in uids]
    # The bytes are the counters themselves.
    data = client.get("visits")
    assert [data[uid] for uid in uids] == [counts[uid] for uid in uids]
    # WRAP and FAIL on the same counters.
    top = max(uids, key=lambda u: counts[u])
    client.bitfield("visits").set("u8", f"#{top}", 250).execute()
    assert client.bitfield("visits").overflow("WRAP").incrby("u8", f"#{top}", 10).execute() == [4]
    assert client.bitfield("visits").overflow("FAIL").incrby("u8", f"#{top}", -5).execute() == [None]
    assert client.bitfield("visits").get("u8", f"#{top}").execute() == [4]
    # Signed 16-bit balances next to each other, at bit offsets that straddle bytes.
    balances = {}
    for _ in range(500):
        slot = rng.randrange(20)
        delta = rng.randrange(-1000, 1000)
        value = balances.get(slot, 0) + delta
        value = max(-32768, min(32767, value))
        balances[slot] = value
        reply = client.bitfield("balances").overflow("SAT").incrby("i16", 3 + 16 * slot, delta).execute()
        assert reply == [value]
    ro = client.execute_command("BITFIELD_RO", "balances", *sum((["GET", "i16", 3 + 16 * s] for s in sorted(balances)), []))
    assert ro == [balances[s] for s in sorted(balances)]


def test_edits_of_a_big_bitmap_survive_kill_9(server_factory):
    """SETBITs into a 256 KB bitmap (redrock writes each as a patch of one byte), then a crash: every
    acknowledged bit is there after the restart, and the bitmap goes on being edited correctly."""
    server = server_factory(persistent=True)  # real Redis: an AOF synced at every write
    client = server.client(socket_timeout=30)
    rng = random.Random(99)
    bits = set()
    client.setbit("big", 2 * 1024 * 1024 - 1, 1)
    bits.add(2 * 1024 * 1024 - 1)
    pipe = client.pipeline(transaction=False)
    for _ in range(2000):
        bit = rng.randrange(2 * 1024 * 1024)
        bits.add(bit)
        pipe.setbit("big", bit, 1)
    pipe.execute()
    client.bitfield("big").set("u8", "#10", 0xA5).execute()  # bits 80..87 become 10100101
    bits -= set(range(80, 88))
    bits |= {80, 82, 85, 87}
    expected = bitmap_bytes(bits)
    assert client.get("big") == expected
    client.close()
    server.restart(kill=True)
    client = server.client(socket_timeout=30)
    assert client.get("big") == expected
    assert client.bitcount("big") == len(bits)
    assert client.setbit("big", 81, 1) == 0
    assert client.getbit("big", 81) == 1
    client.close()
