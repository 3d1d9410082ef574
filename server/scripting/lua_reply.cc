#include "server/scripting/lua_reply.h"

#include <cmath>
#include <cstdlib>
#include <lua.hpp>
#include <string>

#include "common/number_format.h"

namespace redrock::server {

namespace {

// Walks one reply produced by a command handler (well formed by construction; a truncated or unknown
// element becomes nil rather than an error).
class ReplyParser {
 public:
  ReplyParser(lua_State* L, std::string_view reply) : L_(L), p_(reply.data()), end_(reply.data() + reply.size()) {}

  // Parses the next element, pushing its Lua value when `push`.
  void Parse(bool push) {
    if (push && !lua_checkstack(L_, 4)) luaL_error(L_, "reached lua stack limit");
    if (p_ >= end_) {
      if (push) lua_pushnil(L_);
      return;
    }
    const char type = *p_++;
    const std::string_view line = Line();
    switch (type) {
      case '+':
        if (push) PushField("ok", line);
        break;
      case '-':
        if (push) {
          std::string error = "-";
          error.append(line.data(), line.size());
          PushErrorTable(L_, error);
          lua_pushboolean(L_, 1);
          lua_setfield(L_, -2, "ignore_error_stats_update");
        }
        break;
      case ':':
        if (push) lua_pushnumber(L_, static_cast<lua_Number>(Int(line)));
        break;
      case '$': {
        int64_t n = Int(line);
        if (n < 0) {
          if (push) lua_pushboolean(L_, 0);
          break;
        }
        std::string_view s = Take(static_cast<size_t>(n));
        if (push) lua_pushlstring(L_, s.data(), s.size());
        break;
      }
      case '*':
      case '>': {
        int64_t n = Int(line);
        if (n < 0) {
          if (push) lua_pushboolean(L_, 0);
          break;
        }
        if (push) lua_newtable(L_);
        for (int64_t i = 0; i < n; ++i) {
          if (push) lua_pushnumber(L_, static_cast<lua_Number>(i + 1));
          Parse(push);
          if (push) lua_settable(L_, -3);
        }
        break;
      }
      case '%': {
        int64_t n = Int(line);
        if (push) {
          lua_newtable(L_);
          lua_pushstring(L_, "map");
          lua_newtable(L_);
        }
        for (int64_t i = 0; i < n; ++i) {
          Parse(push);
          Parse(push);
          if (push) SetPair();
        }
        if (push) lua_settable(L_, -3);
        break;
      }
      case '~': {
        int64_t n = Int(line);
        if (push) {
          lua_newtable(L_);
          lua_pushstring(L_, "set");
          lua_newtable(L_);
        }
        for (int64_t i = 0; i < n; ++i) {
          Parse(push);
          if (push) {
            lua_pushboolean(L_, 1);
            SetPair();
          }
        }
        if (push) lua_settable(L_, -3);
        break;
      }
      case '_':
        if (push) lua_pushnil(L_);
        break;
      case '#':
        if (push) lua_pushboolean(L_, line == "t");
        break;
      case ',':
        if (push) {
          lua_newtable(L_);
          lua_pushstring(L_, "double");
          lua_pushnumber(L_, std::strtod(std::string(line).c_str(), nullptr));
          lua_settable(L_, -3);
        }
        break;
      case '(':
        if (push) PushField("big_number", line);
        break;
      case '=': {
        int64_t n = Int(line);
        std::string_view s = Take(n < 0 ? 0 : static_cast<size_t>(n));
        if (push) {
          std::string_view format = s.substr(0, 3);
          std::string_view text = s.size() >= 4 ? s.substr(4) : std::string_view();
          lua_newtable(L_);
          lua_pushstring(L_, "verbatim_string");
          lua_newtable(L_);
          lua_pushstring(L_, "string");
          lua_pushlstring(L_, text.data(), text.size());
          lua_settable(L_, -3);
          lua_pushstring(L_, "format");
          lua_pushlstring(L_, format.data(), format.size());
          lua_settable(L_, -3);
          lua_settable(L_, -3);
        }
        break;
      }
      case '|': {
        // Attributes are not shown to scripts: skip them, then parse the reply they decorate.
        int64_t n = Int(line);
        for (int64_t i = 0; i < 2 * n; ++i) Parse(false);
        Parse(push);
        break;
      }
      default:
        if (push) lua_pushnil(L_);
        break;
    }
  }

