#pragma once
// Private to config.cc: the table of every option redrock knows, with Redis 7.0's names, aliases,
// defaults (as CONFIG GET prints them) and validation rules.

#include <cstdint>
#include <span>

namespace redrock::server::config_internal {

enum class Kind : uint8_t {
  kBool,     // yes|no
  kInt,      // string2ll, then [min, max]
  kMemory,   // memtoull (512mb, 1gb, 10k...), then [min, max]; printed in bytes
  kEnum,     // one of `choices` (comma separated), case-insensitive; printed lower case
  kString,   // anything
  kSpecial,  // validated and normalised by a dedicated function (save, bind, notify-keyspace-events...)
};

enum OptionFlag : uint32_t {
  kImmutable = 1u << 0,  // CONFIG SET: "can't set immutable config"
  kProtected = 1u << 1,  // CONFIG SET: "can't set protected config"
  kMultiArg = 1u << 2,   // accepts several words in a config file line (joined by spaces)
  kEffective = 1u << 3,  // redrock acts on it; every other option is kept only so CONFIG GET returns it
  kClamp = 1u << 4,      // hz: accepted in [min, max], then clamped to [1, 500] as Redis does
};

struct OptionDef {
  const char* name;
  const char* alias;          // nullptr when none
  Kind kind;
  const char* default_value;  // as CONFIG GET prints it
  int64_t min = 0;
  int64_t max = 0;
  const char* choices = nullptr;  // kEnum
  uint32_t flags = 0;
  // Set when the option configures a protection, a limit or a feature redrock does not provide (TLS,
  // maxmemory, replication...): a sentence saying so. Such an option accepts only its default value, which
  // leaves the feature off; any other value is refused at startup and by CONFIG SET, so redrock never
  // claims a protection it does not give.
  const char* not_provided = nullptr;
};

// A config-file directive that is not an option (no CONFIG GET/SET) and that redrock refuses because
// it does not provide what it configures (`user`, `rename-command`...).
struct RefusedDirective {
  const char* name;
  const char* reason;
};

std::span<const OptionDef> AllOptions();
std::span<const RefusedDirective> RefusedDirectives();

}  // namespace redrock::server::config_internal
