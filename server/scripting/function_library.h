#pragma once
// Redis 7 Functions (functions.c, function_lua.c): libraries of Lua functions loaded with FUNCTION LOAD,
// run by FCALL, on their own Lua VM.
//
// A library's code starts with "#!lua name=<library>"; running it (with only `redis.register_function`,
// `redis.log` and the version fields visible, and a 500 ms limit) registers its functions. Function
// names are looked up case-insensitively; library names are case-sensitive.
//
// FUNCTION DUMP's payload is redrock's own format, not Redis's RDB bytes: "RRFN", a version byte, then
// each library's code as a 32-bit little-endian length and the bytes, then an FNV-1a 64-bit checksum of
// everything before it. FUNCTION RESTORE accepts what DUMP wrote and refuses anything else with Redis's
// "DUMP payload version or checksum are wrong". The same payload is the persistence file.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/scripting/lua_vm.h"

namespace redrock::server {

struct FunctionInfo {
  std::string name;
  std::optional<std::string> description;
  uint32_t flags = 0;  // ScriptFlag bits
  int function_ref = 0;
};

struct FunctionLib {
  std::string name;
  std::string code;                     // as loaded, shebang included
  std::vector<FunctionInfo> functions;  // in registration order
};

// What redis.register_function adds to while a library's code runs.
struct FunctionLoadContext {
  FunctionLib* library;
  std::chrono::steady_clock::time_point start;
  int64_t timeout_ms;  // 0 = no limit (loading the persisted libraries)
};

class FunctionLibrary {
 public:
  FunctionLibrary();
  ~FunctionLibrary();

  // FUNCTION LOAD [REPLACE]: true with *result = the library name, or false with *result = the error
  // ("ERR ..."). timeout_ms bounds the library code's run (0 = none).
  bool Load(std::string_view code, bool replace, std::string* result, int64_t timeout_ms = 500);
  // FUNCTION DELETE: false when there is no such library.
  bool Delete(std::string_view name);
  // FUNCTION FLUSH: no libraries, and a fresh VM.
  void Flush();

  std::string Dump() const;
  enum class RestorePolicy { kAppend, kReplace, kFlush };
  // FUNCTION RESTORE: false with *error ("ERR ...") and nothing changed on failure.
  bool Restore(std::string_view payload, RestorePolicy policy, std::string* error, int64_t timeout_ms = 500);

  // The function named `name` (any case) and its library, or nullptr.
  const FunctionInfo* Find(std::string_view name, const FunctionLib** library) const;

  using Libraries = std::map<std::string, std::unique_ptr<FunctionLib>>;
  // By name.
  const Libraries& libraries() const;
  size_t function_count() const;

  LuaVm& vm() { return *vm_; }

  // A set of libraries with its function index (the current one, or one being restored).
  struct Set;

 private:
  // functionsCreateWithLibraryCtx: parses `code`, runs it and links the library into `into`.
  bool CreateInto(Set& into, std::string_view code, bool replace, std::string* result, int64_t timeout_ms);
  // Runs the library body, collecting its functions. False with *error on a compile or run error.
  bool RunLibraryCode(FunctionLib& library, std::string_view body, std::string* error, int64_t timeout_ms);
  void Release(FunctionLib& library);  // drops its functions from the VM's registry
  void ReleaseAll(Set& set);

  std::unique_ptr<LuaVm> vm_;
  std::unique_ptr<Set> current_;
};

}  // namespace redrock::server
