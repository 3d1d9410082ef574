// The `cmsgpack` library Redis bundles (lua-cmsgpack 0.4.0's API: pack, unpack, unpack_one, unpack_limit),
// written for redrock since Debian packages no MessagePack library for Lua 5.1. The encoding choices are
// Redis 7.0.15's, byte for byte:
// - a number that is an integer in int64 range takes the smallest integer form (fixint, uint8..64 for
//   non-negative values, negative fixint, int8..64 for negative ones); any other number is a float32
//   when it survives the round trip through float, else a float64;
// - strings: fixstr below 32 bytes, then str8, str16, str32;
// - a table whose keys are exactly 1..n (numbers, no holes; {} included) is an array, any other a map
//   (pairs in lua_next order); tables nested 16 deep are encoded as nil, which also ends circular ones;
// - anything else (functions, coroutines, nil) is nil.
// Map pairs come in lua_next order, as in Redis; for a table that had keys set to nil, that order depends
// on when the garbage collector marked those keys dead, so it can differ from Redis's (the collector runs
// at other moments here).
// Decoding accepts every type Redis's decoder does (not bin/ext); uint64 values wrap to int64, as
// Redis's do. The Lua stack is used as Redis's decoder uses it (one checked slot per value, a table and
// its pending key/index per nesting level), so the "stack overflow" limits and texts are the same.

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <lua.hpp>
#include <string>
#include <utility>

#include "server/scripting/lua_vm.h"

namespace redrock::server::lua_detail {

namespace {

constexpr int kMaxNesting = 16;

// --- Encoding -----------------------------------------------------------------------------------------

// Appends the low `bytes` bytes of `v`, most significant first.
void PutBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutTagged(std::string& out, uint8_t tag, uint64_t v, int bytes) {
  out.push_back(static_cast<char>(tag));
  PutBigEndian(out, v, bytes);
}

void EncodeInteger(std::string& out, int64_t n) {
  const auto u = static_cast<uint64_t>(n);
  if (n >= 0) {
    if (n < 128) {
      out.push_back(static_cast<char>(n));
    } else if (n <= 0xff) {
      PutTagged(out, 0xcc, u, 1);
    } else if (n <= 0xffff) {
      PutTagged(out, 0xcd, u, 2);
    } else if (n <= 0xffffffffLL) {
      PutTagged(out, 0xce, u, 4);
    } else {
      PutTagged(out, 0xcf, u, 8);
    }
  } else if (n >= -32) {
    out.push_back(static_cast<char>(n));  // 0xe0..0xff
  } else if (n >= INT8_MIN) {
    PutTagged(out, 0xd0, u, 1);
  } else if (n >= INT16_MIN) {
    PutTagged(out, 0xd1, u, 2);
  } else if (n >= INT32_MIN) {
    PutTagged(out, 0xd2, u, 4);
  } else {
    PutTagged(out, 0xd3, u, 8);
  }
}

void EncodeFloatingPoint(std::string& out, double d) {
  // Only a finite value beyond float's range fails the round trip without being representable; keep it
  // away from the (otherwise undefined) narrowing conversion.
  const bool fits = !std::isfinite(d) || std::fabs(d) <= FLT_MAX;
  const float f = fits ? static_cast<float>(d) : 0.0f;
  if (fits && static_cast<double>(f) == d) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    PutTagged(out, 0xca, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    PutTagged(out, 0xcb, bits, 8);
  }
}

// True if `d` is an integer that int64 holds exactly (what Redis's encoder writes as an integer).
bool IsInt64Value(double d) {
  return d >= -9223372036854775808.0 && d < 9223372036854775808.0 && std::trunc(d) == d;
}

void EncodeNumber(std::string& out, lua_Number d) {
  if (IsInt64Value(d)) {
    EncodeInteger(out, static_cast<int64_t>(d));
  } else {
    EncodeFloatingPoint(out, d);
  }
}

void EncodeString(std::string& out, const char* s, size_t len) {
  if (len < 32) {
    out.push_back(static_cast<char>(0xa0 | len));
  } else if (len <= 0xff) {
    PutTagged(out, 0xd9, len, 1);
  } else if (len <= 0xffff) {
    PutTagged(out, 0xda, len, 2);
  } else {
    PutTagged(out, 0xdb, len, 4);
  }
  out.append(s, len);
}

// The header of an array (fix_base 0x90, tags 0xdc/0xdd) or a map (0x80, 0xde/0xdf) of n entries.
void EncodeContainerHeader(std::string& out, uint8_t fix_base, uint8_t tag16, size_t n) {
  if (n <= 15) {
    out.push_back(static_cast<char>(fix_base | n));
  } else if (n <= 0xffff) {
    PutTagged(out, tag16, n, 2);
  } else {
    PutTagged(out, tag16 + 1, n, 4);
  }
}

// True if the keys of the table on top of the stack are the numbers 1..n (n the number of keys), each an
// integer of int range: such a table (the empty one too) is encoded as an array.
bool TableIsArray(lua_State* L) {
  luaL_checkstack(L, 2, "in function table_is_an_array");
  const int top = lua_gettop(L);
  int count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    lua_Number n;
    if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || n > INT_MAX || std::trunc(n) != n) {
      lua_settop(L, top);
      return false;
    }
    if (n > max) max = n;
    ++count;
  }
  return max == count;
}

