// See geohash.h. Every formula and constant here is Redis 7.0's, evaluated in the same order, so the
// floating-point results are bit-identical.

#include "server/commands/geohash.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace redrock::server::geo {

namespace {

constexpr double kDegToRad = M_PI / 180.0;
constexpr double kEarthRadiusMeters = 6372797.560856;  // Redis's quadratic mean radius for WGS-84
constexpr double kMercatorMax = 20037726.37;

constexpr Range kLongRange{kLongMin, kLongMax};
constexpr Range kLatRange{kLatMin, kLatMax};

double DegRad(double deg) { return deg * kDegToRad; }
double RadDeg(double rad) { return rad / kDegToRad; }

bool RangeIsZero(const Range& r) { return r.max == 0 && r.min == 0; }

// Bit i of `even` goes to bit 2i, bit i of `odd` to bit 2i+1.
uint64_t Interleave(uint32_t even, uint32_t odd) {
  uint64_t out = 0;
  for (int i = 0; i < 32; ++i) {
    out |= static_cast<uint64_t>((even >> i) & 1u) << (2 * i);
    out |= static_cast<uint64_t>((odd >> i) & 1u) << (2 * i + 1);
  }
  return out;
}

// The inverse: the even bits in the low 32 bits of the result, the odd bits in the high 32.
uint64_t Deinterleave(uint64_t bits) {
  uint64_t even = 0, odd = 0;
  for (int i = 0; i < 32; ++i) {
    even |= ((bits >> (2 * i)) & 1u) << i;
    odd |= ((bits >> (2 * i + 1)) & 1u) << i;
  }
  return even | (odd << 32);
}

// x86-64's conversion of a double to uint64_t (what GCC emits for Redis's (uint64_t)score): below 2^63 a
// signed truncation (so negative scores wrap), from 2^63 on the same on score - 2^63 with the top bit
// flipped; an out-of-range signed conversion gives 2^63 (cvttsd2si's "integer indefinite").
uint64_t ScoreToBits(double v) {
  constexpr double kTwo63 = 9223372036854775808.0;
  auto truncate = [](double x) -> uint64_t {
    if (!(x > -kTwo63 && x < kTwo63)) return 0x8000000000000000ULL;
    return static_cast<uint64_t>(static_cast<int64_t>(x));
  };
  if (v < kTwo63) return truncate(v);
  return truncate(v - kTwo63) ^ 0x8000000000000000ULL;
}

// Moves a cell one step along longitude (odd bits, dx) or latitude (even bits, dy).
void MoveX(Hash* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  const uint64_t y = hash->bits & 0x5555555555555555ULL;
  const uint64_t zz = 0x5555555555555555ULL >> (64 - hash->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

void MoveY(Hash* hash, int d) {
  if (d == 0) return;
  const uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  const uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

Hash Moved(const Hash& h, int dx, int dy) {
  Hash out = h;
  MoveX(&out, dx);
  MoveY(&out, dy);
  return out;
}

int EstimateSteps(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

// The comparison of geo.c's sort_gp_asc / sort_gp_desc: by distance only.
int CompareDist(const Point& a, const Point& b, bool desc) {
  const int c = a.dist > b.dist ? 1 : (a.dist == b.dist ? 0 : -1);
  return desc ? -c : c;
}

int Med3(const std::vector<Point>& v, size_t a, size_t b, size_t c, bool desc) {
  return static_cast<int>(CompareDist(v[a], v[b], desc) < 0
                              ? (CompareDist(v[b], v[c], desc) < 0 ? b : (CompareDist(v[a], v[c], desc) < 0 ? c : a))
                              : (CompareDist(v[b], v[c], desc) > 0 ? b : (CompareDist(v[a], v[c], desc) < 0 ? a : c)));
}

void SwapBlocks(std::vector<Point>& v, size_t a, size_t b, size_t n) {
  for (size_t i = 0; i < n; ++i) std::swap(v[a + i], v[b + i]);
}

// Redis sorts with COUNT through pqsort (a Bentley-McIlroy quicksort that only recurses into partitions
// overlapping [lo, hi]), which is not stable: points at equal distances come out in its order, so this is
// the same algorithm, on element indexes, to give the same order.
void PartialSort(std::vector<Point>& v, size_t base, size_t n, bool desc, size_t lo, size_t hi) {
  for (;;) {
    if (n < 7) {
      for (size_t m = base + 1; m < base + n; ++m) {
        for (size_t l = m; l > base && CompareDist(v[l - 1], v[l], desc) > 0; --l) std::swap(v[l], v[l - 1]);
      }
      return;
    }
    size_t pm = base + n / 2;
    if (n > 7) {
      size_t pl = base;
      size_t pn = base + n - 1;
      if (n > 40) {
        const size_t d = n / 8;
        pl = Med3(v, pl, pl + d, pl + 2 * d, desc);
        pm = Med3(v, pm - d, pm, pm + d, desc);
        pn = Med3(v, pn - 2 * d, pn - d, pn, desc);
      }
      pm = Med3(v, pl, pm, pn, desc);
    }
    std::swap(v[base], v[pm]);
    size_t pa = base + 1, pb = base + 1;
    size_t pc = base + n - 1, pd = base + n - 1;
    for (;;) {
      int c = 0;
      while (pb <= pc && (c = CompareDist(v[pb], v[base], desc)) <= 0) {
        if (c == 0) std::swap(v[pa++], v[pb]);
        ++pb;
      }
      while (pb <= pc && (c = CompareDist(v[pc], v[base], desc)) >= 0) {
        if (c == 0) std::swap(v[pc], v[pd--]);
        --pc;
      }
      if (pb > pc) break;
      std::swap(v[pb++], v[pc--]);
    }
    const size_t pn = base + n;
    size_t r = std::min(pa - base, pb - pa);
    SwapBlocks(v, base, pb - r, r);
    r = std::min(pd - pc, pn - pd - 1);
    SwapBlocks(v, pb, pn - r, r);
    auto overlaps = [&](size_t start, size_t len) {
      return !((lo < start && hi < start) || (lo >= start + len && hi >= start + len));
    };
    if ((r = pb - pa) > 1 && overlaps(base, r)) PartialSort(v, base, r, desc, lo, hi);
    if ((r = pd - pc) > 1) {
      base = pn - r;
      n = r;
      if (overlaps(base, n)) continue;
    }
    return;
  }
}

}  // namespace

bool Encode(const Range& long_range, const Range& lat_range, double longitude, double latitude, int step, Hash* out) {
  if (step > 32 || step == 0 || RangeIsZero(lat_range) || RangeIsZero(long_range)) return false;
  if (longitude > kLongMax || longitude < kLongMin || latitude > kLatMax || latitude < kLatMin) return false;
  out->bits = 0;
  out->step = static_cast<uint8_t>(step);
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < long_range.min ||
      longitude > long_range.max) {
    return false;
  }
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - long_range.min) / (long_range.max - long_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  out->bits = Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(long_offset));
  return true;
}

bool EncodeWGS84(double longitude, double latitude, int step, Hash* out) {
  return Encode(kLongRange, kLatRange, longitude, latitude, step, out);
}

bool Decode(const Range& long_range, const Range& lat_range, const Hash& hash, Area* out) {
  if (hash.IsZero() || RangeIsZero(lat_range) || RangeIsZero(long_range)) return false;
  const uint64_t sep = Deinterleave(hash.bits);
  const double lat_scale = lat_range.max - lat_range.min;
  const double long_scale = long_range.max - long_range.min;
  const uint32_t ilat = static_cast<uint32_t>(sep);
  const uint32_t ilon = static_cast<uint32_t>(sep >> 32);
  const double cells = static_cast<double>(1ULL << hash.step);
  out->latitude.min = lat_range.min + (ilat * 1.0 / cells) * lat_scale;
  out->latitude.max = lat_range.min + (static_cast<uint32_t>(ilat + 1) * 1.0 / cells) * lat_scale;
  out->longitude.min = long_range.min + (ilon * 1.0 / cells) * long_scale;
  out->longitude.max = long_range.min + (static_cast<uint32_t>(ilon + 1) * 1.0 / cells) * long_scale;
  return true;
}

bool DecodeScore(double score, double* longitude, double* latitude) {
  Hash hash{ScoreToBits(score), kStepMax};
  Area area;
  if (!Decode(kLongRange, kLatRange, hash, &area)) return false;
  double x = (area.longitude.min + area.longitude.max) / 2;
  if (x > kLongMax) x = kLongMax;
  if (x < kLongMin) x = kLongMin;
  double y = (area.latitude.min + area.latitude.max) / 2;
  if (y > kLatMax) y = kLatMax;
  if (y < kLatMin) y = kLatMin;
  *longitude = x;
  *latitude = y;
  return true;
}

uint64_t Align52(const Hash& hash) { return hash.bits << (52 - hash.step * 2); }

std::string StandardGeohash(double longitude, double latitude) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  Hash hash;
  Encode(Range{-180, 180}, Range{-90, 90}, longitude, latitude, 26, &hash);
  std::string out(11, '0');
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(hash.bits >> (52 - (i + 1) * 5)) & 0x1f];
  out[10] = kAlphabet[0];  // 52 bits give 10 characters; Redis pads the 11th with 0
  return out;
}

