#pragma once
// Redis 7.0's per-command documentation, tips and key specs, for COMMAND INFO and COMMAND DOCS
// (private to server/commands). The table is generated; see command_metadata.cc.

#include <span>
#include <string_view>

namespace redrock::server {

struct CommandMetadata {
  const char* name;        // full name: "get", "client|list"
  const char* summary;
  const char* since;
  const char* group;
  const char* complexity;
  const char* tips;        // comma separated, e.g. "request_policy:all_shards,response_policy:agg_sum"
  const char* key_specs;   // "flags|begin_search|find_keys|notes", ';' between specs; "" when none
};

// Sorted by name.
std::span<const CommandMetadata> AllCommandMetadata();

// nullptr when the command is unknown to the table.
const CommandMetadata* FindCommandMetadata(std::string_view full_name);

}  // namespace redrock::server
