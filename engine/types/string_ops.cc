// String commands (Redis t_string.c semantics) over the value layout in encoding.h.
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/storage/engine_impl.h"
#include "engine/storage/string_patch.h"
#include "common/number_format.h"

namespace redrock::engine {

namespace {

// Reused per thread so the hot single-key paths do not allocate for the encoded key.
std::string& ScratchKey() {
  static thread_local std::string key;
  return key;
}

// Puts a string value assembled from pieces (header + up to two payload parts) without copying the
// payload into a temporary.
void PutString(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf, std::string_view data_key,
               int64_t expire_at_ms, std::string_view part1, std::string_view part2 = {}) {
  char header[encoding::kValueHeaderSize];
  encoding::EncodeStringHeader(header, expire_at_ms);
  rocksdb::Slice key_parts[1] = {rocksdb::Slice(data_key.data(), data_key.size())};
  rocksdb::Slice value_parts[3] = {rocksdb::Slice(header, sizeof(header)),
                                   rocksdb::Slice(part1.data(), part1.size()),
                                   rocksdb::Slice(part2.data(), part2.size())};
  batch->Put(cf, rocksdb::SliceParts(key_parts, 1), rocksdb::SliceParts(value_parts, 3));
}

// Fills `old` from the value cache when the key is cached and live (the caller holds its lock); false
// otherwise. An expired entry is never used: the compaction filter may already have dropped the stored
// value, and only RocksDB knows whether it is still there to be accounted for.
bool ReadOldCached(Engine::Impl& impl, std::string_view dkey, int64_t now, OldValue* old, bool keep_raw) {
  if (!impl.value_cache.enabled()) return false;
  int64_t expire_at = 0;
  std::string* value = nullptr;
  if (keep_raw) {
    // The value lands after room for its header, which is filled in once the expiry is known.
    old->raw.assign(encoding::kValueHeaderSize, '\0');
    value = &old->raw;
  }
  if (!impl.value_cache.Peek(dkey, &expire_at, value) || encoding::IsExpired(expire_at, now)) {
    old->raw.clear();
    return false;
  }
  old->present = true;
  old->expired = false;
  old->header = encoding::ValueHeader{};
  old->header.type = KeyType::kString;
  old->header.expire_at_ms = expire_at;
  if (keep_raw) encoding::EncodeStringHeader(old->raw.data(), expire_at);
  return true;
}

}  // namespace

Status Engine::Get(int db, std::string_view key, std::string* value) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  std::string& dkey = ScratchKey();
  encoding::EncodeDataKey(&dkey, db, key);
  if (impl.value_cache.Get(dkey, *impl.clock, value)) {
    impl.CountLookup(true);
    return Status::OK();
  }
  const int64_t now = impl.Now();
  // A miss reads and fills under the key's lock, so no write can commit between the two (value_cache.h).
  std::optional<SingleKeyLock> lock;
  if (impl.value_cache.enabled()) lock.emplace(impl.locks, dkey);
  rocksdb::PinnableSlice raw;
  encoding::ValueHeader h;
  Status st = impl.ReadLive(dkey, now, &raw, &h);
  impl.CountLookupOf(st);
  if (!st.ok()) return st;
  if (h.type != KeyType::kString) return Status::WrongType();
  value->assign(h.payload);
  if (lock) impl.value_cache.Put(dkey, h.payload, h.expire_at_ms);
  return Status::OK();
}

Result<std::string> Engine::Get(int db, std::string_view key) {
  std::string value;
  Status st = Get(db, key, &value);
  if (!st.ok()) return st;
  return value;
}

Result<std::vector<std::optional<std::string>>> Engine::MGet(int db, std::span<const std::string_view> keys) {
  DbHold hold(impl_->db_map, db);
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  std::string& dkey = ScratchKey();
  int64_t now = -1;  // read at the first miss: hits of keys without a TTL need no clock
  std::string cached;
  for (std::string_view key : keys) {
    encoding::EncodeDataKey(&dkey, db, key);
    // Hits only: filling would take a key lock per key.
    if (impl_->value_cache.Get(dkey, *impl_->clock, &cached)) {
      impl_->CountLookup(true);
      out.emplace_back(std::move(cached));
      cached.clear();
      continue;
    }
    rocksdb::PinnableSlice value;
    encoding::ValueHeader h;
    if (now < 0) now = impl_->Now();
    Status st = impl_->ReadLive(dkey, now, &value, &h);
    impl_->CountLookupOf(st);
    if (st.IsNotFound()) {
      out.emplace_back(std::nullopt);
    } else if (!st.ok()) {
      return st;
    } else if (h.type != KeyType::kString) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(std::string(h.payload));
    }
  }
  return out;
}

