#pragma once
// MEMORY USAGE: what one key takes in storage, estimated from its RocksDB entries.
//
// The estimate counts the uncompressed bytes of every entry the key owns: its value in the "default"
// column family (the string, or a collection's metadata), its expiry-index entry when it has a TTL,
// and, for a collection, its members (a sorted set stores two entries per member: member -> score and
// the score index). Each entry is counted as key bytes + value bytes + RocksDB's per-entry overhead
// (the 8-byte sequence/type trailer of the internal key and the block's three length varints).
// Compression, block indexes and filters are not attributed to keys; neither is the GET value cache
// (a copy of hot strings that is dropped under pressure).
//
// Like Redis, a big collection is sampled: the first `samples` members (in storage order) are
// measured and their average size is multiplied by the member count. `samples` 0 measures them all.

#include <cstdint>
#include <string_view>

#include "redrock/engine/engine.h"

namespace redrock::engine {

// Redis's default for MEMORY USAGE without SAMPLES.
inline constexpr int64_t kMemoryUsageDefaultSamples = 5;

// NotFound when the key is missing or expired. `samples` >= 0 (0 = every member).
Result<int64_t> MemoryUsage(Engine& engine, int db, std::string_view key, int64_t samples);

}  // namespace redrock::engine
