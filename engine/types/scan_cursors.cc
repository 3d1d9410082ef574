#include "engine/types/scan_cursors.h"

#include <random>

namespace redrock::engine {

ScanCursors::ScanCursors() : ring_(kCapacity) {
  // A random base keeps cursors from a previous process (or engine) from naming a live slot.
  std::random_device rd;
  next_id_ = ((static_cast<uint64_t>(rd()) << 16) ^ rd()) | 1;
}

uint64_t ScanCursors::Issue(int db, std::string last_key) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  if (id == 0) id = next_id_++;
  Slot& slot = ring_[id % kCapacity];
  slot.id = id;
  slot.db = db;
  slot.last_key = std::move(last_key);
  return id;
}

std::optional<std::string> ScanCursors::Lookup(int db, uint64_t cursor) {
  if (cursor == 0) return std::nullopt;
  std::lock_guard lock(mu_);
  const Slot& slot = ring_[cursor % kCapacity];
  if (slot.id != cursor || slot.db != db) return std::nullopt;
  return slot.last_key;
}

}  // namespace redrock::engine