Result<SetResult> Engine::Set(int db, std::string_view key, std::string_view value, const SetOptions& options) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  std::string& dkey = ScratchKey();
  encoding::EncodeDataKey(&dkey, db, key);
  SingleKeyLock lock(impl.locks, dkey);
  const int64_t now = impl.Now();
  OldValue old;
  // A cached key spares the read (its entry is the committed value); the new value replaces it below.
  const bool cached = ReadOldCached(impl, dkey, now, &old, options.get_old);
  if (!cached) {
    Status st = impl.ReadOld(dkey, now, &old, options.get_old);
    if (!st.ok()) return st;
  }
  if (options.get_old) impl.CountLookup(old.live());
  Status st;

  SetResult result;
  if (options.get_old && old.live()) {
    if (old.header.type != KeyType::kString) return Status::WrongType();
    result.old_value = std::string(old.payload());
  }
  const bool exists = old.live();
  if ((options.condition == SetCondition::kIfMissing && exists) ||
      (options.condition == SetCondition::kIfExists && !exists)) {
    return result;
  }
  int64_t expire_at = options.expire_at_ms;
  if (expire_at == 0 && options.keep_ttl && exists) expire_at = old.header.expire_at_ms;

  KeyedBatch batch;
  if (expire_at != 0 && expire_at <= now) {
    // Already expired: the key ends up deleted.
    if (old.present) {
      impl.AddDeleteValue(&batch, old, dkey);
      impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{});
    }
  } else {
    PutString(&batch, impl.data_cf, dkey, expire_at, value);
    impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{true, expire_at});
  }
  if (batch.Count() > 0) {
    st = impl.Write(&batch);
    if (!st.ok()) return st;
    // Still under the lock: write through, so the GETs that usually follow a SET hit.
    if (expire_at == 0 || expire_at > now) impl.value_cache.Put(dkey, value, expire_at);
  }
  const bool stored_nothing = expire_at != 0 && expire_at <= now;
  if (old.expired) impl.NotifyExpired(db, key, /*replaced=*/!stored_nothing);
  // A SET whose time has already passed stores nothing here; Redis stores the key (expired at once),
  // which is a modification a WATCH of a missing key sees.
  if (stored_nothing && !old.live()) impl.ReportModified(db, key, /*created=*/true);
  result.applied = true;
  return result;
}

namespace {

// MSET / MSETNX under the locks of every key. Later duplicates win. Returns whether it wrote.
Result<bool> MultiSet(Engine::Impl& impl, int db, std::span<const std::pair<std::string_view, std::string_view>> pairs,
                      bool only_if_none_exists) {
  DbHold hold(impl.db_map, db);
  std::vector<std::string> dkeys(pairs.size());
  std::vector<size_t> stripes(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    encoding::EncodeDataKey(&dkeys[i], db, pairs[i].first);
    stripes[i] = KeyLocks::StripeOf(dkeys[i]);
  }
  std::unordered_map<std::string_view, size_t> last;
  last.reserve(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) last[dkeys[i]] = i;

  MultiKeyLock lock(impl.locks, std::move(stripes));
  const int64_t now = impl.Now();
  std::vector<OldValue> olds(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (last[dkeys[i]] != i) continue;
    Status st = impl.ReadOld(dkeys[i], now, &olds[i], false);
    if (!st.ok()) return st;
    if (only_if_none_exists && olds[i].live()) return false;
  }
  KeyedBatch batch;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (last[dkeys[i]] != i) continue;
    PutString(&batch, impl.data_cf, dkeys[i], 0, pairs[i].second);
    impl.AddBookkeeping(&batch, dkeys[i], pairs[i].first, olds[i].phys(), PhysState{true, 0});
  }
  Status st = impl.Write(&batch);
  if (!st.ok()) return st;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (last[dkeys[i]] == i && olds[i].expired) impl.NotifyExpired(db, pairs[i].first, /*replaced=*/true);
  }
  return true;
}

}  // namespace

