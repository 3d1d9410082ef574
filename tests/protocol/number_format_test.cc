// Number parsing and printing. The "Redis says" columns were checked against redis-server 7.0.15:
// ParseDouble via ZADD, ParseLongDouble and FormatLongDouble via SET + INCRBYFLOAT, FormatDouble via ZSCORE.
#include "common/number_format.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace common = redrock::common;

TEST_CASE("common::ParseInt64 follows string2ll") {
  struct Case {
    std::string in;
    bool ok;
    int64_t value;
  };
  const Case cases[] = {
      {"0", true, 0},
      {"1", true, 1},
      {"-1", true, -1},
      {"123456", true, 123456},
      {"9223372036854775807", true, INT64_MAX},
      {"-9223372036854775808", true, INT64_MIN},
      {"9223372036854775808", false, 0},
      {"-9223372036854775809", false, 0},
      {"18446744073709551616", false, 0},
      {"99999999999999999999", false, 0},
      {"000000000000000000001", false, 0},
      {"", false, 0},
      {"-", false, 0},
      {"-0", false, 0},
      {"00", false, 0},
      {"01", false, 0},
      {"+1", false, 0},
      {" 1", false, 0},
      {"1 ", false, 0},
      {"1a", false, 0},
      {"1.0", false, 0},
      {std::string("1\0", 2), false, 0},
  };
  for (const Case& c : cases) {
    INFO("[" << c.in << "]");
    int64_t v = 42;
    CHECK(common::ParseInt64(c.in, &v) == c.ok);
    if (c.ok) CHECK(v == c.value);
  }
  CHECK(common::ParseInt64("5", nullptr));
}

TEST_CASE("common::FormatInt64") {
  char buf[21];
  const int64_t values[] = {0, 1, -1, 9, 10, 99, 100, -100, 12345, 1000000, 4294967296LL, INT64_MAX, INT64_MIN};
  for (int64_t v : values) CHECK(common::FormatInt64(v, buf) == std::to_string(v));
  for (int64_t v = -2000; v <= 2000; ++v) REQUIRE(common::FormatInt64(v, buf) == std::to_string(v));
}

