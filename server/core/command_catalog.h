#pragma once
// The command catalog: every command Redis 7.0.15 has, as real Redis describes it in COMMAND and
// COMMAND DOCS, generated into command_catalog_data.cc by scripts/gen_command_catalog.py. It is the one
// source of the command table's shape: CommandTable::Bind gives a handler a catalog entry by name, and
// the entry supplies the arity, flags, key positions and ACL categories that dispatch checks and the
// documentation, tips, key specs and argument tree that COMMAND INFO and COMMAND DOCS print.
//
// Strings that Redis may leave out are nullptr when absent. Index ranges point into the catalog's own
// flat tables (Args, KeySpecs, HistoryOf, Subcommands).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace redrock::server::catalog {

struct Range {
  uint16_t first = 0;
  uint16_t count = 0;
};

// COMMAND DOCS argument flags, in the order Redis prints them.
enum ArgFlag : uint8_t { kArgOptional = 1, kArgMultiple = 2, kArgMultipleToken = 4 };
// COMMAND DOCS doc_flags, in the order Redis prints them.
enum DocFlag : uint8_t { kDocDeprecated = 1, kDocSyscmd = 2 };

// One COMMAND DOCS argument. Only "oneof" and "block" arguments have children (the `arguments` field).
struct Arg {
  const char* name;
  const char* type;  // "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block"
  int key_spec_index;  // -1 when the argument is not a key
  const char* token;
  const char* summary;
  const char* since;
  const char* deprecated_since;
  uint8_t flags;  // ArgFlag bits
  uint16_t first_child;
  uint16_t num_children;
};

// One key spec (COMMAND INFO's eighth field).
struct KeySpec {
  const char* notes;
  const char* flags;       // space separated, in Redis's order: "RW access delete"
  const char* begin_type;  // "index", "keyword" or "unknown"
  int index;               // begin_search index
  const char* keyword;     // begin_search keyword
  int startfrom;
  const char* find_type;   // "range", "keynum" or "unknown"
  // range: lastkey, keystep, limit. keynum: keynumidx, firstkey, keystep.
  int a, b, c;
};

struct History {
  const char* since;
  const char* changes;
};

struct Command {
  const char* full_name;  // "get", "client|setname"
  int arity;
  uint32_t flags;         // CommandFlag bits (server/core/command_table.h) that COMMAND INFO prints
  int first_key, last_key, step;
  const char* acl_categories;  // space separated, in Redis's order: "@write @string @slow"
  const char* tips;            // space separated
  Range key_specs;
  const char* summary;
  const char* since;
  const char* group;
  const char* complexity;
  uint8_t doc_flags;  // DocFlag bits
  const char* deprecated_since;
  const char* replaced_by;
  bool has_history;
  Range history;
  bool has_arguments;
  Range arguments;
  Range subcommands;  // into Commands(): a container's subcommands, sorted by name
};

// All entries: the top-level commands first (TopLevelCount() of them, sorted by name), then the
// subcommands of each container.
std::span<const Command> Commands();
size_t TopLevelCount();
std::span<const Arg> Args(Range r);
std::span<const KeySpec> KeySpecs(Range r);
std::span<const History> HistoryOf(Range r);
std::span<const Command> Subcommands(const Command& c);

// The entry for "name" or "container|sub" (lower case); nullptr when Redis 7.0.15 has no such command.
const Command* Find(std::string_view full_name);

}  // namespace redrock::server::catalog