Status Engine::MSet(int db, std::span<const std::pair<std::string_view, std::string_view>> pairs) {
  auto r = MultiSet(*impl_, db, pairs, false);
  return r.ok() ? Status::OK() : r.status();
}

Result<bool> Engine::MSetNX(int db, std::span<const std::pair<std::string_view, std::string_view>> pairs) {
  return MultiSet(*impl_, db, pairs, true);
}

Result<std::string> Engine::GetDel(int db, std::string_view key) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  std::string& dkey = ScratchKey();
  encoding::EncodeDataKey(&dkey, db, key);
  SingleKeyLock lock(impl.locks, dkey);
  OldValue old;
  Status st = impl.ReadOld(dkey, impl.Now(), &old);
  if (!st.ok()) return st;
  impl.CountLookup(old.live());
  if (!old.live()) return Status::NotFound();
  if (old.header.type != KeyType::kString) return Status::WrongType();
  KeyedBatch batch;
  impl.AddDeleteValue(&batch, old, dkey);
  impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{});
  st = impl.Write(&batch);
  if (!st.ok()) return st;
  return std::string(old.payload());
}

Result<std::string> Engine::GetEx(int db, std::string_view key, const ExpiryUpdate& update) {
  if (update.kind == ExpiryUpdate::Kind::kKeep) return Get(db, key);
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  std::string& dkey = ScratchKey();
  encoding::EncodeDataKey(&dkey, db, key);
  SingleKeyLock lock(impl.locks, dkey);
  const int64_t now = impl.Now();
  OldValue old;
  Status st = impl.ReadOld(dkey, now, &old);
  if (!st.ok()) return st;
  impl.CountLookup(old.live());
  if (!old.live()) return Status::NotFound();
  if (old.header.type != KeyType::kString) return Status::WrongType();
  std::string result(old.payload());

  KeyedBatch batch;
  if (update.kind == ExpiryUpdate::Kind::kPersist) {
    if (old.header.expire_at_ms == 0) return result;
    batch.Put(impl.data_cf, dkey, encoding::WithExpiry(old.raw, 0));
    impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{true, 0});
  } else if (update.at_ms <= now) {
    impl.AddDeleteValue(&batch, old, dkey);
    impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{});
  } else {
    batch.Put(impl.data_cf, dkey, encoding::WithExpiry(old.raw, update.at_ms));
    impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{true, update.at_ms});
  }
  st = impl.Write(&batch);
  if (!st.ok()) return st;
  return result;
}

// The new value a string read-modify-write stores: up to two pieces, joined without a temporary copy.
// `skip` answers without writing anything.
struct StringUpdate {
  std::string_view part1;
  std::string_view part2;
  bool skip = false;
  bool unsignalled = false;  // see KeyedBatch::MarkUnsignalled
};

// The shared shape of INCRBY, INCRBYFLOAT, APPEND and SETRANGE: under the key's lock, read the value;
// `compute(exists, payload, &update)` sees the live string (empty when missing) and says what to store.
// A non-string is WrongType before `compute` runs; the key keeps its expiry; replacing an expired value
// reports it to the sink's OnKeyExpired. Views in `update` may point into `payload` (alive until the write is done).
// Adds the change from the live string `old` to `part1 + part2` as a string patch (string_patch.h) when
// that is much smaller than the value: an edit in place or a growth (SETBIT, BITFIELD, SETRANGE, a dense
// HLL register) or an APPEND, of a value of at least kPatchMinValueBytes. False: nothing added; the
// caller writes the whole value.
bool AddStringPatch(KeyedBatch* batch, rocksdb::ColumnFamilyHandle* cf, std::string_view dkey, int64_t expire_at,
                    std::string_view old, std::string_view part1, std::string_view part2) {
  const size_t size = part1.size() + part2.size();
  if (old.size() < kPatchMinValueBytes || size < old.size()) return false;
  if (part1.data() == old.data() && part1.size() == old.size()) {
    // APPEND: the old value followed by the new bytes.
    if (part2.size() > size / 2) return false;
    batch->Merge(cf, dkey, EncodeStringPatch(expire_at, old.size(), part2));
    return true;
  }
  if (!part2.empty()) return false;
  const std::string_view now = part1;
  // The first and one past the last byte that differ, counting the growth as different.
  size_t first = 0;
  while (first < old.size() && now[first] == old[first]) {
    // Skip equal 8-byte words quickly; the tail byte by byte.
    if (first + 8 <= old.size() && std::memcmp(now.data() + first, old.data() + first, 8) == 0) {
      first += 8;
    } else {
      ++first;
    }
  }
  size_t end = size;
  if (size == old.size()) {
    while (end > first && now[end - 1] == old[end - 1]) --end;
  }
  if (end - first > size / 2) return false;
  // Nothing changed: an empty patch still writes (the store is still a modification), and changes nothing.
  if (end < first) end = first;
  batch->Merge(cf, dkey, EncodeStringPatch(expire_at, first, now.substr(first, end - first)));
  return true;
}

