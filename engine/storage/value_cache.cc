#include "engine/storage/value_cache.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <new>
#include <vector>

namespace redrock::engine {

namespace {

// One allocation per entry: links, expiry, and the key and value bytes inline, so a lookup touches one
// bucket slot and one node.
struct Node {
  Node* hnext;  // bucket chain
  Node* prev;   // LRU list: head = most recently used
  Node* next;
  size_t hash;
  int64_t expire_at_ms;
  uint32_t key_len;
  uint32_t value_len;
  char data[];  // key bytes, then value bytes

  std::string_view key() const { return {data, key_len}; }
  std::string_view value() const { return {data + key_len, value_len}; }
};

// Charged per entry on top of key and value bytes: the node header, the allocator's header and the
// bucket slot. Charges are what the budget counts, so they follow real memory closely.
constexpr size_t kEntryOverhead = sizeof(Node) + 16 + sizeof(Node*);

size_t ChargeOf(size_t key_len, size_t value_len) { return key_len + value_len + kEntryOverhead; }

}  // namespace

struct alignas(64) ValueCache::Shard {
  std::mutex mu;
  std::vector<Node*> buckets = std::vector<Node*>(64, nullptr);  // size is a power of two
  size_t count = 0;
  Node* head = nullptr;
  Node* tail = nullptr;
  size_t bytes = 0;
  size_t capacity = 0;
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};

  ~Shard() {
    for (Node* n = head; n != nullptr;) {
      Node* next = n->next;
      std::free(n);
      n = next;
    }
  }

  Node*& Slot(size_t hash) { return buckets[hash & (buckets.size() - 1)]; }

  Node* Find(std::string_view key, size_t hash) {
    for (Node* n = Slot(hash); n != nullptr; n = n->hnext) {
      if (n->hash == hash && n->key() == key) return n;
    }
    return nullptr;
  }
  void Unlink(Node* n) {
    (n->prev ? n->prev->next : head) = n->next;
    (n->next ? n->next->prev : tail) = n->prev;
    n->prev = n->next = nullptr;
  }
  void PushFront(Node* n) {
    n->prev = nullptr;
    n->next = head;
    if (head) head->prev = n;
    head = n;
    if (!tail) tail = n;
  }
  void Remove(Node* n) {
    Unlink(n);
    for (Node** p = &Slot(n->hash); *p != nullptr; p = &(*p)->hnext) {
      if (*p == n) {
        *p = n->hnext;
        break;
      }
    }
    --count;
    bytes -= ChargeOf(n->key_len, n->value_len);
    std::free(n);
  }
  void Insert(Node* n) {
    if (count + 1 > buckets.size()) Grow();
    Node*& slot = Slot(n->hash);
    n->hnext = slot;
    slot = n;
    ++count;
    PushFront(n);
    bytes += ChargeOf(n->key_len, n->value_len);
  }
  void Grow() {
    std::vector<Node*> bigger(buckets.size() * 2, nullptr);
    for (Node* chain : buckets) {
      while (chain != nullptr) {
        Node* next = chain->hnext;
        Node*& slot = bigger[chain->hash & (bigger.size() - 1)];
        chain->hnext = slot;
        slot = chain;
        chain = next;
      }
    }
    buckets.swap(bigger);
  }
  template <typename Pred>
  void RemoveIf(Pred pred) {
    for (Node* n = head; n != nullptr;) {
      Node* next = n->next;
      if (pred(*n)) Remove(n);
      n = next;
    }
  }
};

ValueCache::ValueCache(size_t capacity_bytes) : capacity_(capacity_bytes), shards_(new Shard[kShards]) {
  for (size_t i = 0; i < kShards; ++i) shards_[i].capacity = capacity_bytes / kShards;
}

ValueCache::~ValueCache() = default;

namespace {
size_t HashOf(std::string_view data_key) { return std::hash<std::string_view>{}(data_key); }
}  // namespace

ValueCache::Shard& ValueCache::ShardOf(size_t hash) const {
  // The high bits pick the shard (the low ones pick the bucket inside it).
  return shards_[(hash >> 48) % kShards];
}

