// The GEO family through the whole command pipeline (table, handler, engine), comparing exact RESP bytes
// with what Redis 7.0.15 sends (every expected reply here was checked against the real server). The
// geohash arithmetic itself is checked against values Redis computes.

#include <catch2/catch.hpp>

#include <string>

#include "server/commands/geohash.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

void AddSicily(CommandHarness& h) {
  REQUIRE(h.Run({"geoadd", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}) ==
          Int(2));
}

TEST_CASE("geohash helpers match Redis's arithmetic", "[geo]") {
  geo::Hash hash;
  REQUIRE(geo::EncodeWGS84(13.361389, 38.115556, geo::kStepMax, &hash));
  CHECK(geo::Align52(hash) == 3479099956230698ULL);
  double lon = 0, lat = 0;
  REQUIRE(geo::DecodeScore(3479099956230698.0, &lon, &lat));
  CHECK(geo::FormatCoordinate(lon) == "13.36138933897018433");
  CHECK(geo::FormatCoordinate(lat) == "38.11555639549629859");
  CHECK(geo::StandardGeohash(lon, lat) == "sqc8b49rny0");
  CHECK(geo::FormatDistance(0) == "0.0000");
  CHECK(geo::FormatDistance(56.44134) == "56.4413");
  CHECK(geo::FormatDistance(0.00004) == "0.0000");
  CHECK(geo::FormatDistance(1.5) == "1.5000");
  CHECK(geo::FormatCoordinate(0) == "0");
  CHECK(geo::FormatCoordinate(-180) == "-180");
}

TEST_CASE("GEOADD options and errors", "[geo]") {
  CommandHarness h;
  AddSicily(h);
  CHECK(h.Run({"geoadd", "Sicily", "ch", "13.361390", "38.115556", "Palermo", "12.5", "37.8", "Marsala"}) == Int(1));
  CHECK(h.Run({"geoadd", "Sicily", "nx", "0", "0", "Palermo"}) == Int(0));
  CHECK(h.Run({"geoadd", "Sicily", "xx", "1", "1", "Nowhere"}) == Int(0));
  CHECK(h.Run({"zcard", "Sicily"}) == Int(3));
  CHECK(h.Run({"type", "Sicily"}) == "+zset\r\n");
  CHECK(h.Run({"zscore", "Sicily", "Palermo"}) == Bulk("3479099956230698"));
  CHECK(h.Run({"geoadd", "Sicily", "nx", "xx", "1", "1", "a"}) == kSyntax);
  CHECK(h.Run({"geoadd", "Sicily", "1", "1", "a", "2"}) == kSyntax);
  CHECK(h.Run({"geoadd", "Sicily", "ch", "ch", "ch"}) == kSyntax);
  CHECK(h.Run({"geoadd", "Sicily", "x", "1", "a"}) == kNotFloat);
  CHECK(h.Run({"geoadd", "Sicily", "200", "100", "x"}) ==
        Err("ERR invalid longitude,latitude pair 200.000000,100.000000"));
  CHECK(h.Run({"set", "str", "v"}) == kOk);
  CHECK(h.Run({"geoadd", "str", "1", "1", "a"}) == kWrongType);
}

TEST_CASE("GEOPOS, GEOHASH and GEODIST", "[geo]") {
  CommandHarness h;
  AddSicily(h);
  CHECK(h.Run({"geopos", "Sicily", "Palermo", "missing"}) ==
        Array({Bulks({"13.36138933897018433", "38.11555639549629859"}), kNilArray}));
  CHECK(h.Run({"geohash", "Sicily", "Palermo", "Catania", "missing"}) ==
        Array({Bulk("sqc8b49rny0"), Bulk("sqdtr74hyu0"), kNil}));
  CHECK(h.Run({"geodist", "Sicily", "Palermo", "Catania"}) == Bulk("166274.1516"));
  CHECK(h.Run({"geodist", "Sicily", "Palermo", "Catania", "km"}) == Bulk("166.2742"));
  CHECK(h.Run({"geodist", "Sicily", "Palermo", "missing"}) == kNil);
  CHECK(h.Run({"geodist", "nokey", "a", "b"}) == kNil);
  CHECK(h.Run({"geodist", "Sicily", "Palermo", "Catania", "parsecs"}) ==
        Err("ERR unsupported unit provided. please use M, KM, FT, MI"));
  CHECK(h.Run({"geodist", "Sicily", "Palermo", "Catania", "km", "x"}) == kSyntax);
  CHECK(h.Run({"hello", "3"}).size() > 0);
  CHECK(h.Run({"geopos", "Sicily", "Palermo", "missing"}) ==
        Array({Array({Dbl("13.36138933897018433"), Dbl("38.11555639549629859")}), kNull3}));
  CHECK(h.Run({"geodist", "Sicily", "Palermo", "Catania", "km"}) == Bulk("166.2742"));
}