void EncodeTop(lua_State* L, std::string& out, int level);

void EncodeArray(lua_State* L, std::string& out, int level) {
  const size_t len = lua_objlen(L, -1);
  EncodeContainerHeader(out, 0x90, 0xdc, len);
  luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
  for (size_t i = 1; i <= len; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    lua_gettable(L, -2);
    EncodeTop(L, out, level + 1);
  }
}

void EncodeMap(lua_State* L, std::string& out, int level) {
  luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    ++count;
  }
  EncodeContainerHeader(out, 0x80, 0xde, count);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    EncodeTop(L, out, level + 1);  // the key (a copy: lua_next needs the original)
    EncodeTop(L, out, level + 1);  // the value
  }
}

// Encodes the value on top of the stack and pops it.
void EncodeTop(lua_State* L, std::string& out, int level) {
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  switch (type) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeString(out, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      out.push_back(static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      break;
    case LUA_TNUMBER:
      EncodeNumber(out, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      // A library table is one of the sandbox's empty proxies: encode what it shows. The lookup needs the
      // two slots TableIsArray reserves next (so the same check, with the same text, comes first).
      luaL_checkstack(L, 2, "in function table_is_an_array");
      ResolveReadonlyProxy(L, -1);
      if (TableIsArray(L)) {
        EncodeArray(L, out, level);
      } else {
        EncodeMap(L, out, level);
      }
      break;
    default:
      out.push_back(static_cast<char>(0xc0));
      break;
  }
  lua_pop(L, 1);
}

// cmsgpack.pack(...): the encodings of the arguments, concatenated.
int Pack(lua_State* L) {
  const int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  // Room for one encoded string per argument, joined at the end.
  if (!lua_checkstack(L, nargs)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  std::string out;
  for (int i = 1; i <= nargs; ++i) {
    luaL_checkstack(L, 1, "in function mp_check");
    lua_pushvalue(L, i);
    EncodeTop(L, out, 0);
    lua_pushlstring(L, out.data(), out.size());
    out.clear();
  }
  lua_concat(L, nargs);
  return 1;
}

// --- Decoding -----------------------------------------------------------------------------------------

struct Cursor {
  enum class Error { kNone, kMissingBytes, kBadFormat };
  const unsigned char* p;
  size_t left;
  Error error = Error::kNone;

  bool Need(size_t n) {
    if (left >= n) return true;
    error = Error::kMissingBytes;
    return false;
  }
  void Skip(size_t n) {
    p += n;
    left -= n;
  }
  // The `bytes`-byte big-endian number after the first byte.
  uint64_t Field(int bytes) const {
    uint64_t v = 0;
    for (int i = 1; i <= bytes; ++i) v = (v << 8) | p[i];
    return v;
  }
};

void DecodeValue(lua_State* L, Cursor& c);

void DecodeArray(lua_State* L, Cursor& c, uint64_t n) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  for (uint64_t i = 1; i <= n; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    DecodeValue(L, c);
    if (c.error != Cursor::Error::kNone) return;
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor& c, uint64_t n) {
  lua_newtable(L);
  for (uint64_t i = 0; i < n; ++i) {
    DecodeValue(L, c);  // key
    if (c.error != Cursor::Error::kNone) return;
    DecodeValue(L, c);  // value
    if (c.error != Cursor::Error::kNone) return;
    lua_settable(L, -3);
  }
}

// A fixed-size scalar: `bytes` bytes follow the type byte.
bool TakeScalar(Cursor& c, int bytes, uint64_t& v) {
  if (!c.Need(1 + bytes)) return false;
  v = c.Field(bytes);
  c.Skip(1 + bytes);
  return true;
}

void DecodeString(lua_State* L, Cursor& c, int len_bytes) {
  if (!c.Need(1 + len_bytes)) return;
  const size_t len = c.Field(len_bytes);
  c.Skip(1 + len_bytes);
  if (!c.Need(len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), len);
  c.Skip(len);
}

void DecodeContainer(lua_State* L, Cursor& c, int len_bytes, bool map) {
  if (!c.Need(1 + len_bytes)) return;
  const uint64_t n = c.Field(len_bytes);
  c.Skip(1 + len_bytes);
  map ? DecodeMap(L, c, n) : DecodeArray(L, c, n);
}

// Decodes one value at the cursor and pushes it; on error sets c.error (what was pushed is then garbage).
void DecodeValue(lua_State* L, Cursor& c) {
  if (!c.Need(1)) return;
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  const unsigned char type = c.p[0];
  uint64_t v = 0;
  if (type <= 0x7f) {  // positive fixint
    lua_pushinteger(L, type);
    c.Skip(1);
  } else if (type >= 0xe0) {  // negative fixint
    lua_pushinteger(L, static_cast<int8_t>(type));
    c.Skip(1);
  } else if (type <= 0x8f) {  // fixmap
    c.Skip(1);
    DecodeMap(L, c, type & 0x0f);
  } else if (type <= 0x9f) {  // fixarray
    c.Skip(1);
    DecodeArray(L, c, type & 0x0f);
  } else if (type <= 0xbf) {  // fixstr
    const size_t len = type & 0x1f;
    if (!c.Need(1 + len)) return;
    lua_pushlstring(L, reinterpret_cast<const char*>(c.p + 1), len);
    c.Skip(1 + len);
  } else {
    switch (type) {
      case 0xc0:
        lua_pushnil(L);
        c.Skip(1);
        break;
      case 0xc2:
      case 0xc3:
        lua_pushboolean(L, type == 0xc3);
        c.Skip(1);
        break;
      case 0xca:
        if (TakeScalar(c, 4, v)) {
          const auto bits = static_cast<uint32_t>(v);
          float f;
          std::memcpy(&f, &bits, sizeof f);
          lua_pushnumber(L, f);
        }
        break;
      case 0xcb:
        if (TakeScalar(c, 8, v)) {
          double d;
          std::memcpy(&d, &v, sizeof d);
          lua_pushnumber(L, d);
        }
        break;
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:  // uint 8..64 (uint64 wraps to int64, as in Redis)
        if (TakeScalar(c, 1 << (type - 0xcc), v)) lua_pushinteger(L, static_cast<lua_Integer>(static_cast<int64_t>(v)));
        break;
      case 0xd0:
        if (TakeScalar(c, 1, v)) lua_pushinteger(L, static_cast<int8_t>(v));
        break;
      case 0xd1:
        if (TakeScalar(c, 2, v)) lua_pushinteger(L, static_cast<int16_t>(v));
        break;
      case 0xd2:
        if (TakeScalar(c, 4, v)) lua_pushinteger(L, static_cast<int32_t>(v));
        break;
      case 0xd3:
        if (TakeScalar(c, 8, v)) lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(v)));
        break;
      case 0xd9:
        DecodeString(L, c, 1);
        break;
      case 0xda:
        DecodeString(L, c, 2);
        break;
      case 0xdb:
        DecodeString(L, c, 4);
        break;
      case 0xdc:
        DecodeContainer(L, c, 2, false);
        break;
      case 0xdd:
        DecodeContainer(L, c, 4, false);
        break;
      case 0xde:
        DecodeContainer(L, c, 2, true);
        break;
      case 0xdf:
        DecodeContainer(L, c, 4, true);
        break;
      default:  // 0xc1, bin, ext, fixext
        c.error = Cursor::Error::kBadFormat;
        break;
    }
  }
}

// Decodes up to `limit` values of the string argument from byte `offset`. limit == offset == 0 means
// every value, returned as they are; otherwise the next offset (-1 once the input is used up) comes
// first.
int Unpack(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset < 0 || limit < 0) {
    // (Redis's text shows the input length as the "limit".)
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  const bool all = limit == 0 && offset == 0;
  if (all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int count = 0;
  for (; c.left > 0 && count < limit; ++count) {
    DecodeValue(L, c);
    if (c.error == Cursor::Error::kMissingBytes) return luaL_error(L, "Missing bytes in input.");
    if (c.error == Cursor::Error::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (all) return count;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
  lua_insert(L, 2);
  return count + 1;
}

// Drops the arguments after the first (the unpack_one/unpack_limit values then follow the string).
void KeepFirstArgument(lua_State* L) {
  if (lua_gettop(L) > 1) lua_settop(L, 1);
}

int UnpackAll(lua_State* L) { return Unpack(L, 0, 0); }

int UnpackOne(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  KeepFirstArgument(L);
  return Unpack(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  KeepFirstArgument(L);
  return Unpack(L, limit, offset);
}

const luaL_Reg kFunctions[] = {
    {"pack", Pack},
    {"unpack", UnpackAll},
    {"unpack_one", UnpackOne},
    {"unpack_limit", UnpackLimit},
    {nullptr, nullptr},
};

}  // namespace

int OpenCmsgpack(lua_State* L) {
  lua_newtable(L);
  luaL_register(L, nullptr, kFunctions);  // into the table on top, no global
  // The module's identification fields, as Redis's copy has them.
  const std::pair<const char*, const char*> kInfo[] = {
      {"_NAME", "cmsgpack"},
      {"_VERSION", "lua-cmsgpack 0.4.0"},
      {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
      {"_DESCRIPTION", "MessagePack C implementation for Lua"},
  };
  for (const auto& [field, value] : kInfo) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, field);
  }
  return 1;
}

}  // namespace redrock::server::lua_detail
