#pragma once
// Options for opening an Engine. Defaults are sized for the edge: tens of MB, not GBs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "redrock/engine/clock.h"

namespace redrock::engine {

// Maps Redis's appendfsync onto the RocksDB WAL. In every mode the WAL is written before a write is
// acknowledged, so a process crash (kill -9) loses nothing; the modes differ only on power loss.
enum class SyncMode {
  kAlways,    // fsync the WAL on every write
  kEverySec,  // a background thread fsyncs the WAL once a second (default)
  kNo,        // leave it to the OS
};

struct Options {
  // Directory of the database. Created if missing (and create_if_missing). Required.
  std::string dir;
  bool create_if_missing = true;

  // Number of logical databases (SELECT 0..databases-1). 1..256.
  int databases = 16;

  SyncMode sync = SyncMode::kEverySec;

  // One LRU block cache shared by every column family.
  size_t block_cache_bytes = 32u << 20;
  // Memtable size per column family before it is flushed.
  size_t write_buffer_bytes = 16u << 20;
  // Background flush/compaction threads.
  int background_jobs = 2;

  // Budget of the in-memory cache of string values that GET fills (engine/storage/value_cache.h); 0 disables it.
  // Counted on top of block_cache_bytes.
  size_t value_cache_bytes = 16u << 20;

  // Largest string value SETRANGE/APPEND may build (Redis's proto-max-bulk-len).
  uint64_t max_string_bytes = 512ull << 20;

  // Active expiry: a background thread walks the expiry index and deletes keys whose time has come.
  bool active_expiry = true;
  int active_expiry_interval_ms = 100;

  // Time source; null means SystemClock().
  std::shared_ptr<Clock> clock;

  // Keys removed by expiry are reported to the KeyEventSink (key_events.h, OnKeyExpired), attached with
  // Engine::SetKeyEventSink.
};

}  // namespace redrock::engine