double LatDistance(double lat1, double lat2) { return kEarthRadiusMeters * std::fabs(DegRad(lat2) - DegRad(lat1)); }

double Distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = DegRad(lon1);
  const double lon2r = DegRad(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  if (v == 0.0) return LatDistance(lat1, lat2);
  const double lat1r = DegRad(lat1);
  const double lat2r = DegRad(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

bool WithinShape(const Shape& shape, double longitude, double latitude, double* distance) {
  if (!shape.box) {
    *distance = Distance(shape.longitude, shape.latitude, longitude, latitude);
    return !(*distance > shape.radius * shape.conversion);
  }
  const double width_m = shape.width * shape.conversion;
  const double height_m = shape.height * shape.conversion;
  if (LatDistance(latitude, shape.latitude) > height_m / 2) return false;
  if (Distance(longitude, latitude, shape.longitude, latitude) > width_m / 2) return false;
  *distance = Distance(shape.longitude, shape.latitude, longitude, latitude);
  return true;
}

SearchAreas AreasForShape(const Shape& shape) {
  // The bounding box (geohashBoundingBox).
  const double longitude = shape.longitude;
  const double latitude = shape.latitude;
  const double height = shape.conversion * (shape.box ? shape.height / 2 : shape.radius);
  const double width = shape.conversion * (shape.box ? shape.width / 2 : shape.radius);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double long_delta_top = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude + lat_delta)));
  const double long_delta_bottom = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude - lat_delta)));
  const bool southern = latitude < 0;
  const double min_lon = southern ? longitude - long_delta_bottom : longitude - long_delta_top;
  const double max_lon = southern ? longitude + long_delta_bottom : longitude + long_delta_top;
  const double min_lat = latitude - lat_delta;
  const double max_lat = latitude + lat_delta;

  double radius_meters =
      shape.box ? std::sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
                : shape.radius;
  radius_meters *= shape.conversion;
  int steps = EstimateSteps(radius_meters, latitude);

  Hash hash;
  Hash n[8];  // north, south, east, west, north_east, north_west, south_east, south_west
  Area area;
  auto compute = [&]() {
    Encode(kLongRange, kLatRange, longitude, latitude, steps, &hash);
    n[0] = Moved(hash, 0, 1);
    n[1] = Moved(hash, 0, -1);
    n[2] = Moved(hash, 1, 0);
    n[3] = Moved(hash, -1, 0);
    n[4] = Moved(hash, 1, 1);
    n[5] = Moved(hash, -1, 1);
    n[6] = Moved(hash, 1, -1);
    n[7] = Moved(hash, -1, -1);
    Decode(kLongRange, kLatRange, hash, &area);
  };
  compute();

  bool decrease_step = false;
  {
    Area north, south, east, west;
    Decode(kLongRange, kLatRange, n[0], &north);
    Decode(kLongRange, kLatRange, n[1], &south);
    Decode(kLongRange, kLatRange, n[2], &east);
    Decode(kLongRange, kLatRange, n[3], &west);
    if (north.latitude.max < max_lat) decrease_step = true;
    if (south.latitude.min > min_lat) decrease_step = true;
    if (east.longitude.max < max_lon) decrease_step = true;
    if (west.longitude.min > min_lon) decrease_step = true;
  }
  if (steps > 1 && decrease_step) {
    steps--;
    compute();
  }

  if (steps >= 2) {
    const Hash zero{};
    if (area.latitude.min < min_lat) n[1] = n[7] = n[6] = zero;   // south, south_west, south_east
    if (area.latitude.max > max_lat) n[0] = n[4] = n[5] = zero;   // north, north_east, north_west
    if (area.longitude.min < min_lon) n[3] = n[7] = n[5] = zero;  // west, south_west, north_west
    if (area.longitude.max > max_lon) n[2] = n[6] = n[4] = zero;  // east, south_east, north_east
  }
  SearchAreas out;
  out.cells[0] = hash;
  for (int i = 0; i < 8; ++i) out.cells[i + 1] = n[i];
  return out;
}

std::string FormatDistance(double value) {
  if (value == 0) return "0.0000";
  const long long scaled = std::llrint(value * 10000.0);
  const bool negative = scaled < 0;
  const unsigned long long magnitude =
      negative ? static_cast<unsigned long long>(-(scaled + 1)) + 1 : static_cast<unsigned long long>(scaled);
  std::string digits = std::to_string(magnitude);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  digits.insert(digits.size() - 4, 1, '.');
  return negative ? "-" + digits : digits;
}

std::string FormatCoordinate(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[512];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(value));
  if (len <= 0 || static_cast<size_t>(len) >= sizeof(buf)) return std::string();
  if (std::strchr(buf, '.') != nullptr) {
    while (len > 0 && buf[len - 1] == '0') --len;
    if (len > 0 && buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, static_cast<size_t>(len));
}

void SortByDistance(std::vector<Point>& points, bool desc, size_t returned) {
  if (returned >= points.size()) {
    std::stable_sort(points.begin(), points.end(),
                     [desc](const Point& a, const Point& b) { return CompareDist(a, b, desc) < 0; });
  } else if (returned > 0) {
    PartialSort(points, 0, points.size(), desc, 0, returned - 1);
  }
}

}  // namespace redrock::server::geo
