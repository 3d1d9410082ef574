#include "server/scripting/function_library.h"

#include <cstring>
#include <lua.hpp>
#include <unordered_map>

#include "server/core/args.h"
#include "server/config/config_loader.h"
#include "common/ascii_case.h"
#include "server/scripting/lua_reply.h"
#include "server/scripting/script_run.h"

namespace redrock::server {

namespace {

constexpr std::string_view kNameRules =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
constexpr std::string_view kPayloadMagic = "RRFN";
constexpr char kPayloadVersion = 1;
constexpr std::string_view kBadPayload = "ERR DUMP payload version or checksum are wrong";

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

struct Metadata {
  std::string engine;
  std::string name;
  std::string_view body;  // from the shebang's newline on
};

// functionExtractLibMetaData.
bool ParseMetadata(std::string_view code, Metadata* md, std::string* error) {
  if (code.substr(0, 2) != "#!") {
    *error = "ERR Missing library metadata";
    return false;
  }
  size_t newline = code.find('\n');
  if (newline == std::string_view::npos) {
    *error = "ERR Invalid library metadata";
    return false;
  }
  std::vector<std::string> parts;
  if (!SplitConfigArgs(code.substr(0, newline), &parts) || parts.empty()) {
    *error = "ERR Invalid library metadata";
    return false;
  }
  md->engine = parts[0].substr(2);
  bool have_name = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.size() >= 5 && EqualsIgnoreCase(std::string_view(part).substr(0, 5), "name=")) {
      if (have_name) {
        *error = "ERR Invalid metadata value, name argument was given multiple times";
        return false;
      }
      md->name = part.substr(5);
      have_name = true;
      continue;
    }
    *error = "ERR Invalid metadata value given: " + part;
    return false;
  }
  if (!have_name) {
    *error = "ERR Library name was not given";
    return false;
  }
  md->body = code.substr(newline);
  return true;
}

uint64_t Fnv1a64(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t GetU32(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(s[i])) << (8 * i);
  return v;
}

bool DecodePayload(std::string_view payload, std::vector<std::string_view>* codes, std::string* error) {
  if (payload.size() < kPayloadMagic.size() + 1 + 8 || payload.substr(0, 4) != kPayloadMagic ||
      payload[4] != kPayloadVersion) {
    *error = kBadPayload;
    return false;
  }
  std::string_view body = payload.substr(0, payload.size() - 8);
  uint64_t sum = 0;
  for (int i = 0; i < 8; ++i)
    sum |= static_cast<uint64_t>(static_cast<unsigned char>(payload[body.size() + i])) << (8 * i);
  if (sum != Fnv1a64(body)) {
    *error = kBadPayload;
    return false;
  }
  body.remove_prefix(5);
  while (!body.empty()) {
    if (body.size() < 4 || GetU32(body) > body.size() - 4) {
      *error = "ERR failed loading the given functions payload";
      return false;
    }
    uint32_t len = GetU32(body);
    codes->push_back(body.substr(4, len));
    body.remove_prefix(4 + static_cast<size_t>(len));
  }
  return true;
}

// The count hook of a library's code: FUNCTION LOAD gives it at most timeout_ms.
void LoadHook(lua_State* L, lua_Debug*) {
  FunctionLoadContext* load = LuaVm::From(L)->load();
  if (load == nullptr || load->timeout_ms <= 0) return;
  auto elapsed = std::chrono::steady_clock::now() - load->start;
  if (elapsed > std::chrono::milliseconds(load->timeout_ms)) {
    lua_sethook(L, LoadHook, LUA_MASKLINE, 0);
    PushErrorTable(L, "FUNCTION LOAD timeout");
    lua_error(L);
  }
}

}  // namespace

struct FunctionLibrary::Set {
  Libraries libraries;
  // By name, in any case.
  std::unordered_map<std::string, std::pair<FunctionLib*, const FunctionInfo*>, common::CaseInsensitiveHash,
                     common::CaseInsensitiveEqual>
      functions;

  bool HasFunction(std::string_view name) const { return functions.count(name) != 0; }

  void Link(std::unique_ptr<FunctionLib> library) {
    for (const FunctionInfo& f : library->functions)
      functions.emplace(f.name, std::make_pair(library.get(), &f));
    std::string name = library->name;
    libraries[name] = std::move(library);
  }

  std::unique_ptr<FunctionLib> Unlink(const std::string& name) {
    auto it = libraries.find(name);
    if (it == libraries.end()) return nullptr;
    std::unique_ptr<FunctionLib> library = std::move(it->second);
    libraries.erase(it);
    for (const FunctionInfo& f : library->functions) {
      auto entry = functions.find(f.name);
      if (entry != functions.end() && entry->second.second == &f) functions.erase(entry);
    }
    return library;
  }
};

FunctionLibrary::FunctionLibrary()
    : vm_(std::make_unique<LuaVm>(LuaVm::Kind::kFunctions)), current_(std::make_unique<Set>()) {}

FunctionLibrary::~FunctionLibrary() = default;

