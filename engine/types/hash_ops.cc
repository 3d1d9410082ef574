// Hashes over the collection machinery: one member per field (suffix = field name, value = field value).
// Writers do their whole read-modify-write inside one collection::Writer (key stripe locked, one batch);
// readers use a collection::Reader snapshot. Random selection (HRANDFIELD) lives in hash_random.cc.

#include <cmath>
#include <unordered_set>

#include "engine/types/collection.h"
#include "redrock/engine/hash.h"
#include "common/number_format.h"

namespace redrock::engine {

namespace {

// Up to this many names are de-duplicated by a linear scan; longer lists use a hash set.
constexpr size_t kLinearDedupLimit = 16;

// Calls fn(i) for each index of `names` whose name does not appear again later in the list, so that
// a repeated field is handled once, at its last occurrence (which is the one whose value wins).
template <typename NameAt, typename Fn>
void ForEachLastOccurrence(size_t n, NameAt name_at, Fn fn) {
  if (n <= kLinearDedupLimit) {
    for (size_t i = 0; i < n; ++i) {
      bool repeated = false;
      for (size_t j = i + 1; j < n && !repeated; ++j) repeated = name_at(j) == name_at(i);
      if (!repeated) fn(i);
    }
    return;
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(n);
  for (size_t i = n; i-- > 0;) {
    if (seen.insert(name_at(i)).second) fn(i);
  }
}

// Reads one field of the hash at `key` through a fresh reader; a missing key reads as a missing field.
Status ReadField(Engine& engine, int db, std::string_view key, std::string_view field, std::string* value,
                 bool* found) {
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kHash);
  if (!st.ok()) return st;
  return reader.GetMember(field, value, found);
}

// Opens a writer (missing key or hash) and reads `field` through it.
Status OpenWriterField(const collection::Writer& writer, std::string_view field, std::string* value, bool* found) {
  Status st = writer.Ready(KeyType::kHash);
  if (!st.ok()) return st;
  return writer.GetMember(field, value, found);
}

}  // namespace

Result<int64_t> HSet(Engine& engine, int db, std::string_view key, std::span<const FieldValue> pairs) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = writer.Ready(KeyType::kHash);
  if (!st.ok()) return st;
  // A hash created by this writer has no members yet: no need to look any up.
  const bool fresh = !writer.exists();
  writer.Create(KeyType::kHash);
  int64_t added = 0;
  std::string existing;
  ForEachLastOccurrence(
      pairs.size(), [&](size_t i) { return pairs[i].first; },
      [&](size_t i) {
        if (!st.ok()) return;
        bool found = false;
        if (!fresh) st = writer.GetMember(pairs[i].first, &existing, &found);
        if (!found) ++added;
        writer.PutMember(pairs[i].first, pairs[i].second);
      });
  if (!st.ok()) return st;
  writer.AddSize(added);
  st = writer.Commit();
  if (!st.ok()) return st;
  return added;
}

Result<bool> HSetNx(Engine& engine, int db, std::string_view key, std::string_view field, std::string_view value) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  std::string existing;
  bool found = false;
  Status st = OpenWriterField(writer, field, &existing, &found);
  if (!st.ok()) return st;
  if (found) return false;
  writer.Create(KeyType::kHash);
  writer.PutMember(field, value);
  writer.AddSize(1);
  st = writer.Commit();
  if (!st.ok()) return st;
  return true;
}

Result<std::string> HGet(Engine& engine, int db, std::string_view key, std::string_view field) {
  DbHold hold(engine, db);
  std::string value;
  bool found = false;
  Status st = ReadField(engine, db, key, field, &value, &found);
  if (!st.ok()) return st;
  if (!found) return Status::NotFound();
  return value;
}

Result<std::vector<std::optional<std::string>>> HMGet(Engine& engine, int db, std::string_view key,
                                                      std::span<const std::string_view> fields) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kHash);
  if (!st.ok()) return st;
  std::vector<std::optional<std::string>> out(fields.size());
  if (!reader.exists()) return out;
  std::string value;
  for (size_t i = 0; i < fields.size(); ++i) {
    bool found = false;
    st = reader.GetMember(fields[i], &value, &found);
    if (!st.ok()) return st;
    if (found) out[i] = value;
  }
  return out;
}

