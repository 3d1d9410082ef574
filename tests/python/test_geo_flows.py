"""A "stores near me" service, checked reply for reply against a real redis-server 7.0 given the same data.

A few hundred stores are GEOADDed around a city; the service asks GEOSEARCH FROMLONLAT BYRADIUS and BYBOX
with WITHDIST WITHCOORD ASC COUNT (and DESC, ANY, WITHHASH, FROMMEMBER), stores results with
GEOSEARCHSTORE (STOREDIST too), and uses GEORADIUSBYMEMBER and GEODIST. The replies are compared raw (no
redis-py parsing), so distances and coordinates must be formatted digit for digit as Redis does.

The reference server is /usr/bin/redis-server on a free loopback port, started and stopped (by pid) by the
test through the same server factory as the server under test.
"""

import random

import pytest
from redis.exceptions import ResponseError

REDIS_SERVER = "/usr/bin/redis-server"
CENTER = (13.4050, 52.5200)  # lon, lat


def raw(client):
    """No response callbacks: replies stay as the bytes and lists the server sent."""
    client.response_callbacks.clear()
    return client


@pytest.fixture
def pair(server_factory):
    ours = raw(server_factory().client(socket_timeout=30))
    ref = raw(server_factory(binary=REDIS_SERVER).client(socket_timeout=30))
    stores = make_stores()
    for client in (ours, ref):
        args = []
        for name, (lon, lat) in stores.items():
            args += [lon, lat, name]
        assert client.execute_command("GEOADD", "stores", *args) == len(stores)
    yield ours, ref, stores
    ours.close()
    ref.close()


def make_stores():
    """400 stores within about 30 km of the centre, plus a few at the same spot (ties)."""
    rng = random.Random(2026)
    stores = {}
    for i in range(400):
        lon = round(CENTER[0] + rng.uniform(-0.4, 0.4), 6)
        lat = round(CENTER[1] + rng.uniform(-0.25, 0.25), 6)
        stores[f"store:{i:03d}"] = (lon, lat)
    for name in ("twin:a", "twin:b", "twin:c"):
        stores[name] = (13.41, 52.52)
    return stores


def reply_of(client, command):
    """The reply, or ("error", text) for an error reply."""
    try:
        return client.execute_command(*command)
    except ResponseError as e:
        return ("error", str(e))


def both(pair, *command):
    ours, ref, _ = pair
    expected = reply_of(ref, command)
    got = reply_of(ours, command)
    assert got == expected, command
    return got


def test_search_from_lonlat_by_radius(pair):
    reply = both(pair, "GEOSEARCH", "stores", "FROMLONLAT", *CENTER, "BYRADIUS", 5, "km",
                 "WITHDIST", "WITHCOORD", "ASC", "COUNT", 10)
    assert len(reply) == 10
    distances = [float(item[1]) for item in reply]
    assert distances == sorted(distances) and distances[-1] <= 5
    for unit in ("m", "km", "mi", "ft"):
        both(pair, "GEOSEARCH", "stores", "FROMLONLAT", *CENTER, "BYRADIUS", 3, unit, "WITHDIST", "ASC")
    both(pair, "GEOSEARCH", "stores", "FROMLONLAT", 13.41, 52.52, "BYRADIUS", 800, "m",
         "WITHDIST", "WITHCOORD", "WITHHASH", "DESC")
    both(pair, "GEOSEARCH", "stores", "FROMLONLAT", *CENTER, "BYRADIUS", 50, "km", "ASC", "COUNT", 400)
    both(pair, "GEOSEARCH", "stores", "FROMLONLAT", *CENTER, "BYRADIUS", 50, "km", "DESC", "COUNT", 25)
    # Nothing in range, and COUNT ANY (which stores the first ones found; sorted afterwards).
    both(pair, "GEOSEARCH", "stores", "FROMLONLAT", 0, 0, "BYRADIUS", 10, "km", "WITHDIST")
    both(pair, "GEOSEARCH", "stores", "FROMLONLAT", *CENTER, "BYRADIUS", 50, "km", "COUNT", 400, "ANY", "ASC")


def test_search_by_box(pair):
    reply = both(pair, "GEOSEARCH", "stores", "FROMLONLAT", *CENTER, "BYBOX", 8, 6, "km",
                 "WITHDIST", "WITHCOORD", "ASC", "COUNT", 20)
    assert 0 < len(reply) <= 20
    both(pair, "GEOSEARCH", "stores", "FROMLONLAT", *CENTER, "BYBOX", 20000, 20000, "m", "ASC")
    both(pair, "GEOSEARCH", "stores", "FROMMEMBER", "store:007", "BYBOX", 10, 10, "mi", "WITHDIST", "DESC",
         "COUNT", 15)
    both(pair, "GEOSEARCH", "stores", "FROMMEMBER", "twin:a", "BYRADIUS", 1, "m", "WITHDIST", "ASC")


def test_searchstore_and_radius_by_member(pair):
    ours, ref, stores = pair
    both(pair, "GEOSEARCHSTORE", "near", "stores", "FROMLONLAT", *CENTER, "BYRADIUS", 10, "km", "ASC",
         "COUNT", 30)
    both(pair, "ZRANGE", "near", 0, -1, "WITHSCORES")
    both(pair, "GEOPOS", "near", "store:000", "store:001", "twin:b", "nosuch")
    both(pair, "GEOSEARCHSTORE", "near-dist", "stores", "FROMLONLAT", *CENTER, "BYBOX", 12, 12, "km",
         "DESC", "COUNT", 40, "STOREDIST")
    both(pair, "ZRANGE", "near-dist", 0, -1, "WITHSCORES")
    both(pair, "GEORADIUSBYMEMBER", "stores", "store:123", 4, "km", "WITHDIST", "WITHCOORD", "ASC", "COUNT", 12)
    both(pair, "GEORADIUSBYMEMBER", "stores", "twin:c", 2, "km", "WITHDIST", "ASC")
    both(pair, "GEORADIUSBYMEMBER", "stores", "store:123", 6, "km", "ASC", "COUNT", 10, "STORE", "rbm")
    both(pair, "ZRANGE", "rbm", 0, -1, "WITHSCORES")
    assert both(pair, "GEORADIUSBYMEMBER", "stores", "nosuch", 4, "km") == (
        "error", "could not decode requested zset member")
    # Distances between stores, in every unit, and GEOHASH of a few.
    names = sorted(stores)
    rng = random.Random(3)
    for _ in range(30):
        a, b = rng.sample(names, 2)
        both(pair, "GEODIST", "stores", a, b, rng.choice(["m", "km", "mi", "ft"]))
    both(pair, "GEOHASH", "stores", *names[:20])
    # Where the service sorts a search's members itself, the sets agree with a brute-force scan: every
    # store within 2 km by GEODIST from store:050 is what GEOSEARCH FROMMEMBER BYRADIUS 2 km returns.
    found = set(ours.execute_command("GEOSEARCH", "stores", "FROMMEMBER", "store:050", "BYRADIUS", 2, "km"))
    within = set()
    for name in names:
        d = ref.execute_command("GEODIST", "stores", "store:050", name, "km")
        if float(d) <= 2:
            within.add(name.encode())
    assert found == within