 private:
  std::string_view Line() {
    const char* start = p_;
    while (p_ + 1 < end_ && !(p_[0] == '\r' && p_[1] == '\n')) ++p_;
    std::string_view line(start, static_cast<size_t>(p_ - start));
    p_ = p_ + 2 <= end_ ? p_ + 2 : end_;
    return line;
  }

  std::string_view Take(size_t n) {
    size_t avail = static_cast<size_t>(end_ - p_);
    if (n > avail) n = avail;
    std::string_view s(p_, n);
    p_ += n;
    p_ = p_ + 2 <= end_ ? p_ + 2 : end_;
    return s;
  }

  static int64_t Int(std::string_view s) {
    int64_t n = 0;
    common::ParseInt64(s, &n);
    return n;
  }

  void PushField(const char* field, std::string_view value) {
    lua_newtable(L_);
    lua_pushstring(L_, field);
    lua_pushlstring(L_, value.data(), value.size());
    lua_settable(L_, -3);
  }

  // Stack: table, key, value. A nil key (a RESP3 null as map key or set member) cannot be stored.
  void SetPair() {
    if (lua_isnil(L_, -2)) {
      lua_pop(L_, 2);
      return;
    }
    lua_settable(L_, -3);
  }

  lua_State* L_;
  const char* p_;
  const char* end_;
};

// The string field `name` of the table on top of the stack, or false (stack unchanged).
bool GetStringField(lua_State* L, const char* name, std::string_view* out) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  bool ok = lua_type(L, -1) == LUA_TSTRING;
  if (ok) {
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    *out = std::string_view(s, len);  // valid while the table holds the string
  }
  lua_pop(L, 1);
  return ok;
}

std::string NoNewlines(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// The number of key/value pairs of the table on top of the stack (stack unchanged).
size_t CountPairs(lua_State* L) {
  size_t pairs = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    ++pairs;
    lua_pop(L, 1);
  }
  return pairs;
}

void WriteValue(lua_State* L, protocol::ReplyWriter& reply, int script_resp, int depth, LuaReplyErrors* errors);

void NoteError(LuaReplyErrors* errors, const std::string& msg, bool ignore_stats) {
  if (errors == nullptr) return;
  if (ignore_stats) {
    ++errors->uncounted;
  } else {
    errors->counted.push_back(msg);
  }
}

void WriteTable(lua_State* L, protocol::ReplyWriter& reply, int script_resp, int depth, LuaReplyErrors* errors) {
  std::string_view text;
  if (GetStringField(L, "err", &text)) {
    LuaErrorInfo info = ExtractErrorInfo(L, -1);
    reply.Error(info.msg);
    NoteError(errors, info.msg, info.ignore_stats);
    return;
  }
  if (GetStringField(L, "ok", &text)) {
    reply.Simple(NoNewlines(text));
    return;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    reply.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (GetStringField(L, "big_number", &text)) {
    std::string number = NoNewlines(text);
    if (reply.resp() >= 3) {
      reply.Raw("(" + number + "\r\n");
    } else {
      reply.Bulk(number);
    }
    return;
  }
  lua_pushstring(L, "verbatim_string");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    std::string_view format, str;
    if (GetStringField(L, "format", &format) && GetStringField(L, "string", &str)) {
      reply.Verbatim(str, format.substr(0, 3));
      lua_pop(L, 1);
      return;
    }
  }
  lua_pop(L, 1);
  lua_pushstring(L, "map");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    reply.MapHeader(CountPairs(L));
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);
      WriteValue(L, reply, script_resp, depth + 1, errors);  // the key
      WriteValue(L, reply, script_resp, depth + 1, errors);  // the value
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_pushstring(L, "set");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    reply.SetHeader(CountPairs(L));
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      WriteValue(L, reply, script_resp, depth + 1, errors);
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  // An array: elements 1..n, up to the first nil.
  size_t n = 0;
  for (;;) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    ++n;
  }
  reply.ArrayHeader(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    WriteValue(L, reply, script_resp, depth + 1, errors);
  }
}

