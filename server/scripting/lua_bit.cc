// The `bit` library Redis bundles (LuaBitOp 1.0's API: tobit tohex bnot band bor bxor lshift rshift
// arshift rol ror bswap), written for redrock since Debian's lua-bitop is not a build dependency.
// Arguments are normalised as LuaBitOp does: the number plus 2^52+2^51, whose low 32 bits are the
// operand (round-to-nearest, then modulo 2^32); results are signed 32-bit numbers.

#include <cstdint>
#include <cstring>
#include <lua.hpp>

#include "server/scripting/lua_vm.h"

namespace redrock::server::lua_detail {

namespace {

uint32_t Arg(lua_State* L, int idx) {
  double n = luaL_checknumber(L, idx) + 6755399441055744.0;
  uint64_t bits;
  std::memcpy(&bits, &n, sizeof bits);
  return static_cast<uint32_t>(bits);
}

int Push(lua_State* L, uint32_t b) {
  lua_pushnumber(L, static_cast<lua_Number>(static_cast<int32_t>(b)));
  return 1;
}

int ToBit(lua_State* L) { return Push(L, Arg(L, 1)); }
int Bnot(lua_State* L) { return Push(L, ~Arg(L, 1)); }

template <typename Op>
int Fold(lua_State* L, Op op) {
  uint32_t b = Arg(L, 1);
  for (int i = lua_gettop(L); i > 1; --i) b = op(b, Arg(L, i));
  return Push(L, b);
}
int Band(lua_State* L) {
  return Fold(L, [](uint32_t a, uint32_t b) { return a & b; });
}
int Bor(lua_State* L) {
  return Fold(L, [](uint32_t a, uint32_t b) { return a | b; });
}
int Bxor(lua_State* L) {
  return Fold(L, [](uint32_t a, uint32_t b) { return a ^ b; });
}

int Lshift(lua_State* L) { return Push(L, Arg(L, 1) << (Arg(L, 2) & 31)); }
int Rshift(lua_State* L) { return Push(L, Arg(L, 1) >> (Arg(L, 2) & 31)); }
int Arshift(lua_State* L) {
  return Push(L, static_cast<uint32_t>(static_cast<int32_t>(Arg(L, 1)) >> (Arg(L, 2) & 31)));
}
int Rol(lua_State* L) {
  uint32_t b = Arg(L, 1), n = Arg(L, 2) & 31;
  return Push(L, n == 0 ? b : (b << n) | (b >> (32 - n)));
}
int Ror(lua_State* L) {
  uint32_t b = Arg(L, 1), n = Arg(L, 2) & 31;
  return Push(L, n == 0 ? b : (b >> n) | (b << (32 - n)));
}
int Bswap(lua_State* L) { return Push(L, __builtin_bswap32(Arg(L, 1))); }

int ToHex(lua_State* L) {
  uint32_t b = Arg(L, 1);
  int32_t n = lua_isnone(L, 2) ? 8 : static_cast<int32_t>(Arg(L, 2));
  const char* digits = "0123456789abcdef";
  if (n < 0) {
    n = -n;
    digits = "0123456789ABCDEF";
  }
  if (n > 8) n = 8;
  char buf[8];
  for (int i = n - 1; i >= 0; --i) {
    buf[i] = digits[b & 15];
    b >>= 4;
  }
  lua_pushlstring(L, buf, static_cast<size_t>(n));
  return 1;
}

const luaL_Reg kFunctions[] = {
    {"tobit", ToBit},   {"bnot", Bnot},     {"band", Band},       {"bor", Bor}, {"bxor", Bxor},
    {"lshift", Lshift}, {"rshift", Rshift}, {"arshift", Arshift}, {"rol", Rol}, {"ror", Ror},
    {"bswap", Bswap},   {"tohex", ToHex},   {nullptr, nullptr},
};

}  // namespace

int OpenBit(lua_State* L) {
  lua_newtable(L);
  luaL_register(L, nullptr, kFunctions);  // into the table on top, no global
  return 1;
}

}  // namespace redrock::server::lua_detail
