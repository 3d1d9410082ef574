// The on-disk layout: ordering properties the engine relies on.
#include "engine/storage/encoding.h"

#include <catch2/catch.hpp>

namespace redrock::engine::encoding {

TEST_CASE("Data keys and db ranges", "[engine][encoding]") {
  std::string k;
  EncodeDataKey(&k, 3, "abc");
  CHECK(k == std::string("\x03" "abc", 4));
  CHECK(UserKeyOf(k) == "abc");
  CHECK(DbBegin(3) == "\x03");
  CHECK(DbEnd(3) == "\x04");
  CHECK(DbEnd(255).empty());
  CHECK(PrefixSuccessor("ab") == "ac");
  CHECK(PrefixSuccessor("a\xff") == "b");
  CHECK(PrefixSuccessor("\xff\xff").empty());
}

TEST_CASE("Value headers", "[engine][encoding]") {
  const std::string v = EncodeStringValue(1234, "payload");
  ValueHeader h;
  REQUIRE(ParseValueHeader(v, &h));
  CHECK(h.type == KeyType::kString);
  CHECK(h.expire_at_ms == 1234);
  CHECK(h.payload == "payload");
  const std::string w = WithExpiry(v, 0);
  REQUIRE(ParseValueHeader(w, &h));
  CHECK(h.expire_at_ms == 0);
  CHECK(h.payload == "payload");
  CHECK_FALSE(ParseValueHeader("short", &h));
  std::string bad = v;
  bad[0] = 9;
  CHECK_FALSE(ParseValueHeader(bad, &h));
  // Collections carry version and size.
  std::string c(kCollectionHeaderSize, '\0');
  c[0] = static_cast<char>(KeyType::kZSet);
  PutFixed64BE(c.data() + 9, 7);
  PutFixed64BE(c.data() + 17, 42);
  REQUIRE(ParseValueHeader(c, &h));
  CHECK(h.type == KeyType::kZSet);
  CHECK(h.version == 7);
  CHECK(h.size == 42);
  CHECK_FALSE(ParseValueHeader(c.substr(0, 20), &h));
  CHECK(IsExpired(5, 5));
  CHECK_FALSE(IsExpired(6, 5));
  CHECK_FALSE(IsExpired(0, 5));
}

TEST_CASE("Expiry keys sort by time first", "[engine][encoding]") {
  std::string a, b, c;
  EncodeExpiryKey(&a, 1000, 9, "zzz");
  EncodeExpiryKey(&b, 1001, 0, "aaa");
  EncodeExpiryKey(&c, 256, 0, "aaa");
  CHECK(a < b);
  CHECK(c < a);
  CHECK(a < ExpiryUpperBound(1000));
  CHECK_FALSE(b < ExpiryUpperBound(1000));
  int64_t at;
  int db;
  std::string_view key;
  REQUIRE(DecodeExpiryKey(a, &at, &db, &key));
  CHECK(at == 1000);
  CHECK(db == 9);
  CHECK(key == "zzz");
  CHECK_FALSE(DecodeExpiryKey("short", &at, &db, &key));
}

TEST_CASE("Counters encode int64", "[engine][encoding]") {
  int64_t v;
  for (int64_t x : {int64_t{0}, int64_t{1}, int64_t{-1}, INT64_MAX, INT64_MIN}) {
    REQUIRE(DecodeCounter(EncodeCounter(x), &v));
    CHECK(v == x);
  }
  CHECK_FALSE(DecodeCounter("abc", &v));
}

}  // namespace redrock::engine::encoding
