// The GEO family: GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS,
// GEORADIUSBYMEMBER and their _RO forms. Geo keys are ordinary sorted sets scored with the 52-bit geohash
// (geohash.h). Validation order, error texts, reply shapes and number formats follow Redis 7.0's geo.c.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ascii_case.h"
#include "common/number_format.h"
#include "redrock/engine/engine.h"
#include "redrock/engine/zset.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/geohash.h"
#include "server/commands/keyspace_events.h"
#include "server/core/command_table.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

using common::EqualsIgnoreCase;

constexpr std::string_view kUnsupportedUnit = "ERR unsupported unit provided. please use M, KM, FT, MI";
constexpr std::string_view kBadMember = "ERR could not decode requested zset member";
constexpr std::string_view kCountPositive = "ERR COUNT must be > 0";
constexpr std::string_view kAnyNeedsCount = "ERR the ANY argument requires COUNT argument";

// getDoubleFromObjectOrReply: `message` replaces the default "not a valid float" text.
bool ParseDoubleArg(CommandContext& ctx, std::string_view arg, double* out, std::string_view message = err::kNotFloat) {
  if (common::ParseDouble(arg, out)) return true;
  ctx.reply.Error(message);
  return false;
}

// extractLongLatOrReply: two floats, then Redis's coordinate limits.
bool ParseLongLat(CommandContext& ctx, size_t index, double* longitude, double* latitude) {
  if (!ParseDoubleArg(ctx, ctx.argv[index], longitude) || !ParseDoubleArg(ctx, ctx.argv[index + 1], latitude)) {
    return false;
  }
  if (*longitude < geo::kLongMin || *longitude > geo::kLongMax || *latitude < geo::kLatMin ||
      *latitude > geo::kLatMax) {
    char buf[1024];
    std::snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", *longitude, *latitude);
    ctx.reply.Error(buf);
    return false;
  }
  return true;
}

