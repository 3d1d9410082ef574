// Sets, single-key commands and SMOVE: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SMOVE SSCAN.
// Member layout: suffix = the member, value = "" (see collection.h). The multi-set operations are in
// set_combine.cc, SPOP/SRANDMEMBER in set_random.cc.

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types/collection.h"
#include "redrock/engine/set.h"

namespace redrock::engine {

namespace {

// The distinct members of one call, so a member named twice counts once (SADD s a a -> 1).
std::vector<std::string_view> Distinct(std::span<const std::string_view> members) {
  std::vector<std::string_view> out(members.begin(), members.end());
  if (out.size() > 1) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

}  // namespace

Result<int64_t> SAdd(Engine& engine, int db, std::string_view key, std::span<const std::string_view> members) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  Status st = w.Ready(KeyType::kSet);
  if (!st.ok()) return st;
  w.Create(KeyType::kSet);
  int64_t added = 0;
  std::string value;
  for (std::string_view member : Distinct(members)) {
    bool found = false;
    st = w.GetMember(member, &value, &found);
    if (!st.ok()) return st;
    if (found) continue;
    w.PutMember(member, {});
    ++added;
  }
  w.AddSize(added);
  st = w.Commit();
  if (!st.ok()) return st;
  return added;
}

Result<int64_t> SRem(Engine& engine, int db, std::string_view key, std::span<const std::string_view> members) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  if (!w.status().ok()) return w.status();
  if (!w.exists()) return int64_t{0};
  Status st = w.CheckType(KeyType::kSet);
  if (!st.ok()) return st;
  int64_t removed = 0;
  std::string value;
  for (std::string_view member : Distinct(members)) {
    bool found = false;
    st = w.GetMember(member, &value, &found);
    if (!st.ok()) return st;
    if (!found) continue;
    w.DeleteMember(member);
    ++removed;
  }
  if (removed == 0) return int64_t{0};
  w.AddSize(-removed);
  st = w.Commit();
  if (!st.ok()) return st;
  return removed;
}

Result<int64_t> SCard(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kSet);
  if (!st.ok()) return st;
  return r.exists() ? static_cast<int64_t>(r.size()) : int64_t{0};
}

Result<bool> SIsMember(Engine& engine, int db, std::string_view key, std::string_view member) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kSet);
  if (!st.ok()) return st;
  std::string value;
  bool found = false;
  st = r.GetMember(member, &value, &found);
  if (!st.ok()) return st;
  return found;
}

Result<std::vector<bool>> SMIsMember(Engine& engine, int db, std::string_view key,
                                     std::span<const std::string_view> members) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kSet);
  if (!st.ok()) return st;
  std::vector<bool> out(members.size(), false);
  if (!r.exists()) return out;
  std::string value;
  for (size_t i = 0; i < members.size(); ++i) {
    bool found = false;
    st = r.GetMember(members[i], &value, &found);
    if (!st.ok()) return st;
    out[i] = found;
  }
  return out;
}

Status SMembers(Engine& engine, int db, std::string_view key, SetMemberSink& sink) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kSet);
  if (!st.ok()) return st;
  if (!r.exists()) {
    sink.Begin(0);
    return Status::OK();
  }
  sink.Begin(r.size());
  uint64_t sent = 0;
  auto it = r.NewIterator();
  for (it->SeekToFirst(); it->Valid() && sent < r.size(); it->Next(), ++sent) sink.Member(it->suffix());
  st = it->status();
  if (!st.ok()) return st;
  // The size in the metadata and the members come from one snapshot: a mismatch is damage on disk.
  if (sent != r.size() || it->Valid()) return Status::Corruption("set size does not match its members");
  return Status::OK();
}

Result<std::vector<std::string>> SMembers(Engine& engine, int db, std::string_view key) {
  struct Collect : SetMemberSink {
    std::vector<std::string> out;
    void Begin(size_t count) override { out.reserve(count); }
    void Member(std::string_view member) override { out.emplace_back(member); }
  } sink;
  Status st = SMembers(engine, db, key, sink);
  if (!st.ok()) return st;
  return std::move(sink.out);
}

Result<bool> SMove(Engine& engine, int db, std::string_view src, std::string_view dst, std::string_view member) {
  DbHold hold(engine, db);
  const std::array<std::string_view, 2> keys = {src, dst};
  MultiKeyLock lock = collection::LockKeys(engine, db, keys);
  collection::Writer from(engine, db, src, collection::Writer::AlreadyLocked{});
  if (!from.status().ok()) return from.status();
  // Redis smoveCommand's order: a missing source wins over a wrongly typed destination.
  if (!from.exists()) return false;
  Status st = from.CheckType(KeyType::kSet);
  if (!st.ok()) return st;
  std::string value;
  bool found = false;
  if (src == dst) {
    st = from.GetMember(member, &value, &found);
    if (!st.ok()) return st;
    return found;
  }
  collection::Writer to(engine, db, dst, collection::Writer::AlreadyLocked{});
  st = to.Ready(KeyType::kSet);
  if (!st.ok()) return st;
  st = from.GetMember(member, &value, &found);
  if (!st.ok()) return st;
  if (!found) return false;
  from.DeleteMember(member);
  from.AddSize(-1);
  to.Create(KeyType::kSet);
  st = to.GetMember(member, &value, &found);
  if (!st.ok()) return st;
  if (!found) {
    to.PutMember(member, {});
    to.AddSize(1);
  }
  const std::array<collection::Writer*, 2> writers = {&from, &to};
  st = collection::Writer::CommitAll(writers);
  if (!st.ok()) return st;
  return true;
}

Result<SetScanResult> SScan(Engine& engine, int db, std::string_view key, uint64_t cursor, std::string_view pattern,
                            int64_t count) {
  DbHold hold(engine, db);
  auto scanned = collection::ScanMembers(engine, db, key, KeyType::kSet, cursor, pattern, count);
  if (!scanned.ok()) return scanned.status();
  SetScanResult out;
  out.next_cursor = scanned->next_cursor;
  out.members.reserve(scanned->items.size());
  for (auto& item : scanned->items) out.members.push_back(std::move(item.name));
  return out;
}

}  // namespace redrock::engine