// UpdateStringLocked is the same with the key's stripe already held by the caller, which encoded `dkey`;
// `counted` makes the read of the key one lookup (engine.h).
template <typename Compute>
Status UpdateStringLocked(Engine::Impl& impl, int db, std::string_view key, std::string_view dkey, bool counted,
                          Compute&& compute) {
  OldValue old;
  const int64_t now = impl.Now();
  const bool cached = ReadOldCached(impl, dkey, now, &old, true);
  Status st = cached ? Status::OK() : impl.ReadOld(dkey, now, &old);
  if (!st.ok()) return st;
  if (counted) impl.CountLookup(old.live());
  if (old.live() && old.header.type != KeyType::kString) return Status::WrongType();
  StringUpdate update;
  st = compute(old.live(), old.live() ? old.payload() : std::string_view(), &update);
  if (!st.ok() || update.skip) return st;
  const int64_t expire_at = old.live() ? old.header.expire_at_ms : 0;
  KeyedBatch batch;
  if (!old.live() || !AddStringPatch(&batch, impl.data_cf, dkey, expire_at, old.payload(), update.part1, update.part2)) {
    PutString(&batch, impl.data_cf, dkey, expire_at, update.part1, update.part2);
  }
  impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{true, expire_at});
  if (update.unsignalled) batch.MarkUnsignalled();
  st = impl.Write(&batch);
  if (!st.ok()) return st;
  impl.value_cache.Put(dkey, update.part1, update.part2, expire_at);
  if (old.expired) impl.NotifyExpired(db, key, /*replaced=*/true);
  return Status::OK();
}

template <typename Compute>
Status UpdateString(Engine::Impl& impl, int db, std::string_view key, Compute&& compute) {
  DbHold hold(impl.db_map, db);
  std::string& dkey = ScratchKey();
  encoding::EncodeDataKey(&dkey, db, key);
  SingleKeyLock lock(impl.locks, dkey);
  return UpdateStringLocked(impl, db, key, dkey, /*counted=*/false, std::forward<Compute>(compute));
}

// The StringUpdate of a ModifyString callback's result: `value` (kept alive by the caller) stored as `mode` says.
static Status ApplyStoreMode(Status st, Engine::StoreMode mode, const std::string& value, StringUpdate* update) {
  if (!st.ok()) return st;
  update->skip = mode == Engine::StoreMode::kNone;
  update->unsignalled = mode == Engine::StoreMode::kStoreUnsignalled;
  update->part1 = value;
  return Status::OK();
}

Result<int64_t> Engine::IncrBy(int db, std::string_view key, int64_t delta) {
  int64_t next = 0;
  char buf[32];
  Status st = UpdateString(*impl_, db, key, [&](bool exists, std::string_view payload, StringUpdate* update) {
    int64_t current = 0;
    if (exists && !common::ParseInt64(payload, &current)) return Status::NotInteger();
    if (__builtin_add_overflow(current, delta, &next)) return Status::Overflow();
    update->part1 = common::FormatInt64(next, buf);
    return Status::OK();
  });
  if (!st.ok()) return st;
  return next;
}

