#pragma once
// Test-only access to the engine's internals (tests/, fuzz/): what the public API cannot do, kept out of
// the production library and of the public headers.

#include <cstdint>
#include <string_view>

#include "redrock/engine/engine.h"
#include "engine/storage/engine_impl.h"

namespace redrock::engine {

struct EngineTestPeer {
  static Engine::Impl& ImplOf(Engine& e);
  // Runs one active-expiry pass now (with a ManualClock, say); returns the keys removed.
  static int64_t RunExpiryCycle(Engine& e);
  // Stores a collection header of `type` (size 1, version 1) at key, with counters kept exact: a fake
  // collection, to exercise WrongType paths.
  static Status PutFakeCollection(Engine& e, int db, std::string_view key, KeyType type, int64_t expire_at_ms = 0);
};

}  // namespace redrock::engine
