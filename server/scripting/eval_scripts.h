#pragma once
// The EVAL script cache and its Lua VM (Redis 7.0's eval.c): scripts are compiled once, named by the
// SHA-1 of their body, and kept until SCRIPT FLUSH, which also starts a fresh VM.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/ascii_case.h"
#include "server/scripting/lua_vm.h"

namespace redrock::server {

class EvalScripts {
 public:
  EvalScripts();
  ~EvalScripts();

  struct Script {
    std::string body;
    uint32_t flags = 0;  // ScriptFlag bits (kScriptEvalCompat when there is no shebang)
    int function_ref = 0;
  };

  // The script with this sha (any case), or nullptr.
  const Script* Find(std::string_view sha) const;
  // Finds or compiles `body`. On failure returns nullptr and sets *error to the reply text ("ERR ...").
  // *sha receives the body's SHA-1 either way.
  const Script* Create(std::string_view body, std::string* sha, std::string* error);

  // SCRIPT FLUSH: forgets every script and starts a new VM.
  void Flush();

  size_t size() const { return scripts_.size(); }  // INFO memory's number_of_cached_scripts

  LuaVm& vm() { return *vm_; }

 private:
  std::unique_ptr<LuaVm> vm_;
  std::unordered_map<std::string, Script, common::CaseInsensitiveHash, common::CaseInsensitiveEqual> scripts_;  // by sha
};

// Parses an EVAL script's "#!lua flags=..." first line (evalExtractShebangFlags). Sets *flags
// (kScriptEvalCompat when there is no shebang) and *shebang_len (the bytes before the first newline, 0
// without a shebang). False with *error set ("ERR ...") when the shebang is invalid.
bool ParseScriptShebang(std::string_view body, uint32_t* flags, size_t* shebang_len, std::string* error);

}  // namespace redrock::server