const FunctionLibrary::Libraries& FunctionLibrary::libraries() const { return current_->libraries; }
size_t FunctionLibrary::function_count() const { return current_->functions.size(); }

bool FunctionLibrary::RunLibraryCode(FunctionLib& library, std::string_view body, std::string* error,
                                     int64_t timeout_ms) {
  lua_State* L = vm_->state();
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function") != 0) {
    *error = "ERR Error compiling function: " + std::string(lua_tostring(L, -1));
    lua_pop(L, 1);
    return false;
  }
  FunctionLoadContext load{&library, std::chrono::steady_clock::now(), timeout_ms};
  vm_->BeginLoad(&load);
  lua_sethook(L, LoadHook, LUA_MASKCOUNT, 100000);
  int err = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, nullptr, 0, 0);
  vm_->EndLoad();
  if (err != 0) {
    LuaErrorInfo info = ExtractErrorInfo(L, -1);
    *error = "ERR Error registering functions: " + (info.has_msg ? info.msg : std::string("(null)"));
    lua_pop(L, 1);
    return false;
  }
  return true;
}

bool FunctionLibrary::CreateInto(Set& into, std::string_view code, bool replace, std::string* result,
                                 int64_t timeout_ms) {
  Metadata md;
  if (!ParseMetadata(code, &md, result)) return false;
  if (!ValidName(md.name)) {
    *result = "ERR " + std::string(kNameRules);
    return false;
  }
  if (!EqualsIgnoreCase(md.engine, "lua")) {
    *result = "ERR Engine '" + md.engine + "' not found";
    return false;
  }
  if (into.libraries.count(md.name) != 0 && !replace) {
    *result = "ERR Library '" + md.name + "' already exists";
    return false;
  }
  std::unique_ptr<FunctionLib> old = into.Unlink(md.name);
  auto library = std::make_unique<FunctionLib>();
  library->name = md.name;
  library->code.assign(code);
  std::string error;
  bool ok = RunLibraryCode(*library, md.body, &error, timeout_ms);
  if (ok && library->functions.empty()) {
    error = "ERR No functions registered";
    ok = false;
  }
  if (ok) {
    for (const FunctionInfo& f : library->functions) {
      if (into.HasFunction(f.name)) {
        error = "ERR Function " + f.name + " already exists";
        ok = false;
        break;
      }
    }
  }
  if (!ok) {
    Release(*library);
    if (old) into.Link(std::move(old));
    *result = std::move(error);
    return false;
  }
  into.Link(std::move(library));
  if (old) Release(*old);
  *result = md.name;
  return true;
}

bool FunctionLibrary::Load(std::string_view code, bool replace, std::string* result, int64_t timeout_ms) {
  return CreateInto(*current_, code, replace, result, timeout_ms);
}

bool FunctionLibrary::Delete(std::string_view name) {
  std::unique_ptr<FunctionLib> library = current_->Unlink(std::string(name));
  if (!library) return false;
  Release(*library);
  return true;
}

void FunctionLibrary::Flush() {
  current_ = std::make_unique<Set>();
  vm_ = std::make_unique<LuaVm>(LuaVm::Kind::kFunctions);
}

std::string FunctionLibrary::Dump() const {
  std::string out(kPayloadMagic);
  out.push_back(kPayloadVersion);
  for (const auto& [name, library] : current_->libraries) {
    PutU32(&out, static_cast<uint32_t>(library->code.size()));
    out += library->code;
  }
  uint64_t sum = Fnv1a64(out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((sum >> (8 * i)) & 0xFF));
  return out;
}

bool FunctionLibrary::Restore(std::string_view payload, RestorePolicy policy, std::string* error, int64_t timeout_ms) {
  std::vector<std::string_view> codes;
  if (!DecodePayload(payload, &codes, error)) return false;
  Set restored;
  for (std::string_view code : codes) {
    std::string result;
    if (!CreateInto(restored, code, false, &result, timeout_ms)) {
      ReleaseAll(restored);
      *error = std::move(result);
      return false;
    }
  }
  if (policy == RestorePolicy::kFlush) {
    ReleaseAll(*current_);
    *current_ = std::move(restored);
    return true;
  }
  // libraryJoin: collisions abort (APPEND) or replace the old library (REPLACE); function names must
  // stay unique either way.
  std::vector<std::unique_ptr<FunctionLib>> replaced;
  auto revert = [&] {
    for (auto& old : replaced) current_->Link(std::move(old));
    ReleaseAll(restored);
  };
  for (const auto& [name, library] : restored.libraries) {
    if (current_->libraries.count(name) == 0) continue;
    if (policy != RestorePolicy::kReplace) {
      *error = "ERR Library " + name + " already exists";
      revert();
      return false;
    }
    replaced.push_back(current_->Unlink(name));
  }
  for (const auto& [name, library] : restored.libraries) {
    for (const FunctionInfo& f : library->functions) {
      if (current_->HasFunction(f.name)) {
        *error = "ERR Function " + f.name + " already exists";
        revert();
        return false;
      }
    }
  }
  for (auto& [name, library] : restored.libraries) current_->Link(std::move(library));
  for (auto& old : replaced) Release(*old);
  return true;
}