TEST_CASE("common::ParseDouble follows string2d (ZADD scores)") {
  struct Case {
    std::string in;
    bool ok;
    double value;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const Case cases[] = {
      {"1.1", true, 1.1},
      {"3", true, 3},
      {"inf", true, inf},
      {"+inf", true, inf},
      {"-inf", true, -inf},
      {"infinity", true, inf},
      {"-Infinity", true, -inf},
      {"1e3", true, 1000},
      {"0x10", true, 16},
      {".5", true, 0.5},
      {"5.", true, 5},
      {"+5", true, 5},
      {"-0", true, -0.0},
      {"nan", false, 0},
      {"NaN", false, 0},
      {" 1", false, 0},
      {"1 ", false, 0},
      {"", false, 0},
      {"1e400", false, 0},
      {"1e-400", false, 0},
      {"1e", false, 0},
      {"1_0", false, 0},
      {"abc", false, 0},
      {std::string("1\0", 2), false, 0},
  };
  for (const Case& c : cases) {
    INFO("[" << c.in << "]");
    double v = 42;
    CHECK(common::ParseDouble(c.in, &v) == c.ok);
    if (c.ok) CHECK(v == c.value);
  }
  double v = 0;
  CHECK(common::ParseDouble("1" + std::string(300, '0'), &v));
  CHECK(v == 1e300);
}

TEST_CASE("common::ParseLongDouble follows string2ld (INCRBYFLOAT)") {
  struct Case {
    std::string in;
    bool ok;
    long double value;
  };
  const Case cases[] = {
      {"0.1", true, 0.1L},
      {"10.50", true, 10.5L},
      {"+1.5", true, 1.5L},
      {"-.5", true, -0.5L},
      {"1.0e-5", true, 1.0e-5L},
      {"3.0e3", true, 3000.0L},
      {"0x1p3", true, 8.0L},
      {"inf", true, std::numeric_limits<long double>::infinity()},
      {" 1", false, 0},
      {"1 ", false, 0},
      {"  ", false, 0},
      {"nan", false, 0},
      {"", false, 0},
      {"1e5000", false, 0},
      {"1e-5000", false, 0},
      {"1e", false, 0},
      {"0x", false, 0},
      {"1,5", false, 0},
      // The whole input must be the number: an embedded NUL (where strtold stops) makes it invalid
      // (7.0.15: INCRBYFLOAT/HINCRBYFLOAT reject "1.5\0xyz").
      {std::string("1.5\0xyz", 7), false, 0},
      {std::string("1.5\0", 4), false, 0},
      {std::string("5\0\0\0001", 5), false, 0},
      {std::string("1\0", 2), false, 0},
  };
  for (const Case& c : cases) {
    INFO("[" << c.in << "]");
    long double v = 42;
    CHECK(common::ParseLongDouble(c.in, &v) == c.ok);
    if (c.ok) CHECK(v == c.value);
  }
  long double v = 0;
  CHECK(common::ParseLongDouble("1e-4950", &v));  // subnormal, accepted by Redis
  CHECK(v > 0);
  CHECK(common::ParseLongDouble(std::string(5118, '0') + "1", &v));  // 5119 bytes: the longest Redis accepts
  CHECK(v == 1);
  CHECK_FALSE(common::ParseLongDouble(std::string(5119, '0') + "1", &v));
}

TEST_CASE("common::FormatLongDouble follows ld2string(LD_STR_HUMAN)") {
  // INCRBYFLOAT results from redis-server 7.0.15: (stored value, increment) -> reply.
  struct Case {
    const char* base;
    const char* incr;
    const char* expected;
  };
  const Case cases[] = {
      {"10.50", "0.1", "10.6"},
      {"10", "1.0e-5", "10.00001"},
      {"3.0e3", "0", "3000"},
      {"5.0e3", "2.0e2", "5200"},
      {"1", "-1", "0"},
      {"0", "-0.00000000000000000001", "0"},
      {"1.5", "1e-20", "1.5"},
      {"0", "0.1", "0.1"},
      {"0", "1.1", "1.1"},
      {"0", "123456789.123456789", "123456789.12345678899873747"},
      {"0", "1e20", "100000000000000000000"},
      {"0", "-3.5", "-3.5"},
      {"0", "0x1p3", "8"},
      {"1.5", "1", "2.5"},
      {"0", "1.0e-5", "0.00001"},
      {"0", "0.3", "0.3"},
      {"0.3", "1e-17", "0.30000000000000001"},
      {"1e17", "1.5", "100000000000000001.5"},
      {"1", "+1.5", "2.5"},
      {"1", "-.5", "0.5"},
      {"0", "1e300",
       "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497"
       "1903503725086142748359035925561846729839130962605207486462873271356418436532940842551076060167897266"
       "5293237003055138294762099454029477278188962060617926761162709741065056718738610569008942491510400614"
       "4"},
      {"0", "17976931348623157e292",
       "1797693134862315699959210467741044340483864469443291784853144207651766285231243963547018686083870855"
       "6442879341942552068930870836345113605535789727802647761707349897768628839483561816329404559443492953"
       "7447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863"
       "339536384"},
  };
  for (const Case& c : cases) {
    INFO(c.base << " + " << c.incr);
    long double a = 0, b = 0;
    REQUIRE(common::ParseLongDouble(c.base, &a));
    REQUIRE(common::ParseLongDouble(c.incr, &b));
    CHECK(common::FormatLongDouble(a + b) == c.expected);
  }
  CHECK(common::FormatLongDouble(std::numeric_limits<long double>::infinity()) == "inf");
  CHECK(common::FormatLongDouble(-std::numeric_limits<long double>::infinity()) == "-inf");
  CHECK(common::FormatLongDouble(-0.0L) == "0");
  CHECK(common::FormatLongDouble(std::numeric_limits<long double>::max()).size() > 4900);
}

TEST_CASE("common::FormatDouble follows addReplyDouble") {
  CHECK(common::FormatDouble(1.1) == "1.1000000000000001");
  CHECK(common::FormatDouble(3) == "3");
  CHECK(common::FormatDouble(0.1) == "0.10000000000000001");
  CHECK(common::FormatDouble(1e300) == "1.0000000000000001e+300");
  CHECK(common::FormatDouble(2.5e-5) == "2.5000000000000001e-05");
  CHECK(common::FormatDouble(-0.0) == "-0");
  CHECK(common::FormatDouble(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(common::FormatDouble(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(common::FormatDouble(std::nan("")) == "nan");
  CHECK(common::FormatDouble(-std::nan("")) == "-nan");
  CHECK(common::FormatDouble(-std::numeric_limits<double>::max()) == "-1.7976931348623157e+308");
  CHECK(common::FormatDouble(std::numeric_limits<double>::denorm_min()) == "4.9406564584124654e-324");
}