// extractUnitOrReply: meters per unit, or a negative value after replying with the error.
double ParseUnit(CommandContext& ctx, std::string_view unit) {
  if (EqualsIgnoreCase(unit, "m")) return 1;
  if (EqualsIgnoreCase(unit, "km")) return 1000;
  if (EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (EqualsIgnoreCase(unit, "mi")) return 1609.34;
  ctx.reply.Error(kUnsupportedUnit);
  return -1;
}

// extractDistanceOrReply: `radius unit`.
bool ParseRadius(CommandContext& ctx, size_t index, geo::Shape* shape) {
  double radius = 0;
  if (!ParseDoubleArg(ctx, ctx.argv[index], &radius, "ERR need numeric radius")) return false;
  if (radius < 0) {
    ctx.reply.Error("ERR radius cannot be negative");
    return false;
  }
  shape->radius = radius;
  const double conversion = ParseUnit(ctx, ctx.argv[index + 1]);
  if (conversion < 0) return false;
  shape->conversion = conversion;
  return true;
}

// extractBoxOrReply: `width height unit`.
bool ParseBox(CommandContext& ctx, size_t index, geo::Shape* shape) {
  double width = 0, height = 0;
  if (!ParseDoubleArg(ctx, ctx.argv[index], &width, "ERR need numeric width") ||
      !ParseDoubleArg(ctx, ctx.argv[index + 1], &height, "ERR need numeric height")) {
    return false;
  }
  if (height < 0 || width < 0) {
    ctx.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  shape->width = width;
  shape->height = height;
  const double conversion = ParseUnit(ctx, ctx.argv[index + 2]);
  if (conversion < 0) return false;
  shape->conversion = conversion;
  return true;
}

// addReplyHumanLongDouble: a bulk in RESP2, a RESP3 double printed the same human way.
void ReplyCoordinate(CommandContext& ctx, double value) {
  const std::string text = geo::FormatCoordinate(value);
  if (ctx.reply.resp() >= 3) {
    ctx.reply.Raw("," + text + "\r\n");
  } else {
    ctx.reply.Bulk(text);
  }
}

// addReplyDoubleDistance: a bulk with 4 decimals in both protocols.
void ReplyDistance(CommandContext& ctx, double value) { ctx.reply.Bulk(geo::FormatDistance(value)); }

// ---- GEOADD ------------------------------------------------------------------------------------

// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
// Redis rewrites it into ZADD key [flags] score member ... and runs ZADD, so ZADD's checks and its
// "zadd" event apply.
void GeoAddCommand(CommandContext& ctx) {
  bool nx = false, xx = false, ch = false;
  size_t first = 2;
  for (; first < ctx.argc(); ++first) {
    const std::string_view opt = ctx.argv[first];
    if (EqualsIgnoreCase(opt, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      ch = true;
    } else {
      break;
    }
  }
  if ((ctx.argc() - first) % 3 != 0 || (xx && nx)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::vector<std::pair<double, std::string_view>> pairs;
  pairs.reserve((ctx.argc() - first) / 3);
  for (size_t i = first; i < ctx.argc(); i += 3) {
    double longitude = 0, latitude = 0;
    if (!ParseLongLat(ctx, i, &longitude, &latitude)) return;
    geo::Hash hash;
    geo::EncodeWGS84(longitude, latitude, geo::kStepMax, &hash);
    pairs.emplace_back(static_cast<double>(geo::Align52(hash)), ctx.argv[i + 2]);
  }
  if (pairs.empty()) {  // ZADD's own check of the rewritten command
    ctx.reply.Error(err::kSyntax);
    return;
  }
  engine::ZAddOptions options;
  options.condition = nx ? engine::ZAddCondition::kIfMissing
                         : (xx ? engine::ZAddCondition::kIfExists : engine::ZAddCondition::kAlways);
  auto result = engine::ZAdd(ctx.engine(), ctx.db(), ctx.argv[1], pairs, options);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(ch ? result->added + result->updated : result->added);
  if (result->added + result->updated > 0) NotifyKey(ctx, kNotifyZSet, "zadd", ctx.argv[1]);
}

// ---- GEOPOS / GEOHASH / GEODIST ----------------------------------------------------------------

// GEOPOS and GEOHASH: one reply per member, from its decoded position; `missing` answers a member that
// is absent or whose score is not a valid position.
template <typename ReplyPosition>
void ReplyMemberPositions(CommandContext& ctx, void (protocol::ReplyWriter::*missing)(), ReplyPosition reply_position) {
  auto scores = engine::ZMScore(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2));
  if (Failed(ctx, scores)) return;
  ctx.reply.ArrayHeader(scores->size());
  for (const std::optional<double>& score : *scores) {
    double longitude = 0, latitude = 0;
    if (!score || !geo::DecodeScore(*score, &longitude, &latitude)) {
      (ctx.reply.*missing)();
      continue;
    }
    reply_position(longitude, latitude);
  }
}

// GEOPOS key [member ...]
void GeoPosCommand(CommandContext& ctx) {
  ReplyMemberPositions(ctx, &protocol::ReplyWriter::NullArray, [&](double longitude, double latitude) {
    ctx.reply.ArrayHeader(2);
    ReplyCoordinate(ctx, longitude);
    ReplyCoordinate(ctx, latitude);
  });
}

// GEOHASH key [member ...]
void GeoHashCommand(CommandContext& ctx) {
  ReplyMemberPositions(ctx, &protocol::ReplyWriter::Null, [&](double longitude, double latitude) {
    ctx.reply.Bulk(geo::StandardGeohash(longitude, latitude));
  });
}

// GEODIST key member1 member2 [M | KM | FT | MI]
void GeoDistCommand(CommandContext& ctx) {
  double to_meters = 1;
  if (ctx.argc() == 5) {
    to_meters = ParseUnit(ctx, ctx.argv[4]);
    if (to_meters < 0) return;
  } else if (ctx.argc() > 5) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  auto scores = engine::ZMScore(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2, 2));
  if (Failed(ctx, scores)) return;
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  if (!(*scores)[0] || !(*scores)[1] || !geo::DecodeScore(*(*scores)[0], &x1, &y1) ||
      !geo::DecodeScore(*(*scores)[1], &x2, &y2)) {
    ctx.reply.Null();
    return;
  }
  ReplyDistance(ctx, geo::Distance(x1, y1, x2, y2) / to_meters);
}

// ---- GEOSEARCH & co. ---------------------------------------------------------------------------

enum : unsigned {
  kByCoords = 1u << 0,     // GEORADIUS[_RO]: the centre is longitude latitude
  kByMember = 1u << 1,     // GEORADIUSBYMEMBER[_RO]: the centre is a member
  kNoStore = 1u << 2,      // the _RO forms: no STORE / STOREDIST
  kSearch = 1u << 3,       // GEOSEARCH syntax (FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX)
  kSearchStore = 1u << 4,  // GEOSEARCHSTORE: destination first, STOREDIST a flag
};

enum class Sort : uint8_t { kNone, kAsc, kDesc };


// The member's position, or false after replying with Redis's decode error (or an engine error).
bool MemberPosition(CommandContext& ctx, const engine::ZSetSnapshot& zset, std::string_view member,
                    geo::Shape* shape) {
  auto score = zset.Score(member);
  if (!score.ok() && !score.status().IsNotFound()) {
    ctx.reply.Error(err::FromStatus(score.status()));
    return false;
  }
  if (!score.ok() || !geo::DecodeScore(*score, &shape->longitude, &shape->latitude)) {
    ctx.reply.Error(kBadMember);
    return false;
  }
  return true;
}

// membersOfAllNeighbors: scans the cells in Redis's order, keeping the points inside the shape, and stops
// once `limit` (> 0: COUNT ... ANY) points are found.
engine::Status CollectPoints(const engine::ZSetSnapshot& zset, const geo::Shape& shape, int64_t limit,
                             std::vector<geo::Point>* out) {
  const geo::SearchAreas areas = geo::AreasForShape(shape);
  size_t last_processed = 0;
  for (size_t i = 0; i < 9; ++i) {
    const geo::Hash& cell = areas.cells[i];
    if (cell.IsZero()) continue;
    // Large radii can make neighbours coincide; Redis skips a cell equal to the last one scanned (but
    // never compares with the centre cell, index 0).
    if (last_processed != 0 && cell.bits == areas.cells[last_processed].bits &&
        cell.step == areas.cells[last_processed].step) {
      continue;
    }
    if (limit > 0 && !out->empty() && static_cast<int64_t>(out->size()) >= limit) break;
    geo::Hash next = cell;
    next.bits++;
    engine::ZRangeQuery query;
    query.kind = engine::ZRangeQuery::Kind::kScore;
    query.score.min = static_cast<double>(geo::Align52(cell));
    query.score.max = static_cast<double>(geo::Align52(next));
    query.score.max_exclusive = true;
    auto members = zset.Range(query);
    if (!members.ok()) return members.status();
    for (engine::ScoredMember& m : *members) {
      geo::Point p;
      if (geo::DecodeScore(m.score, &p.longitude, &p.latitude) &&
          geo::WithinShape(shape, p.longitude, p.latitude, &p.dist)) {
        p.score = m.score;
        p.member = std::move(m.member);
        out->push_back(std::move(p));
      }
      if (limit > 0 && static_cast<int64_t>(out->size()) >= limit) break;
    }
    last_processed = i;
  }
  return engine::Status::OK();
}

// The destination of a store form, found before the source is opened so that the read and the write happen
// under one lock: GEOSEARCHSTORE's first key, or the last STORE/STOREDIST option of GEORADIUS[BYMEMBER]
// (the one the option loop keeps). Empty when there is none (or the options are invalid: the loop then fails).
std::optional<std::string_view> FindStoreKey(const CommandContext& ctx, unsigned flags) {
  if (flags & kSearchStore) return ctx.argv[1];
  if (flags & (kNoStore | kSearch)) return std::nullopt;
  std::optional<std::string_view> key;
  for (size_t j = (flags & kByCoords) ? 6 : 5; j < ctx.argc(); ++j) {
    const std::string_view arg = ctx.argv[j];
    if (j + 1 >= ctx.argc()) break;
    if (EqualsIgnoreCase(arg, "count")) {
      ++j;
    } else if (EqualsIgnoreCase(arg, "store") || EqualsIgnoreCase(arg, "storedist")) {
      key = ctx.argv[++j];
    }
  }
  return key;
}

// georadiusGeneric. `src_index` is the source key's position in argv.
void GeoSearchGeneric(CommandContext& ctx, size_t src_index, unsigned flags) {
  // One snapshot and one lookup of the source for every read below, as Redis's single lookupKeyRead; a
  // store form also holds the destination's lock from here to its write.
  const std::optional<std::string_view> planned_store = FindStoreKey(ctx, flags);
  auto opened = planned_store
                    ? engine::ZSetSnapshot::OpenForStore(ctx.engine(), ctx.db(), ctx.argv[src_index], *planned_store)
                    : engine::ZSetSnapshot::Open(ctx.engine(), ctx.db(), ctx.argv[src_index]);
  if (Failed(ctx, opened)) return;
  std::unique_ptr<engine::ZSetSnapshot> snapshot = std::move(*opened);
  const engine::ZSetSnapshot& zset = *snapshot;
  const bool exists = zset.exists();

  std::string_view store_key;
  bool has_store = false;
  bool store_dist = false;
  geo::Shape shape;
  size_t base = 0;
  if (flags & kByCoords) {
    base = 6;
    if (!ParseLongLat(ctx, 2, &shape.longitude, &shape.latitude)) return;
    if (!ParseRadius(ctx, 4, &shape)) return;
  } else if ((flags & kByMember) && !exists) {
    base = 5;  // parse the options anyway: the reply to a missing key depends on STORE
  } else if (flags & kByMember) {
    base = 5;
    if (!MemberPosition(ctx, zset, ctx.argv[2], &shape)) return;
    if (!ParseRadius(ctx, 3, &shape)) return;
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      store_key = ctx.argv[1];
      has_store = true;
    }
  }

  bool withdist = false, withhash = false, withcoord = false;
  bool frommember = false, fromlonlat = false, byradius = false, bybox = false;
  bool any = false;
  Sort sort = Sort::kNone;
  int64_t count = 0;
  const size_t argc = ctx.argc();
  const bool search = (flags & kSearch) != 0;
  const bool can_store = !(flags & kNoStore) && !search;
  for (size_t j = base; j < argc; ++j) {
    const std::string_view arg = ctx.argv[j];
    const size_t left = argc - j - 1;  // arguments after this one
    if (EqualsIgnoreCase(arg, "withdist")) {
      withdist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      withhash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      withcoord = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      sort = Sort::kAsc;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      sort = Sort::kDesc;
    } else if (EqualsIgnoreCase(arg, "count") && left >= 1) {
      if (!common::ParseInt64(ctx.argv[j + 1], &count)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (count <= 0) {
        ctx.reply.Error(kCountPositive);
        return;
      }
      ++j;
    } else if (EqualsIgnoreCase(arg, "store") && left >= 1 && can_store) {
      store_key = ctx.argv[j + 1];
      has_store = true;
      store_dist = false;
      ++j;
    } else if (EqualsIgnoreCase(arg, "storedist") && left >= 1 && can_store) {
      store_key = ctx.argv[j + 1];
      has_store = true;
      store_dist = true;
      ++j;
    } else if (EqualsIgnoreCase(arg, "storedist") && search && (flags & kSearchStore)) {
      store_dist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && left >= 1 && search && !fromlonlat) {
      if (exists && !MemberPosition(ctx, zset, ctx.argv[j + 1], &shape)) return;
      frommember = true;
      ++j;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && left >= 2 && search && !frommember) {
      if (!ParseLongLat(ctx, j + 1, &shape.longitude, &shape.latitude)) return;
      fromlonlat = true;
      j += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && left >= 2 && search && !bybox) {
      if (!ParseRadius(ctx, j + 1, &shape)) return;
      shape.box = false;
      byradius = true;
      j += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && left >= 3 && search && !byradius) {
      if (!ParseBox(ctx, j + 1, &shape)) return;
      shape.box = true;
      bybox = true;
      j += 3;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }

  if (has_store && planned_store != store_key) {  // FindStoreKey mirrors the loop: never expected
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (has_store && (withdist || withhash || withcoord)) {
    ctx.reply.Error((flags & kSearchStore)
                        ? "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
                        : "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return;
  }
  if (search && !(frommember || fromlonlat)) {
    ctx.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + std::string(ctx.argv[0]));
    return;
  }
  if (search && !(byradius || bybox)) {
    ctx.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(ctx.argv[0]));
    return;
  }
  if (any && count == 0) {
    ctx.reply.Error(kAnyNeedsCount);
    return;
  }

  if (!exists) {
    if (!has_store) {
      ctx.reply.ArrayHeader(0);
      return;
    }
    auto deleted = snapshot->Store({});
    snapshot.reset();
    if (Failed(ctx, deleted)) return;
    if (deleted->dst_existed) NotifyKey(ctx, kNotifyGeneric, "del", store_key);
    ctx.reply.Integer(0);
    return;
  }

  // COUNT needs an order to return the nearest N (not with ANY, which takes the first N found).
  if (count != 0 && sort == Sort::kNone && !any) sort = Sort::kAsc;

  std::vector<geo::Point> points;
  engine::Status st = CollectPoints(zset, shape, any ? count : 0, &points);
  if (Failed(ctx, st)) return;
  if (points.empty() && !has_store) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  const size_t returned =
      (count == 0 || static_cast<int64_t>(points.size()) < count) ? points.size() : static_cast<size_t>(count);
  if (sort != Sort::kNone) geo::SortByDistance(points, sort == Sort::kDesc, returned);
  for (size_t i = 0; i < returned; ++i) points[i].dist /= shape.conversion;

  if (!has_store) {
    const size_t options = (withdist ? 1 : 0) + (withcoord ? 1 : 0) + (withhash ? 1 : 0);
    ctx.reply.ArrayHeader(returned);
    for (size_t i = 0; i < returned; ++i) {
      const geo::Point& p = points[i];
      if (options > 0) ctx.reply.ArrayHeader(options + 1);
      ctx.reply.Bulk(p.member);
      if (withdist) ReplyDistance(ctx, p.dist);
      if (withhash) ctx.reply.Integer(static_cast<int64_t>(p.score));
      if (withcoord) {
        ctx.reply.ArrayHeader(2);
        ReplyCoordinate(ctx, p.longitude);
        ReplyCoordinate(ctx, p.latitude);
      }
    }
    return;
  }

  std::vector<engine::ScoredMember> members;
  members.reserve(returned);
  for (size_t i = 0; i < returned; ++i) {
    members.push_back({std::move(points[i].member), store_dist ? points[i].dist : points[i].score});
  }
  auto stored = snapshot->Store(members);
  snapshot.reset();  // the locks, before the events
  if (Failed(ctx, stored)) return;
  if (!members.empty()) {
    NotifyKey(ctx, kNotifyZSet, search ? "geosearchstore" : "georadiusstore", store_key);
  } else if (stored->dst_existed) {
    NotifyKey(ctx, kNotifyGeneric, "del", store_key);
  }
  ctx.reply.Integer(static_cast<int64_t>(returned));
}

// GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]]
//   [ASC|DESC] [STORE key | STOREDIST key]
void GeoRadiusCommand(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kByCoords); }
// GEORADIUSBYMEMBER key member radius M|KM|FT|MI ... (as GEORADIUS)
void GeoRadiusByMemberCommand(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kByMember); }
void GeoRadiusRoCommand(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kByCoords | kNoStore); }
void GeoRadiusByMemberRoCommand(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kByMember | kNoStore); }
// GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude  BYRADIUS radius unit | BYBOX width height
//   unit [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
void GeoSearchCommand(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kSearch); }
// GEOSEARCHSTORE destination source ... (as GEOSEARCH, without WITH*) [STOREDIST]
void GeoSearchStoreCommand(CommandContext& ctx) { GeoSearchGeneric(ctx, 2, kSearch | kSearchStore); }

}  // namespace

void RegisterGeoCommands(CommandTable& table) {
  table.Bind("geoadd", GeoAddCommand);
  table.Bind("geopos", GeoPosCommand);
  table.Bind("geohash", GeoHashCommand);
  table.Bind("geodist", GeoDistCommand);
  table.Bind("georadius", GeoRadiusCommand);
  table.Bind("georadiusbymember", GeoRadiusByMemberCommand);
  table.Bind("georadius_ro", GeoRadiusRoCommand);
  table.Bind("georadiusbymember_ro", GeoRadiusByMemberRoCommand);
  table.Bind("geosearch", GeoSearchCommand);
  table.Bind("geosearchstore", GeoSearchStoreCommand);
}

}  // namespace redrock::server