Result<std::string> Engine::IncrByFloat(int db, std::string_view key, long double delta) {
  std::string formatted;
  Status st = UpdateString(*impl_, db, key, [&](bool exists, std::string_view payload, StringUpdate* update) {
    long double current = 0;
    if (exists && !common::ParseLongDouble(payload, &current)) return Status::NotFloat();
    const long double next = current + delta;
    if (std::isnan(next) || std::isinf(next)) return Status::NanOrInfinity();
    formatted = common::FormatLongDouble(next);
    update->part1 = formatted;
    return Status::OK();
  });
  if (!st.ok()) return st;
  return formatted;
}

Result<int64_t> Engine::Append(int db, std::string_view key, std::string_view value) {
  int64_t length = 0;
  const uint64_t limit = impl_->options.max_string_bytes;
  Status st = UpdateString(*impl_, db, key, [&](bool exists, std::string_view payload, StringUpdate* update) {
    // Redis checkStringLength: only appending to an existing value can exceed the limit.
    if (exists && static_cast<uint64_t>(payload.size()) + value.size() > limit) return Status::TooLarge();
    update->part1 = payload;
    update->part2 = value;
    length = static_cast<int64_t>(payload.size() + value.size());
    return Status::OK();
  });
  if (!st.ok()) return st;
  return length;
}

Result<int64_t> Engine::SetRange(int db, std::string_view key, int64_t offset, std::string_view value) {
  if (offset < 0) return Status::InvalidArgument("offset is out of range");
  int64_t length = 0;
  std::string payload;
  const uint64_t limit = impl_->options.max_string_bytes;
  Status st = UpdateString(*impl_, db, key, [&](bool exists, std::string_view old, StringUpdate* update) {
    if (value.empty()) {
      // Setting nothing changes nothing (and creates nothing on a missing key).
      length = static_cast<int64_t>(old.size());
      update->skip = true;
      return Status::OK();
    }
    if (static_cast<uint64_t>(offset) + value.size() > limit) return Status::TooLarge();
    payload.assign(old);
    const size_t end = static_cast<size_t>(offset) + value.size();
    if (payload.size() < end) payload.resize(end, '\0');
    std::memcpy(payload.data() + offset, value.data(), value.size());
    update->part1 = payload;
    length = static_cast<int64_t>(payload.size());
    return Status::OK();
  });
  if (!st.ok()) return st;
  return length;
}

// ModifyString and ModifyStringFrom under the caller's locks: `modify(exists, &value, &mode)` edits a copy
// of the live value, and the StoreMode it sets says whether and how it is written back.
template <typename Modify>
Status ModifyLocked(Engine::Impl& impl, int db, std::string_view key, std::string_view dkey, bool counted,
                    Modify&& modify) {
  std::string value;
  return UpdateStringLocked(impl, db, key, dkey, counted,
                            [&](bool exists, std::string_view payload, StringUpdate* update) {
                              value.assign(payload);
                              Engine::StoreMode mode = Engine::StoreMode::kNone;
                              Status st = modify(exists, &value, &mode);
                              return ApplyStoreMode(std::move(st), mode, value, update);
                            });
}

Status Engine::ModifyString(int db, std::string_view key, const StringModifier& modify, Lookup lookup) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  std::string& dkey = ScratchKey();
  encoding::EncodeDataKey(&dkey, db, key);
  SingleKeyLock lock(impl.locks, dkey);
  return ModifyLocked(impl, db, key, dkey, lookup == Lookup::kCounted,
                      [&](bool exists, std::string* value, StoreMode* mode) { return modify(exists, value, mode); });
}

Status Engine::ModifyStringFrom(int db, std::string_view key, std::span<const std::string_view> sources,
                                const StringSourcesModifier& modify, Lookup lookup) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  std::string dkey;
  encoding::EncodeDataKey(&dkey, db, key);
  std::vector<std::string> source_keys(sources.size());
  std::vector<size_t> stripes{KeyLocks::StripeOf(dkey)};
  for (size_t i = 0; i < sources.size(); ++i) {
    encoding::EncodeDataKey(&source_keys[i], db, sources[i]);
    stripes.push_back(KeyLocks::StripeOf(source_keys[i]));
  }
  MultiKeyLock lock(impl.locks, std::move(stripes));
  const int64_t now = impl.Now();
  // Sources are read from RocksDB, where every committed write is (the value cache only mirrors it), so
  // a source that is `key` itself reads the value from before this write.
  const StringSourceReader read = [&](size_t i) -> Result<std::optional<std::string>> {
    if (i >= source_keys.size()) return Status::InvalidArgument("no such source");
    rocksdb::PinnableSlice raw;
    encoding::ValueHeader h;
    Status st = impl.ReadLive(source_keys[i], now, &raw, &h);
    impl.CountLookupOf(st);
    if (st.IsNotFound()) return std::optional<std::string>();
    if (!st.ok()) return st;
    if (h.type != KeyType::kString) return Status::WrongType();
    return std::optional<std::string>(std::string(h.payload));
  };
  return ModifyLocked(impl, db, key, dkey, lookup == Lookup::kCounted,
                      [&](bool exists, std::string* value, StoreMode* mode) { return modify(read, exists, value, mode); });
}

