// The `struct` library Redis bundles (the Lua `struct` library's API: pack, unpack, size), written for
// redrock since Debian packages no such library for Lua 5.1. Behaviour as Redis 7.0.15 shows it:
// - format characters: '<' '>' (byte order; native, i.e. little, by default), '!n' (maximum alignment,
//   a power of 2, 8 without n; 1 until given), ' ' (ignored), 'x' (one zero byte), 'b'/'B' 'h'/'H'
//   'l'/'L' (signed/unsigned 1, 2, 8 bytes), 'T' (8), 'i'/'I' with an optional size in bytes (default 4,
//   at most 32), 'f' 'd' (float, double), 'cn' (n bytes of a string, n defaulting to 1; c0: the whole
//   string when packing, a length taken from the previous value when unpacking), 's' (a string and a
//   terminating zero byte);
// - an item is aligned to min(its size, the alignment) by rounding that assumes the size is a power of
//   2 (as Redis's does, so 'i3' under '!' lands where Redis puts it); 'c' items are never aligned;
// - integers are packed from the number converted to 64 bits the way Redis's x86-64 build converts it
//   (out-of-range values and NaN become 0x8000000000000000 or wrap), little bytes first for '<';
//   sizes above 8 bytes pad with zeros; unpacking keeps 64 bits, and a signed size above 8 bytes
//   sign-extends from bit (size*8-1) mod 64, as Redis's shift does on that CPU;
// - struct.size ignores letters that are no option (pack and unpack reject them).
// The Lua buffer and stack are used as Redis's code uses them (a nil after the arguments, the buffer's
// pieces above it), so a missing argument reads as "got nil" at the same positions.

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <lua.hpp>

#include "server/scripting/lua_vm.h"

