#pragma once
// The engine tuning a Config asks for: what redrock-server opens its Engine with, for an embedder that
// opens its own Engine under a Server and wants the same behaviour as redrock-server from the same
// configuration (a config file loaded into a Config, or Config::Set calls).

#include "redrock/engine/options.h"
#include "redrock/engine/status.h"
#include "redrock/server/config.h"

namespace redrock::server {

// Engine options from `config`:
//   dir                <- dir
//   databases          <- databases (redrock's engine takes 1..256; more is InvalidArgument, whose
//                         message says so)
//   sync               <- appendfsync (always / everysec / no; CONFIG SET appendfsync later changes the
//                         running engine through the Server)
//   max_string_bytes   <- proto-max-bulk-len (the largest string SETRANGE/APPEND may build)
//   value_cache_bytes  <- value-cache-size
// Every other field keeps engine::Options' default (block cache, memtables, background jobs, active
// expiry, the system clock); the caller may change them before Engine::Open. Does not create `dir`.
engine::Result<engine::Options> EngineOptionsFor(const Config& config);

}  // namespace redrock::server
