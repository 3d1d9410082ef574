#include "server/scripting/eval_scripts.h"

#include <lua.hpp>
#include <vector>

#include "server/config/config_loader.h"
#include "server/scripting/script_run.h"
#include "common/sha1.h"

namespace redrock::server {

namespace {

// Redis's "%s\n"-formatted errors lose the trailing newline when sent.
std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

bool ParseScriptShebang(std::string_view body, uint32_t* flags, size_t* shebang_len, std::string* error) {
  *flags = kScriptEvalCompat;
  *shebang_len = 0;
  if (body.substr(0, 2) != "#!") return true;
  size_t newline = body.find('\n');
  if (newline == std::string_view::npos) {
    *error = "ERR Invalid script shebang";
    return false;
  }
  std::vector<std::string> parts;
  if (!SplitConfigArgs(body.substr(0, newline), &parts) || parts.empty()) {
    *error = "ERR Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    *error = "ERR Unexpected engine in script shebang: " + parts[0];
    return false;
  }
  uint32_t result = 0;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.substr(0, 6) != "flags=") {
      *error = "ERR Unknown lua shebang option: " + parts[i];
      return false;
    }
    std::string_view list = part.substr(6);
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view name = list.substr(0, comma);
      bool found = false;
      for (const ScriptFlagName& f : kScriptFlagNames) {
        if (f.name == name) {
          result |= f.flag;
          found = true;
          break;
        }
      }
      if (!found) {
        *error = "ERR Unexpected flag in script shebang: " + std::string(name);
        return false;
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
      if (list.empty()) {
        // "a," splits into "a" and "": the empty name is not a flag.
        *error = "ERR Unexpected flag in script shebang: ";
        return false;
      }
    }
  }
  *flags = result;
  *shebang_len = newline;
  return true;
}

EvalScripts::EvalScripts() : vm_(std::make_unique<LuaVm>(LuaVm::Kind::kEval)) {}
EvalScripts::~EvalScripts() = default;

const EvalScripts::Script* EvalScripts::Find(std::string_view sha) const {
  if (sha.size() != 40) return nullptr;
  auto it = scripts_.find(sha);
  return it == scripts_.end() ? nullptr : &it->second;
}

const EvalScripts::Script* EvalScripts::Create(std::string_view body, std::string* sha, std::string* error) {
  *sha = common::Sha1Hex(body);
  auto it = scripts_.find(*sha);
  if (it != scripts_.end()) return &it->second;

  uint32_t flags = 0;
  size_t shebang_len = 0;
  if (!ParseScriptShebang(body, &flags, &shebang_len, error)) return nullptr;

  // The shebang line is cut but its newline kept, so line numbers in errors match the script's.
  lua_State* L = vm_->state();
  std::string_view code = body.substr(shebang_len);
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_script") != 0) {
    *error = TrimTrailingNewlines("ERR Error compiling script (new function): " + std::string(lua_tostring(L, -1)));
    lua_pop(L, 1);
    return nullptr;
  }
  Script script;
  script.body.assign(body);
  script.flags = flags;
  script.function_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return &scripts_.emplace(*sha, std::move(script)).first->second;
}

void EvalScripts::Flush() {
  scripts_.clear();
  vm_ = std::make_unique<LuaVm>(LuaVm::Kind::kEval);
}

}  // namespace redrock::server