const FunctionInfo* FunctionLibrary::Find(std::string_view name, const FunctionLib** library) const {
  auto it = current_->functions.find(name);
  if (it == current_->functions.end()) return nullptr;
  if (library != nullptr) *library = it->second.first;
  return it->second.second;
}

void FunctionLibrary::Release(FunctionLib& library) {
  for (FunctionInfo& f : library.functions) luaL_unref(vm_->state(), LUA_REGISTRYINDEX, f.function_ref);
  library.functions.clear();
}

void FunctionLibrary::ReleaseAll(Set& set) {
  for (auto& [name, library] : set.libraries) {
    if (library) Release(*library);
  }
  set.libraries.clear();
  set.functions.clear();
}

// --- redis.register_function ---------------------------------------------------------------------------

namespace lua_detail {

namespace {

// The string (or number) at `index`, embedded NULs kept: a name with one is invalid, not truncated.
std::string LuaString(lua_State* L, int index) {
  size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  return std::string(s, len);
}

int RegisterError(lua_State* L, int callback_ref, std::string_view text) {
  if (callback_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, callback_ref);
  PushErrorTable(L, text);
  return lua_error(L);
}

// The flags table on top of the stack; false on a non-string or unknown flag.
bool ReadFlags(lua_State* L, uint32_t* flags) {
  uint32_t result = 0;
  for (int j = 1;; ++j) {
    lua_pushnumber(L, j);
    lua_gettable(L, -2);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      return false;
    }
    std::string_view name = lua_tostring(L, -1);
    bool found = false;
    for (const ScriptFlagName& f : kScriptFlagNames) {
      if (EqualsIgnoreCase(f.name, name)) {
        result |= f.flag;
        found = true;
        break;
      }
    }
    lua_pop(L, 1);
    if (!found) return false;
  }
  *flags = result;
  return true;
}

}  // namespace

int RegisterFunction(lua_State* L) {
  FunctionLoadContext* load = LuaVm::From(L)->load();
  if (load == nullptr)
    return RegisterError(L, LUA_NOREF, "redis.register_function can only be called on FUNCTION LOAD command");
  int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return RegisterError(L, LUA_NOREF, "wrong number of arguments to redis.register_function");

  FunctionInfo info;
  int callback = LUA_NOREF;
  bool have_name = false;
  if (argc == 1) {
    if (!lua_istable(L, 1)) {
      return RegisterError(L, LUA_NOREF,
                           "calling redis.register_function with a single argument is only applicable to Lua "
                           "table (representing named arguments).");
    }
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      if (!lua_isstring(L, -2)) {
        return RegisterError(L, callback, "named argument key given to redis.register_function is not a string");
      }
      lua_pushvalue(L, -2);  // a copy: lua_tostring must not convert the key next() iterates with
      std::string key = lua_tostring(L, -1);
      lua_pop(L, 1);
      if (EqualsIgnoreCase(key, "function_name")) {
        if (!lua_isstring(L, -1)) {
          return RegisterError(L, callback, "function_name argument given to redis.register_function must be a string");
        }
        info.name = LuaString(L, -1);
        have_name = true;
      } else if (EqualsIgnoreCase(key, "description")) {
        if (!lua_isstring(L, -1)) {
          return RegisterError(L, callback, "description argument given to redis.register_function must be a string");
        }
        info.description = LuaString(L, -1);
      } else if (EqualsIgnoreCase(key, "callback")) {
        if (!lua_isfunction(L, -1)) {
          return RegisterError(L, callback, "callback argument given to redis.register_function must be a function");
        }
        if (callback != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, callback);
        callback = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the value
        continue;
      } else if (EqualsIgnoreCase(key, "flags")) {
        if (!lua_istable(L, -1)) {
          return RegisterError(L, callback,
                               "flags argument to redis.register_function must be a table representing function flags");
        }
        if (!ReadFlags(L, &info.flags)) return RegisterError(L, callback, "unknown flag given");
      } else {
        return RegisterError(L, callback, "unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!have_name) return RegisterError(L, callback, "redis.register_function must get a function name argument");
    if (callback == LUA_NOREF)
      return RegisterError(L, callback, "redis.register_function must get a callback argument");
  } else {
    if (!lua_isstring(L, 1))
      return RegisterError(L, LUA_NOREF, "first argument to redis.register_function must be a string");
    if (!lua_isfunction(L, 2))
      return RegisterError(L, LUA_NOREF, "second argument to redis.register_function must be a function");
    info.name = LuaString(L, 1);
    callback = luaL_ref(L, LUA_REGISTRYINDEX);
  }

  if (!ValidName(info.name)) return RegisterError(L, callback, kNameRules);
  for (const FunctionInfo& f : load->library->functions) {
    if (f.name == info.name) return RegisterError(L, callback, "Function already exists in the library");
  }
  info.function_ref = callback;
  load->library->functions.push_back(std::move(info));
  return 0;
}

}  // namespace lua_detail

}  // namespace redrock::server