bool ValueCache::Get(std::string_view data_key, const Clock& clock, std::string* value) {
  if (!enabled()) return false;
  const size_t hash = HashOf(data_key);
  Shard& s = ShardOf(hash);
  std::lock_guard lock(s.mu);
  Node* n = s.Find(data_key, hash);
  if (n == nullptr || (n->expire_at_ms != 0 && n->expire_at_ms <= clock.NowMs())) {
    s.misses.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  value->assign(n->value());
  if (s.head != n) {
    s.Unlink(n);
    s.PushFront(n);
  }
  s.hits.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool ValueCache::Peek(std::string_view data_key, int64_t* expire_at_ms, std::string* value) {
  if (!enabled()) return false;
  const size_t hash = HashOf(data_key);
  Shard& s = ShardOf(hash);
  std::lock_guard lock(s.mu);
  Node* n = s.Find(data_key, hash);
  if (n == nullptr) return false;
  *expire_at_ms = n->expire_at_ms;
  if (value != nullptr) value->append(n->value());
  return true;
}

void ValueCache::Put(std::string_view data_key, std::string_view value, int64_t expire_at_ms) {
  Put(data_key, value, {}, expire_at_ms);
}

void ValueCache::Put(std::string_view data_key, std::string_view part1, std::string_view part2,
                     int64_t expire_at_ms) {
  if (!enabled()) return;
  const size_t value_size = part1.size() + part2.size();
  const size_t hash = HashOf(data_key);
  Shard& s = ShardOf(hash);
  const size_t charge = ChargeOf(data_key.size(), value_size);
  std::unique_lock lock(s.mu);
  if (Node* old = s.Find(data_key, hash)) s.Remove(old);
  if (charge > s.capacity / 8 || data_key.size() > UINT32_MAX || value_size > UINT32_MAX) {
    return;  // a value this big would flush an eighth of the shard: not worth caching
  }
  while (s.bytes + charge > s.capacity && s.tail != nullptr) s.Remove(s.tail);
  lock.unlock();
  // Allocate and copy outside the shard lock (the caller's key lock keeps the key's entry ours).
  auto* n = static_cast<Node*>(std::malloc(sizeof(Node) + data_key.size() + value_size));
  if (n == nullptr) return;
  n->hnext = n->prev = n->next = nullptr;
  n->hash = hash;
  n->expire_at_ms = expire_at_ms;
  n->key_len = static_cast<uint32_t>(data_key.size());
  n->value_len = static_cast<uint32_t>(value_size);
  char* out = n->data;
  for (std::string_view piece : {data_key, part1, part2}) {
    if (!piece.empty()) std::memcpy(out, piece.data(), piece.size());
    out += piece.size();
  }
  lock.lock();
  while (s.bytes + charge > s.capacity && s.tail != nullptr) s.Remove(s.tail);
  s.Insert(n);
}

void ValueCache::Erase(std::string_view data_key) {
  if (!enabled()) return;
  const size_t hash = HashOf(data_key);
  Shard& s = ShardOf(hash);
  std::lock_guard lock(s.mu);
  if (Node* n = s.Find(data_key, hash)) s.Remove(n);
}

void ValueCache::Clear(int db) {
  if (!enabled()) return;
  for (size_t i = 0; i < kShards; ++i) {
    Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    s.RemoveIf([db](const Node& n) { return db < 0 || static_cast<uint8_t>(n.data[0]) == db; });
  }
}

size_t ValueCache::SumLocked(size_t Shard::*field) const {
  size_t total = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].*field;
  }
  return total;
}

size_t ValueCache::bytes() const { return SumLocked(&Shard::bytes); }
size_t ValueCache::entries() const { return SumLocked(&Shard::count); }

uint64_t ValueCache::hits() const {
  uint64_t total = 0;
  for (size_t i = 0; i < kShards; ++i) total += shards_[i].hits.load(std::memory_order_relaxed);
  return total;
}

uint64_t ValueCache::misses() const {
  uint64_t total = 0;
  for (size_t i = 0; i < kShards; ++i) total += shards_[i].misses.load(std::memory_order_relaxed);
  return total;
}

}  // namespace redrock::engine
