// The logical -> physical database map and its big-reader lock (db_map.h).
#include "engine/storage/db_map.h"

#include <thread>

#include "engine/types/collection.h"

namespace redrock::engine {

namespace {

// Each thread counts its holds in one slot, picked round-robin when it first holds any map (0 = not
// picked yet: a constant-initialized thread_local needs no initialization guard on every access).
std::atomic<uint32_t> next_slot{0};
constinit thread_local uint32_t tl_slot_plus_one = 0;

uint32_t ThreadSlot() {
  if (tl_slot_plus_one == 0) {
    tl_slot_plus_one = next_slot.fetch_add(1, std::memory_order_relaxed) % DbMap::kSlots + 1;
  }
  return tl_slot_plus_one - 1;
}

// The maps this thread holds (outermost holds), so that a nested hold takes nothing: a thread that
// counted itself again while a swap waits for it would wait for that swap forever.
struct Pin {
  const DbMap* map = nullptr;
  uint32_t depth = 0;
};
constexpr size_t kPins = 4;
constinit thread_local Pin tl_pins[kPins];

Pin* FindPin(const DbMap* map) {
  for (Pin& p : tl_pins) {
    if (p.map == map) return &p;
  }
  return nullptr;
}

}  // namespace

DbMap::DbMap() {
  for (int i = 0; i < kMaxDbs; ++i) {
    to_physical_[i] = static_cast<uint8_t>(i);
    to_logical_[i] = static_cast<uint8_t>(i);
  }
}

std::string DbMap::Encode() const {
  return std::string(reinterpret_cast<const char*>(to_physical_), kMaxDbs);
}

std::string DbMap::EncodeSwapped(int a, int b) const {
  std::string out = Encode();
  std::swap(out[static_cast<uint8_t>(a)], out[static_cast<uint8_t>(b)]);
  return out;
}

bool DbMap::Decode(std::string_view record) {
  if (record.size() != static_cast<size_t>(kMaxDbs)) return false;
  uint8_t inverse[kMaxDbs];
  bool seen[kMaxDbs] = {};
  for (int i = 0; i < kMaxDbs; ++i) {
    const auto p = static_cast<uint8_t>(record[i]);
    if (seen[p]) return false;
    seen[p] = true;
    inverse[p] = static_cast<uint8_t>(i);
  }
  for (int i = 0; i < kMaxDbs; ++i) {
    to_physical_[i] = static_cast<uint8_t>(record[i]);
    to_logical_[i] = inverse[i];
  }
  return true;
}

void DbMap::Swap(int a, int b) {
  const auto la = static_cast<uint8_t>(a);
  const auto lb = static_cast<uint8_t>(b);
  std::swap(to_physical_[la], to_physical_[lb]);
  to_logical_[to_physical_[la]] = la;
  to_logical_[to_physical_[lb]] = lb;
}

bool DbMap::HeldByThisThread() const { return FindPin(this) != nullptr; }

DbMap::Slot* DbMap::AcquireShared() {
  Slot* slot = &slots_[ThreadSlot()];
  for (;;) {
    slot->holds.fetch_add(1, std::memory_order_seq_cst);
    if (!swapping_.load(std::memory_order_seq_cst)) return slot;
    // A swap is waiting for the holders to leave (or running): step aside until it is done.
    ReleaseShared(slot);
    swapping_.wait(true, std::memory_order_acquire);
  }
}

void DbMap::ReleaseShared(Slot* slot) {
  // The last holder of a slot wakes a swap that waits for it. Both operations are seq_cst: either this
  // load sees the swap's flag, or the swap's load of the counter (after its flag store) sees the
  // decrement.
  if (slot->holds.fetch_sub(1, std::memory_order_seq_cst) == 1 && swapping_.load(std::memory_order_seq_cst)) {
    slot->holds.notify_all();
  }
}

DbMap::Exclusive::Exclusive(DbMap& map) : map_(map) {
  map_.swap_mu_.lock();
  map_.swapping_.store(true, std::memory_order_seq_cst);
  for (Slot& slot : map_.slots_) {
    for (uint32_t n = slot.holds.load(std::memory_order_seq_cst); n != 0;
         n = slot.holds.load(std::memory_order_seq_cst)) {
      slot.holds.wait(n, std::memory_order_seq_cst);
    }
  }
}

DbMap::Exclusive::~Exclusive() {
  map_.swapping_.store(false, std::memory_order_release);
  map_.swapping_.notify_all();
  map_.swap_mu_.unlock();
}

DbHold::DbHold(DbMap& map) : map_(map) {
  if (Pin* pin = FindPin(&map)) {
    ++pin->depth;
    return;
  }
  slot_ = map.AcquireShared();
  if (Pin* free_pin = FindPin(nullptr)) *free_pin = Pin{&map, 1};
}

DbHold::DbHold(Engine& engine, int& db) : DbHold(EngineInternals::Of(engine).db_map, db) {}

DbHold::~DbHold() {
  if (slot_ == nullptr) {
    --FindPin(&map_)->depth;
    return;
  }
  if (Pin* pin = FindPin(&map_)) *pin = Pin{};
  map_.ReleaseShared(slot_);
}

}  // namespace redrock::engine
