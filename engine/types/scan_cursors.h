#pragma once
// SCAN cursors. A cursor is a number naming (db, last key returned) in a bounded ring of recent
// cursors, so a SCAN step seeks straight past the key where the previous step stopped, and an old or
// forged cursor just restarts the iteration (the contract in engine.h). 0 is never issued.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace redrock::engine {

class ScanCursors {
 public:
  static constexpr size_t kCapacity = 65536;

  ScanCursors();
  // Remembers where a step stopped and returns the cursor to hand out.
  uint64_t Issue(int db, std::string last_key);
  // The last key of a cursor issued for `db`; nullopt when unknown, evicted or for another db.
  std::optional<std::string> Lookup(int db, uint64_t cursor);

 private:
  struct Slot {
    uint64_t id = 0;
    int db = 0;
    std::string last_key;
  };
  std::mutex mu_;
  uint64_t next_id_;
  std::vector<Slot> ring_;
};

}  // namespace redrock::engine