namespace redrock::server::lua_detail {

namespace {

constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = std::max<int>(alignof(double), sizeof(int));

enum class Endian { kBig, kLittle };
constexpr Endian kNative = std::endian::native == std::endian::little ? Endian::kLittle : Endian::kBig;

struct Options {
  Endian endian = kNative;
  size_t align = 1;
};

bool IsDigit(int c) { return c >= '0' && c <= '9'; }
bool IsLower(int c) { return c >= 'a' && c <= 'z'; }
bool IsAlnum(int c) { return IsDigit(c) || IsLower(c) || (c >= 'A' && c <= 'Z'); }

// The decimal number at `fmt` (advanced past it), or `def` when there is none.
int ReadCount(lua_State* L, const char*& fmt, int def) {
  if (!IsDigit(*fmt)) return def;
  int n = 0;
  do {
    const int digit = *fmt++ - '0';
    if (n > (INT_MAX - digit) / 10) luaL_error(L, "integral size overflow");
    n = n * 10 + digit;
  } while (IsDigit(*fmt));
  return n;
}

// The size of option `opt` (its count read from `fmt`); 0 for options that take no room or no alignment.
size_t ItemSize(lua_State* L, int opt, const char*& fmt) {
  switch (opt) {
    case 'b':
    case 'B':
    case 'x':
      return 1;
    case 'h':
    case 'H':
      return sizeof(short);
    case 'l':
    case 'L':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'c':
      return static_cast<size_t>(ReadCount(L, fmt, 1));
    case 'i':
    case 'I': {
      const int size = ReadCount(L, fmt, sizeof(int));
      if (size > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      return static_cast<size_t>(size);
    }
    default:
      return 0;
  }
}

// Zero bytes to insert at `pos` before an item of `size` bytes.
size_t Padding(size_t pos, const Options& o, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  const size_t a = std::min(size, o.align);
  return (a - (pos & (a - 1))) & (a - 1);
}

// The options that are no item: byte order, alignment, blanks; anything else is an error.
void Control(lua_State* L, int opt, const char*& fmt, Options& o) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      o.endian = Endian::kBig;
      return;
    case '<':
      o.endian = Endian::kLittle;
      return;
    case '!': {
      const int a = ReadCount(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      o.align = static_cast<size_t>(a);
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

bool IsIntegerOption(int opt) {
  switch (opt) {
    case 'b':
    case 'B':
    case 'h':
    case 'H':
    case 'l':
    case 'L':
    case 'T':
    case 'i':
    case 'I':
      return true;
    default:
      return false;
  }
}

// A double converted to 64 bits as x86-64 code compiled from a C cast to unsigned long does: below 2^63
// (or NaN) the signed truncation, whose out-of-range result is 0x8000000000000000; from 2^63 the
// truncation of d - 2^63 with the top bit flipped.
uint64_t ToUint64(double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  auto truncate = [](double x) -> uint64_t {
    if (!(x >= -kTwo63 && x < kTwo63)) return uint64_t{1} << 63;
    return static_cast<uint64_t>(static_cast<int64_t>(x));
  };
  if (d >= kTwo63) return truncate(d - kTwo63) ^ (uint64_t{1} << 63);
  return truncate(d);
}

// Appends the low bytes of `v` as `size` bytes in byte order `e` (zeros beyond the 8th byte).
void PutBytes(luaL_Buffer* b, uint64_t v, Endian e, size_t size) {
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    buf[e == Endian::kLittle ? i : size - 1 - i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  luaL_addlstring(b, buf, size);
}

// The `size` bytes at `p` in byte order `e` as a number (the last 8 significant bytes kept).
uint64_t GetBytes(const char* p, Endian e, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    v = (v << 8) | static_cast<unsigned char>(p[e == Endian::kBig ? i : size - 1 - i]);
  }
  return v;
}

lua_Number GetInteger(const char* p, Endian e, bool is_signed, size_t size) {
  uint64_t v = GetBytes(p, e, size);
  if (!is_signed) return static_cast<lua_Number>(v);
  const uint64_t mask = ~uint64_t{0} << ((size * 8 - 1) & 63);
  if (v & mask) v |= mask;
  return static_cast<lua_Number>(static_cast<int64_t>(v));
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Options o;
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);  // between the arguments and the buffer's pieces
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = ItemSize(L, opt, fmt);
    size_t pad = Padding(total, o, opt, size);
    total += pad;
    for (; pad > 0; --pad) luaL_addchar(&b, '\0');
    if (IsIntegerOption(opt)) {
      PutBytes(&b, ToUint64(luaL_checknumber(L, arg++)), o.endian, size);
    } else {
      switch (opt) {
        case 'x':
          luaL_addchar(&b, '\0');
          break;
        case 'f': {
          // IEEE narrowing, as the hardware does it (beyond float's range: infinity).
          const auto f = static_cast<float>(luaL_checknumber(L, arg++));
          PutBytes(&b, std::bit_cast<uint32_t>(f), o.endian, size);
          break;
        }
        case 'd':
          PutBytes(&b, std::bit_cast<uint64_t>(luaL_checknumber(L, arg++)), o.endian, size);
          break;
        case 'c':
        case 's': {
          size_t len;
          const char* s = luaL_checklstring(L, arg++, &len);
          if (size == 0) size = len;
          luaL_argcheck(L, len >= size, arg, "string too short");  // (Redis names the next argument)
          luaL_addlstring(&b, s, size);
          if (opt == 's') {
            luaL_addchar(&b, '\0');
            ++size;
          }
          break;
        }
        default:
          Control(L, opt, fmt, o);
      }
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

int Unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len;
  const char* data = luaL_checklstring(L, 2, &len);
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));  // a negative offset wraps (and is too far)
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  Options o;
  int n = 0;
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = ItemSize(L, opt, fmt);
    pos += Padding(pos, o, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");  // the value and the next position
    if (IsIntegerOption(opt)) {
      lua_pushnumber(L, GetInteger(data + pos, o.endian, IsLower(opt), size));
      ++n;
    } else {
      switch (opt) {
        case 'x':
          break;
        case 'f':
          lua_pushnumber(L, std::bit_cast<float>(static_cast<uint32_t>(GetBytes(data + pos, o.endian, size))));
          ++n;
          break;
        case 'd':
          lua_pushnumber(L, std::bit_cast<double>(GetBytes(data + pos, o.endian, size)));
          ++n;
          break;
        case 'c':
          if (size == 0) {
            if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
            size = ToUint64(lua_tonumber(L, -1));
            lua_pop(L, 1);
            --n;
            luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
          }
          lua_pushlstring(L, data + pos, size);
          ++n;
          break;
        case 's': {
          const void* end = std::memchr(data + pos, '\0', len - pos);
          if (end == nullptr) luaL_error(L, "unfinished string in data");
          const size_t slen = static_cast<size_t>(static_cast<const char*>(end) - (data + pos));
          lua_pushlstring(L, data + pos, slen);
          ++n;
          size = slen + 1;
          break;
        }
        default:
          Control(L, opt, fmt, o);
      }
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Options o;
  size_t pos = 0;
  while (*fmt != '\0') {
    const int opt = *fmt++;
    const size_t size = ItemSize(L, opt, fmt);
    pos += Padding(pos, o, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!IsAlnum(opt)) Control(L, opt, fmt, o);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

const luaL_Reg kFunctions[] = {
    {"pack", Pack},
    {"unpack", Unpack},
    {"size", Size},
    {nullptr, nullptr},
};

}  // namespace

int OpenStruct(lua_State* L) {
  lua_newtable(L);
  luaL_register(L, nullptr, kFunctions);  // into the table on top, no global
  return 1;
}

}  // namespace redrock::server::lua_detail
