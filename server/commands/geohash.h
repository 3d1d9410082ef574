#pragma once
// The geohash arithmetic behind the GEO commands, with Redis 7.0's constants and formulas (geohash.c,
// geohash_helper.c, geo.c), so that scores, coordinates, distances and search areas agree with Redis to
// the last bit: a point is a 52-bit score, 26 bits of latitude (even bits) interleaved with 26 bits of
// longitude (odd bits), over longitude [-180, 180] and latitude [-85.05112878, 85.05112878].

#include <cstdint>
#include <string>
#include <vector>

namespace redrock::server::geo {

inline constexpr double kLongMin = -180;
inline constexpr double kLongMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr int kStepMax = 26;  // 52 bits

struct Range {
  double min = 0;
  double max = 0;
};

// A cell: `step` bits of each coordinate, interleaved. step 0 and bits 0: "no cell" (an excluded neighbour).
struct Hash {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool IsZero() const { return bits == 0 && step == 0; }
};

struct Area {
  Range longitude;
  Range latitude;
};

// Encodes a point within the ranges; false when it lies outside them (or outside Redis's limits).
bool Encode(const Range& long_range, const Range& lat_range, double longitude, double latitude, int step, Hash* out);
bool EncodeWGS84(double longitude, double latitude, int step, Hash* out);
// The cell's bounds; false for a zero hash.
bool Decode(const Range& long_range, const Range& lat_range, const Hash& hash, Area* out);
// A sorted-set score (Redis casts it to uint64_t) to the centre of its 52-bit cell, clamped to the limits.
bool DecodeScore(double score, double* longitude, double* latitude);
// The 52-bit score of a step-`step` hash.
uint64_t Align52(const Hash& hash);
// The 11-character standard geohash (latitude over [-90, 90]) of a point, as GEOHASH prints it.
std::string StandardGeohash(double longitude, double latitude);

// Haversine over Redis's earth radius, in meters.
double Distance(double lon1, double lat1, double lon2, double lat2);
double LatDistance(double lat1, double lat2);

// A search shape: centre, and either a radius or a box, in `conversion` meters per unit.
struct Shape {
  bool box = false;
  double longitude = 0;
  double latitude = 0;
  double radius = 0;  // !box
  double width = 0;   // box
  double height = 0;
  double conversion = 1;
};

// Whether the point is inside the shape, and its distance (meters) from the centre when it is.
bool WithinShape(const Shape& shape, double longitude, double latitude, double* distance);

// The cells to scan for a shape, in Redis's order: the centre cell, then N, S, E, W, NE, NW, SE, SW (some
// zeroed when useless), as geohashCalculateAreasByShapeWGS84 computes them.
struct SearchAreas {
  Hash cells[9];
};
SearchAreas AreasForShape(const Shape& shape);

// A point a search found.
struct Point {
  double longitude = 0;
  double latitude = 0;
  double dist = 0;  // from the centre, in meters (the search then divides it into the reply's unit)
  double score = 0;
  std::string member;
};

// Orders points by distance (descending with `desc`) as Redis does, ties included: all of them with qsort
// (glibc: a stable merge sort) when `returned` is all of them, else with Redis's partial quicksort pqsort,
// which only orders the first `returned` (> 0) and leaves ties in its own (unstable) order.
void SortByDistance(std::vector<Point>& points, bool desc, size_t returned);

// Redis's reply formats: a distance with 4 decimals (fixedpoint_d2string), and a coordinate as
// "%.17Lf" with trailing zeros (and a trailing dot) removed (ld2string LD_STR_HUMAN).
std::string FormatDistance(double meters_in_unit);
std::string FormatCoordinate(double value);

}  // namespace redrock::server::geo