Result<bool> Engine::CombineStrings(int db, std::string_view dst, std::span<const std::string_view> sources,
                                    const StringCombiner& combine) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  std::string dkey;
  encoding::EncodeDataKey(&dkey, db, dst);
  std::vector<std::string> source_keys(sources.size());
  std::vector<size_t> stripes{KeyLocks::StripeOf(dkey)};
  for (size_t i = 0; i < sources.size(); ++i) {
    encoding::EncodeDataKey(&source_keys[i], db, sources[i]);
    stripes.push_back(KeyLocks::StripeOf(source_keys[i]));
  }
  MultiKeyLock lock(impl.locks, std::move(stripes));
  const int64_t now = impl.Now();
  std::vector<std::optional<std::string>> values(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    rocksdb::PinnableSlice raw;
    encoding::ValueHeader h;
    Status st = impl.ReadLive(source_keys[i], now, &raw, &h);
    impl.CountLookupOf(st);
    if (st.IsNotFound()) continue;
    if (!st.ok()) return st;
    if (h.type != KeyType::kString) return Status::WrongType();
    values[i].emplace(h.payload);
  }
  const std::string result = combine(values);
  OldValue old;
  Status st = impl.ReadOld(dkey, now, &old, false);
  if (!st.ok()) return st;
  KeyedBatch batch;
  if (!result.empty()) {
    PutString(&batch, impl.data_cf, dkey, 0, result);
    impl.AddBookkeeping(&batch, dkey, dst, old.phys(), PhysState{true, 0});
  } else if (old.present) {
    impl.AddDeleteValue(&batch, old, dkey);
    impl.AddBookkeeping(&batch, dkey, dst, old.phys(), PhysState{});
  }
  if (batch.Count() > 0) {
    st = impl.Write(&batch);
    if (!st.ok()) return st;
  }
  if (old.expired) impl.NotifyExpired(db, dst, /*replaced=*/!result.empty());
  return result.empty() && old.live();
}

Result<std::string> Engine::GetRange(int db, std::string_view key, int64_t start, int64_t end) {
  DbHold hold(impl_->db_map, db);
  std::string& dkey = ScratchKey();
  encoding::EncodeDataKey(&dkey, db, key);
  rocksdb::PinnableSlice value;
  encoding::ValueHeader h;
  Status st = impl_->ReadLive(dkey, impl_->Now(), &value, &h);
  impl_->CountLookupOf(st);
  if (st.IsNotFound()) return std::string();
  if (!st.ok()) return st;
  if (h.type != KeyType::kString) return Status::WrongType();
  // Redis getrangeCommand, step for step.
  const auto len = static_cast<int64_t>(h.payload.size());
  if (start < 0 && end < 0 && start > end) return std::string();
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return std::string();
  return std::string(h.payload.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

Result<int64_t> Engine::StrLen(int db, std::string_view key) {
  DbHold hold(impl_->db_map, db);
  std::string& dkey = ScratchKey();
  encoding::EncodeDataKey(&dkey, db, key);
  rocksdb::PinnableSlice value;
  encoding::ValueHeader h;
  Status st = impl_->ReadLive(dkey, impl_->Now(), &value, &h);
  impl_->CountLookupOf(st);
  if (st.IsNotFound()) return int64_t{0};
  if (!st.ok()) return st;
  if (h.type != KeyType::kString) return Status::WrongType();
  return static_cast<int64_t>(h.payload.size());
}

}  // namespace redrock::engine