// Nesting deeper than this is answered with Redis's stack-limit error. Redis stops only at the Lua
// stack limit (~8000 levels); the C stack of a recursion that deep overflows under AddressSanitizer and
// on small thread stacks, so the conversion stops earlier, with the same error.
constexpr int kMaxReplyDepth = 1000;

void WriteValue(lua_State* L, protocol::ReplyWriter& reply, int script_resp, int depth, LuaReplyErrors* errors) {
  if (depth > kMaxReplyDepth || !lua_checkstack(L, 4)) {
    reply.Error("ERR reached lua stack limit");
    NoteError(errors, "ERR reached lua stack limit", false);
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      reply.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          reply.Integer(1);
        } else {
          reply.Null();
        }
      } else {
        reply.Bool(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      reply.Integer(LuaNumberToInteger(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      WriteTable(L, reply, script_resp, depth, errors);
      break;
    default:
      reply.Null();
      break;
  }
  lua_pop(L, 1);
}

}  // namespace

void PushReplyAsLua(lua_State* L, std::string_view reply) {
  ReplyParser parser(L, reply);
  parser.Parse(true);
}

void WriteLuaValue(lua_State* L, protocol::ReplyWriter& reply, int script_resp, LuaReplyErrors* errors) {
  WriteValue(L, reply, script_resp, 0, errors);
}

void PushErrorTable(lua_State* L, std::string_view error) {
  std::string_view code = "ERR", msg = error;
  if (!error.empty() && error[0] == '-') {
    size_t space = error.find(' ');
    if (space == std::string_view::npos) {
      msg = error.substr(1);
    } else {
      code = error.substr(1, space - 1);
      msg = error.substr(space + 1);
    }
  }
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  std::string text;
  text.reserve(code.size() + 1 + msg.size());
  text.append(code).append(" ").append(msg);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, text.data(), text.size());
  lua_settable(L, -3);
}

LuaErrorInfo ExtractErrorInfo(lua_State* L, int idx) {
  LuaErrorInfo info;
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  auto read = [&](const char* field, std::string* out) {
    // Raw: a metatable's __index must not run here, outside the script's protected call (an error it
    // raised would abort the process).
    lua_pushstring(L, field);
    lua_rawget(L, idx);
    bool ok = lua_isstring(L, -1) != 0;
    if (ok) {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      out->assign(s, len);
    }
    lua_pop(L, 1);
    return ok;
  };
  if (lua_type(L, idx) == LUA_TSTRING || lua_type(L, idx) == LUA_TNUMBER) {
    size_t len;
    const char* s = lua_tolstring(L, idx, &len);
    info.msg = "ERR ";
    info.msg.append(s, len);
    info.has_msg = true;
    return info;
  }
  if (lua_type(L, idx) != LUA_TTABLE) return info;
  info.has_msg = read("err", &info.msg);
  info.has_source = read("source", &info.source);
  info.has_line = read("line", &info.line);
  lua_pushstring(L, "ignore_error_stats_update");
  lua_rawget(L, idx);
  info.ignore_stats = lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  return info;
}

int64_t LuaNumberToInteger(double value) {
  // x86's cvttsd2si: NaN and anything outside [-2^63, 2^63) give the "integer indefinite" INT64_MIN.
  if (std::isnan(value) || value >= 9223372036854775808.0 || value < -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(value);
}

}  // namespace redrock::server