TEST_CASE("GEORADIUS and GEOSEARCH replies", "[geo]") {
  CommandHarness h;
  AddSicily(h);
  const std::string catania_full = Array({Bulk("Catania"), Bulk("56.4413"), Int(3479447370796909),
                                          Bulks({"15.08726745843887329", "37.50266842333162032"})});
  const std::string palermo_full = Array({Bulk("Palermo"), Bulk("190.4424"), Int(3479099956230698),
                                          Bulks({"13.36138933897018433", "38.11555639549629859"})});
  CHECK(h.Run({"georadius", "Sicily", "15", "37", "200", "km", "withdist", "withcoord", "withhash", "asc"}) ==
        Array({catania_full, palermo_full}));
  CHECK(h.Run({"georadius", "Sicily", "15", "37", "200", "km", "withdist", "withcoord", "withhash", "desc"}) ==
        Array({palermo_full, catania_full}));
  CHECK(h.Run({"geosearch", "Sicily", "fromlonlat", "15", "37", "bybox", "400", "400", "km", "asc", "withdist"}) ==
        Array({Bulks({"Catania", "56.4413"}), Bulks({"Palermo", "190.4424"})}));
  CHECK(h.Run({"geosearch", "Sicily", "fromlonlat", "15", "37", "byradius", "200", "km", "count", "1"}) ==
        Bulks({"Catania"}));
  CHECK(h.Run({"geosearch", "Sicily", "fromlonlat", "15", "37", "byradius", "1", "m"}) == kEmpty);
  CHECK(h.Run({"geosearch", "nokey", "fromlonlat", "15", "37", "byradius", "1", "m"}) == kEmpty);
  CHECK(h.Run({"georadiusbymember", "Sicily", "missing", "1", "km"}) ==
        Err("ERR could not decode requested zset member"));
  CHECK(h.Run({"georadius", "Sicily", "15", "37", "200", "km", "store", "d", "withdist"}) ==
        Err("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"));
  CHECK(h.Run({"geosearchstore", "d", "Sicily", "fromlonlat", "15", "37", "byradius", "1", "km", "withdist"}) ==
        Err("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"));
  CHECK(h.Run({"GEOSEARCH", "Sicily", "byradius", "1", "km", "asc", "asc"}) ==
        Err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"));
  CHECK(h.Run({"geosearch", "Sicily", "frommember", "Palermo", "fromlonlat", "1", "1", "byradius", "1", "km"}) ==
        kSyntax);
  CHECK(h.Run({"geosearch", "Sicily", "fromlonlat", "15", "37", "byradius", "1", "km", "any"}) ==
        Err("ERR the ANY argument requires COUNT argument"));
  CHECK(h.Run({"geosearch", "Sicily", "fromlonlat", "15", "37", "byradius", "1", "km", "count", "0"}) ==
        Err("ERR COUNT must be > 0"));
  CHECK(h.Run({"georadius_ro", "Sicily", "15", "37", "200", "km", "store", "d"}) == kSyntax);
  CHECK(h.Run({"hello", "3"}).size() > 0);
  CHECK(h.Run({"georadius", "Sicily", "15", "37", "200", "km", "withdist", "withcoord", "asc", "count", "1"}) ==
        Array({Array({Bulk("Catania"), Bulk("56.4413"),
                      Array({Dbl("15.08726745843887329"), Dbl("37.50266842333162032")})})}));
}

TEST_CASE("GEOSEARCHSTORE and GEORADIUS STORE", "[geo]") {
  CommandHarness h;
  AddSicily(h);
  CHECK(h.Run({"geoadd", "Sicily", "12.5", "37.8", "Marsala"}) == Int(1));
  CHECK(h.Run({"geosearchstore", "dst", "Sicily", "frommember", "Palermo", "byradius", "200", "km", "storedist"}) ==
        Int(3));
  CHECK(h.Run({"zrange", "dst", "0", "-1", "withscores"}) ==
        Bulks({"Palermo", "0", "Marsala", "83.297322452927489", "Catania", "166.27415156960032"}));
  CHECK(h.Run({"georadius", "Sicily", "15", "37", "200", "km", "store", "dst"}) == Int(2));
  CHECK(h.Run({"zrange", "dst", "0", "-1", "withscores"}) ==
        Bulks({"Palermo", "3479099956230698", "Catania", "3479447370796909"}));
  CHECK(h.Run({"geosearchstore", "dst", "Sicily", "fromlonlat", "15", "37", "byradius", "1", "m"}) == Int(0));
  CHECK(h.Run({"exists", "dst"}) == Int(0));
  CHECK(h.Run({"set", "dst", "v"}) == kOk);
  CHECK(h.Run({"georadius", "nokey", "15", "37", "200", "km", "store", "dst"}) == Int(0));
  CHECK(h.Run({"exists", "dst"}) == Int(0));
}

}  // namespace
}  // namespace redrock::server
