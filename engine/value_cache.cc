#include "engine/value_cache.h"

#include <atomic>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace redrock::engine {

namespace {

// Charged per entry on top of key and value bytes: node, map slot and allocator headers (measured
// roughly; the point is that many tiny values cannot blow the budget).
constexpr size_t kEntryOverhead = 112;

struct Node {
  std::string key;
  std::string value;
  int64_t expire_at_ms = 0;
  Node* prev = nullptr;  // LRU list: head = most recently used
  Node* next = nullptr;
  size_t charge() const { return key.size() + value.size() + kEntryOverhead; }
};

}  // namespace

struct alignas(64) ValueCache::Shard {
  std::mutex mu;
  std::unordered_map<std::string_view, Node*> map;  // views into Node::key
  Node* head = nullptr;
  Node* tail = nullptr;
  size_t bytes = 0;
  size_t capacity = 0;
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};

  ~Shard() { RemoveIf([](const Node&) { return true; }); }

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
    map.erase(std::string_view(n->key));
    bytes -= n->charge();
    delete n;
  }
  template <typename Pred>
  void RemoveIf(Pred pred) {
    for (Node* n = head; n != nullptr;) {
      Node* next = n->next;
      if (pred(*n)) Remove(n);
      n = next;
    }
  }
  Node* Find(std::string_view key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : it->second;
  }
};

ValueCache::ValueCache(size_t capacity_bytes)
    : capacity_(capacity_bytes), shards_(new Shard[kShards]) {
  for (size_t i = 0; i < kShards; ++i) shards_[i].capacity = capacity_bytes / kShards;
}

ValueCache::~ValueCache() = default;

ValueCache::Shard& ValueCache::ShardOf(std::string_view data_key) const {
  // The high bits: KeyLocks::StripeOf uses the low ones, so a shard is not one stripe's keys only.
  const size_t h = std::hash<std::string_view>{}(data_key);
  return shards_[(h >> 20) % kShards];
}

bool ValueCache::Get(std::string_view data_key, int64_t now, std::string* value) {
  if (!enabled()) return false;
  Shard& s = ShardOf(data_key);
  std::lock_guard lock(s.mu);
  Node* n = s.Find(data_key);
  if (n == nullptr || (n->expire_at_ms != 0 && n->expire_at_ms <= now)) {
    s.misses.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  value->assign(n->value);
  if (s.head != n) {
    s.Unlink(n);
    s.PushFront(n);
  }
  s.hits.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool ValueCache::Peek(std::string_view data_key, int64_t* expire_at_ms, std::string* value) {
  if (!enabled()) return false;
  Shard& s = ShardOf(data_key);
  std::lock_guard lock(s.mu);
  Node* n = s.Find(data_key);
  if (n == nullptr) return false;
  *expire_at_ms = n->expire_at_ms;
  if (value != nullptr) value->assign(n->value);
  return true;
}

void ValueCache::Put(std::string_view data_key, std::string_view value, int64_t expire_at_ms) {
  if (!enabled()) return;
  Shard& s = ShardOf(data_key);
  const size_t charge = data_key.size() + value.size() + kEntryOverhead;
  std::lock_guard lock(s.mu);
  if (Node* old = s.Find(data_key)) s.Remove(old);
  if (charge > s.capacity) return;  // bigger than the whole shard: not worth caching
  while (s.bytes + charge > s.capacity && s.tail != nullptr) s.Remove(s.tail);
  auto* n = new Node{std::string(data_key), std::string(value), expire_at_ms};
  s.map.emplace(std::string_view(n->key), n);
  s.PushFront(n);
  s.bytes += charge;
}

void ValueCache::Erase(std::string_view data_key) {
  if (!enabled()) return;
  Shard& s = ShardOf(data_key);
  std::lock_guard lock(s.mu);
  if (Node* n = s.Find(data_key)) s.Remove(n);
}

void ValueCache::Clear(int db) {
  if (!enabled()) return;
  for (size_t i = 0; i < kShards; ++i) {
    Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    s.RemoveIf([db](const Node& n) { return db < 0 || static_cast<uint8_t>(n.key[0]) == db; });
  }
}

size_t ValueCache::bytes() const {
  size_t total = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].bytes;
  }
  return total;
}

size_t ValueCache::entries() const {
  size_t total = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].map.size();
  }
  return total;
}

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