Result<int64_t> HDel(Engine& engine, int db, std::string_view key, std::span<const std::string_view> fields) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = writer.Ready(KeyType::kHash);
  if (!st.ok()) return st;
  if (!writer.exists()) return int64_t{0};
  int64_t deleted = 0;
  std::string existing;
  ForEachLastOccurrence(
      fields.size(), [&](size_t i) { return fields[i]; },
      [&](size_t i) {
        if (!st.ok()) return;
        bool found = false;
        st = writer.GetMember(fields[i], &existing, &found);
        if (!found) return;
        writer.DeleteMember(fields[i]);
        ++deleted;
      });
  if (!st.ok()) return st;
  if (deleted == 0) return int64_t{0};
  writer.AddSize(-deleted);
  st = writer.Commit();  // deletes the key when that was its last field
  if (!st.ok()) return st;
  return deleted;
}

Result<int64_t> HLen(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kHash);
  if (!st.ok()) return st;
  return static_cast<int64_t>(reader.exists() ? reader.size() : 0);
}

Result<bool> HExists(Engine& engine, int db, std::string_view key, std::string_view field) {
  DbHold hold(engine, db);
  std::string value;
  bool found = false;
  Status st = ReadField(engine, db, key, field, &value, &found);
  if (!st.ok()) return st;
  return found;
}

Result<int64_t> HStrLen(Engine& engine, int db, std::string_view key, std::string_view field) {
  DbHold hold(engine, db);
  std::string value;
  bool found = false;
  Status st = ReadField(engine, db, key, field, &value, &found);
  if (!st.ok()) return st;
  return static_cast<int64_t>(found ? value.size() : 0);
}

Result<int64_t> HIncrBy(Engine& engine, int db, std::string_view key, std::string_view field, int64_t delta) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  std::string stored;
  bool found = false;
  Status st = OpenWriterField(writer, field, &stored, &found);
  if (!st.ok()) return st;
  int64_t current = 0;
  if (found && !common::ParseInt64(stored, &current)) return Status::NotInteger();
  int64_t next = 0;
  if (__builtin_add_overflow(current, delta, &next)) return Status::Overflow();
  char buf[24];
  writer.Create(KeyType::kHash);
  writer.PutMember(field, common::FormatInt64(next, buf));
  if (!found) writer.AddSize(1);
  st = writer.Commit();
  if (!st.ok()) return st;
  return next;
}

Result<std::string> HIncrByFloat(Engine& engine, int db, std::string_view key, std::string_view field,
                                 long double delta) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  std::string stored;
  bool found = false;
  Status st = OpenWriterField(writer, field, &stored, &found);
  if (!st.ok()) return st;
  long double current = 0;
  if (found && !common::ParseLongDouble(stored, &current)) return Status::NotFloat();
  const long double next = current + delta;
  if (std::isnan(next) || std::isinf(next)) return Status::NanOrInfinity();
  std::string formatted = common::FormatLongDouble(next);
  writer.Create(KeyType::kHash);
  writer.PutMember(field, formatted);
  if (!found) writer.AddSize(1);
  st = writer.Commit();
  if (!st.ok()) return st;
  return formatted;
}

Status HVisit(Engine& engine, int db, std::string_view key, HashVisitor& visitor) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kHash);
  if (!st.ok()) return st;
  if (!reader.exists()) {
    visitor.Begin(0);
    return Status::OK();
  }
  visitor.Begin(reader.size());
  uint64_t delivered = 0;
  auto it = reader.NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    // Never deliver more than announced, even if the metadata and the members disagree.
    if (delivered == reader.size()) return Status::Corruption("hash has more fields than its metadata says");
    visitor.Field(it->suffix(), it->value());
    ++delivered;
  }
  st = it->status();
  if (!st.ok()) return st;
  if (delivered != reader.size()) return Status::Corruption("hash has fewer fields than its metadata says");
  return Status::OK();
}

Result<std::vector<std::pair<std::string, std::string>>> HGetAll(Engine& engine, int db, std::string_view key) {
  class Collector : public HashVisitor {
   public:
    void Begin(uint64_t size) override { out.reserve(size); }
    void Field(std::string_view field, std::string_view value) override { out.emplace_back(field, value); }
    std::vector<std::pair<std::string, std::string>> out;
  };
  Collector collector;
  Status st = HVisit(engine, db, key, collector);
  if (!st.ok()) return st;
  return std::move(collector.out);
}

Result<HashScanResult> HScan(Engine& engine, int db, std::string_view key, uint64_t cursor,
                             std::string_view pattern, int64_t count) {
  DbHold hold(engine, db);
  auto scanned = collection::ScanMembers(engine, db, key, KeyType::kHash, cursor, pattern, count);
  if (!scanned.ok()) return scanned.status();
  HashScanResult out;
  out.next_cursor = scanned->next_cursor;
  out.items.reserve(scanned->items.size());
  for (collection::MemberScanItem& item : scanned->items) {
    out.items.emplace_back(std::move(item.name), std::move(item.value));
  }
  return out;
}

}  // namespace redrock::engine
