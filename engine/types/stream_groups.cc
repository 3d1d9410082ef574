// Streams, part 2: consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM) over the
// layout of stream_internal.h: a group record, the group PEL ('p'), consumers ('c') and each consumer's
// PEL index ('q'), all members of the stream's collection version.

#include <map>

#include "engine/storage/db_map.h"
#include "engine/types/stream_internal.h"

namespace redrock::engine {

namespace {

using stream::Consumer;
using stream::Group;
using stream::Meta;
using stream::Nack;

Status NoGroup() { return Status::InvalidArgument(std::string(kNoGroup)); }

// A write to one group of a stream: the group, its consumers and PEL entries as changed so far.
class GroupEdit {
 public:
  GroupEdit(collection::Writer& w, std::string name, Group g) : w_(w), name_(std::move(name)), g_(g) {}

  Group& group() { return g_; }
  int64_t now() const { return now_; }
  void set_now(int64_t now) { now_ = now; }

  Result<std::optional<Consumer>> GetConsumer(std::string_view name) {
    auto it = consumers_.find(std::string(name));
    if (it != consumers_.end()) return it->second;
    std::string value;
    bool found = false;
    Status st = w_.GetMember(stream::ConsumerSuffix(name_, name), &value, &found);
    if (!st.ok()) return st;
    std::optional<Consumer> c;
    if (found) c = Consumer::Decode(value);
    consumers_[std::string(name)] = c;
    return c;
  }
  void PutConsumer(std::string_view name, const Consumer& c) {
    consumers_[std::string(name)] = c;
    w_.PutMember(stream::ConsumerSuffix(name_, name), c.Encode());
  }
  void DeleteConsumer(std::string_view name) {
    consumers_[std::string(name)] = std::nullopt;
    w_.DeleteMember(stream::ConsumerSuffix(name_, name));
  }

  // Looks the consumer up (refreshing its seen time) or creates it: Redis's streamLookupConsumer with
  // SLC_DEFAULT followed by streamCreateConsumer. Returns whether it was created.
  Result<bool> TouchConsumer(std::string_view name) {
    auto c = GetConsumer(name);
    if (!c.ok()) return c.status();
    Consumer rec = c->value_or(Consumer{});
    rec.seen_time = now_;
    const bool created = !c->has_value();
    if (created) ++g_.consumers;
    PutConsumer(name, rec);
    return created;
  }

  Result<std::optional<Nack>> GetNack(StreamId id) {
    auto it = nacks_.find(id);
    if (it != nacks_.end()) return it->second;
    std::string value;
    bool found = false;
    Status st = w_.GetMember(stream::PelSuffix(name_, id), &value, &found);
    if (!st.ok()) return st;
    std::optional<Nack> n;
    if (found) n = Nack::Decode(value);
    nacks_[id] = n;
    return n;
  }

  // Adjusts a consumer's pending count by delta (it must exist, or be created by the caller).
  Status AddPending(std::string_view consumer, int64_t delta) {
    auto c = GetConsumer(consumer);
    if (!c.ok()) return c.status();
    if (!c->has_value()) return Status::OK();  // the consumer is gone (FORCE'd entry without one)
    Consumer rec = **c;
    rec.pending = static_cast<uint64_t>(static_cast<int64_t>(rec.pending) + delta);
    PutConsumer(consumer, rec);
    return Status::OK();
  }

  // Writes the NACK of id, moving it between consumers' PEL indexes as needed (old_owner empty: new).
  Status PutNack(StreamId id, const Nack& n, const std::optional<std::string>& old_owner) {
    if (!old_owner) {
      ++g_.pel_count;
    } else if (*old_owner != n.consumer) {
      w_.DeleteMember(stream::ConsumerPelSuffix(name_, *old_owner, id));
      Status st = AddPending(*old_owner, -1);
      if (!st.ok()) return st;
    }
    if (!old_owner || *old_owner != n.consumer) {
      w_.PutMember(stream::ConsumerPelSuffix(name_, n.consumer, id), {});
      Status st = AddPending(n.consumer, 1);
      if (!st.ok()) return st;
    }
    nacks_[id] = n;
    w_.PutMember(stream::PelSuffix(name_, id), n.Encode());
    return Status::OK();
  }

  Status DeleteNack(StreamId id, const Nack& n) {
    nacks_[id] = std::nullopt;
    --g_.pel_count;
    w_.DeleteMember(stream::PelSuffix(name_, id));
    w_.DeleteMember(stream::ConsumerPelSuffix(name_, n.consumer, id));
    return AddPending(n.consumer, -1);
  }

  void Save() { w_.PutMember(stream::GroupSuffix(name_), g_.Encode()); }

 private:
  collection::Writer& w_;
  std::string name_;
  Group g_;
  int64_t now_ = 0;
  std::map<std::string, std::optional<Consumer>> consumers_;
  std::map<StreamId, std::optional<Nack>> nacks_;
};

int64_t NowOf(Engine& engine) { return EngineInternals::Of(engine).Now(); }

// Opens the stream and the group for writing. NotFound (key), NoGroup.
struct OpenedGroup {
  std::optional<GroupEdit> edit;
};
Status OpenGroup(Engine& engine, collection::Writer& w, std::string_view group, std::optional<GroupEdit>* out) {
  Status st = stream::OpenStream(w);
  if (!st.ok()) return st;
  if (!w.exists()) return Status::NotFound();
  auto g = stream::ReadGroup(w, group);
  if (!g.ok()) return g.status();
  if (!g->has_value()) return NoGroup();
  out->emplace(w, std::string(group), **g);
  (*out)->set_now(NowOf(engine));
  // Redis changes groups, consumers and PELs without signalModifiedKey: a WATCH of the key ignores them.
  w.set_unsignalled(true);
  return Status::OK();
}

// Deletes every member whose suffix starts with prefix.
Status DeleteAll(collection::Writer& w, std::string_view prefix) {
  auto it = w.NewIterator(prefix);
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->suffix());
  Status st = it->status();
  if (!st.ok()) return st;
  for (const std::string& k : keys) w.DeleteMember(k);
  return Status::OK();
}

}  // namespace

Status XGroupCreate(Engine& engine, int db, std::string_view key, std::string_view group, GroupStartId start,
                    bool mkstream, int64_t entries_read) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  Status st = stream::OpenStream(w);
  if (!st.ok()) return st;
  if (!w.exists()) {
    if (!mkstream) return Status::NotFound();
    w.Create(KeyType::kStream);
    w.set_extra(Meta{}.Encode());
  } else {
    w.set_unsignalled(true);  // only MKSTREAM's creation is signalled, as in Redis
  }
  Meta m = stream::MetaOf(w);
  auto existing = stream::ReadGroup(w, group);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    // The stream MKSTREAM just created cannot hold the group, so nothing else is written.
    return Status::Busy(std::string(kBusyGroup));
  }
  Group g;
  g.last_id = start.last ? m.last_id : start.id;
  g.entries_read = entries_read;
  w.PutMember(stream::GroupSuffix(group), g.Encode());
  m.groups += 1;
  w.set_extra(m.Encode());
  return w.Commit();
}

Status XGroupSetId(Engine& engine, int db, std::string_view key, std::string_view group, GroupStartId start,
                   int64_t entries_read) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  std::optional<GroupEdit> edit;
  Status st = OpenGroup(engine, w, group, &edit);
  if (!st.ok()) return st;
  const Meta m = stream::MetaOf(w);
  edit->group().last_id = start.last ? m.last_id : start.id;
  edit->group().entries_read = entries_read;
  edit->Save();
  return w.Commit();
}

Result<bool> XGroupDestroy(Engine& engine, int db, std::string_view key, std::string_view group) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  Status st = stream::OpenStream(w);
  if (!st.ok()) return st;
  if (!w.exists()) return Status::NotFound();
  auto g = stream::ReadGroup(w, group);
  if (!g.ok()) return g.status();
  if (!g->has_value()) return false;
  w.set_unsignalled(true);
  w.DeleteMember(stream::GroupSuffix(group));
  for (const std::string& prefix : {stream::PelPrefix(group), stream::ConsumerPrefix(group)}) {
    st = DeleteAll(w, prefix);
    if (!st.ok()) return st;
  }
  std::string qprefix(1, stream::kConsumerPelSpace);
  stream::AppendName(&qprefix, group);
  st = DeleteAll(w, qprefix);
  if (!st.ok()) return st;
  Meta m = stream::MetaOf(w);
  m.groups -= 1;
  w.set_extra(m.Encode());
  st = w.Commit();
  if (!st.ok()) return st;
  return true;
}

Result<bool> XGroupCreateConsumer(Engine& engine, int db, std::string_view key, std::string_view group,
                                  std::string_view consumer) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  std::optional<GroupEdit> edit;
  Status st = OpenGroup(engine, w, group, &edit);
  if (!st.ok()) return st;
  auto c = edit->GetConsumer(consumer);
  if (!c.ok()) return c.status();
  if (c->has_value()) return false;
  Consumer rec;
  rec.seen_time = edit->now();
  edit->PutConsumer(consumer, rec);
  edit->group().consumers += 1;
  edit->Save();
  st = w.Commit();
  if (!st.ok()) return st;
  return true;
}

Result<int64_t> XGroupDelConsumer(Engine& engine, int db, std::string_view key, std::string_view group,
                                  std::string_view consumer) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  std::optional<GroupEdit> edit;
  Status st = OpenGroup(engine, w, group, &edit);
  if (!st.ok()) return st;
  auto c = edit->GetConsumer(consumer);
  if (!c.ok()) return c.status();
  if (!c->has_value()) return int64_t{-1};
  const std::string qprefix = stream::ConsumerPelPrefix(group, consumer);
  auto it = w.NewIterator(qprefix);
  int64_t pending = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const StreamId id = stream::ReadId(it->suffix().data() + qprefix.size());
    w.DeleteMember(it->suffix());
    w.DeleteMember(stream::PelSuffix(group, id));
    ++pending;
  }
  st = it->status();
  if (!st.ok()) return st;
  edit->group().pel_count -= static_cast<uint64_t>(pending);
  edit->group().consumers -= 1;
  edit->DeleteConsumer(consumer);
  edit->Save();
  st = w.Commit();
  if (!st.ok()) return st;
  return pending;
}

Result<bool> XGroupExists(Engine& engine, int db, std::string_view key, std::string_view group) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kStream);
  if (!st.ok()) return st;
  if (!r.exists()) return Status::NotFound();
  auto g = stream::ReadGroup(r, group);
  if (!g.ok()) return g.status();
  return g->has_value();
}

Result<XReadGroupResult> XReadGroup(Engine& engine, int db, std::string_view key, std::string_view group,
                                    std::string_view consumer, bool newer, StreamId start, uint64_t count,
                                    bool noack) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  std::optional<GroupEdit> edit;
  Status st = OpenGroup(engine, w, group, &edit);
  if (!st.ok()) return st;
  XReadGroupResult out;
  Group& g = edit->group();
  if (newer) {
    if (w.size() == 0) return out;
    auto last = stream::EdgeEntryId(w, false);
    if (!last.ok()) return last.status();
    if (!last->has_value() || **last <= g.last_id) return out;
    out.served = true;
    auto created = edit->TouchConsumer(consumer);
    if (!created.ok()) return created.status();
    out.consumer_created = *created;
    StreamId from = g.last_id;
    StreamIdIncr(&from);
    auto entries = stream::ReadRange(w, from, StreamId::Max(), count, false);
    if (!entries.ok()) return entries.status();
    const StreamMeta meta = stream::PublicMeta(w);
    for (const StreamEntry& e : *entries) {
      if (e.id > g.last_id) {
        if (g.entries_read != kInvalidEntriesRead && !stream::RangeHasTombstones(meta, e.id, std::nullopt)) {
          ++g.entries_read;
        } else if (meta.entries_added) {
          g.entries_read = stream::EstimateDistance(meta, e.id);
        }
        g.last_id = e.id;
      }
      if (noack) continue;
      auto nack = edit->GetNack(e.id);
      if (!nack.ok()) return nack.status();
      Nack n;
      n.consumer.assign(consumer);
      n.delivery_time = edit->now();
      n.delivery_count = 1;
      std::optional<std::string> old;
      if (nack->has_value()) old = (*nack)->consumer;
      st = edit->PutNack(e.id, n, old);
      if (!st.ok()) return st;
    }
    out.entries = std::move(*entries);
  } else {
    out.served = true;
    auto created = edit->TouchConsumer(consumer);
    if (!created.ok()) return created.status();
    out.consumer_created = *created;
    const std::string qprefix = stream::ConsumerPelPrefix(group, consumer);
    auto it = w.NewIterator(qprefix);
    std::string seek = qprefix;
    stream::AppendId(&seek, start);
    std::vector<StreamId> ids;
    for (it->Seek(seek.substr(0)); it->Valid(); it->Next()) {
      if (count != 0 && ids.size() == count) break;
      ids.push_back(stream::ReadId(it->suffix().data() + qprefix.size()));
    }
    st = it->status();
    if (!st.ok()) return st;
    for (StreamId id : ids) {
      auto e = stream::ReadEntry(w, id);
      if (!e.ok()) return e.status();
      if (!e->has_value()) {
        out.entries.push_back({id, {}, true});
        continue;
      }
      auto nack = edit->GetNack(id);
      if (!nack.ok()) return nack.status();
      if (nack->has_value()) {
        Nack n = **nack;
        n.delivery_time = edit->now();
        n.delivery_count += 1;
        st = edit->PutNack(id, n, n.consumer);
        if (!st.ok()) return st;
      }
      out.entries.push_back(std::move(**e));
    }
  }
  edit->Save();
  st = w.Commit();
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> XAck(Engine& engine, int db, std::string_view key, std::string_view group,
                     std::span<const StreamId> ids) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  std::optional<GroupEdit> edit;
  Status st = OpenGroup(engine, w, group, &edit);
  if (st.IsNotFound() || IsNoGroup(st)) return int64_t{0};
  if (!st.ok()) return st;
  int64_t acked = 0;
  for (StreamId id : ids) {
    auto nack = edit->GetNack(id);
    if (!nack.ok()) return nack.status();
    if (!nack->has_value()) continue;
    st = edit->DeleteNack(id, **nack);
    if (!st.ok()) return st;
    ++acked;
  }
  if (acked == 0) return int64_t{0};
  edit->Save();
  st = w.Commit();
  if (!st.ok()) return st;
  return acked;
}

namespace {
// A read of one group: NotFound for the key, NoGroup.
Status ReadGroupOf(const collection::Reader& r, std::string_view group, Group* out) {
  Status st = r.Ready(KeyType::kStream);
  if (!st.ok()) return st;
  if (!r.exists()) return NoGroup();
  auto g = stream::ReadGroup(r, group);
  if (!g.ok()) return g.status();
  if (!g->has_value()) return NoGroup();
  *out = **g;
  return Status::OK();
}
}  // namespace

Result<XPendingSummary> XPendingSummaryOf(Engine& engine, int db, std::string_view key, std::string_view group) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Group g;
  Status st = ReadGroupOf(r, group, &g);
  if (!st.ok()) return st;
  XPendingSummary out;
  out.count = g.pel_count;
  if (g.pel_count == 0) return out;
  const std::string prefix = stream::PelPrefix(group);
  auto it = r.NewIterator(prefix);
  it->SeekToFirst();
  if (it->Valid()) out.min = stream::ReadId(it->suffix().data() + prefix.size());
  it->SeekToLast();
  if (it->Valid()) out.max = stream::ReadId(it->suffix().data() + prefix.size());
  st = it->status();
  if (!st.ok()) return st;
  const std::string cprefix = stream::ConsumerPrefix(group);
  auto ci = r.NewIterator(cprefix);
  for (ci->SeekToFirst(); ci->Valid(); ci->Next()) {
    const Consumer c = Consumer::Decode(ci->value());
    if (c.pending == 0) continue;
    out.consumers.emplace_back(std::string(ci->suffix().substr(cprefix.size())), c.pending);
  }
  st = ci->status();
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<StreamPendingEntry>> XPendingRange(Engine& engine, int db, std::string_view key,
                                                      std::string_view group, int64_t min_idle_ms, StreamId start,
                                                      StreamId end, uint64_t count,
                                                      std::optional<std::string_view> consumer) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Group g;
  Status st = ReadGroupOf(r, group, &g);
  if (!st.ok()) return st;
  std::vector<StreamPendingEntry> out;
  const int64_t now = NowOf(engine);
  const std::string pprefix = stream::PelPrefix(group);
  std::string value;
  bool found = false;
  auto add = [&](StreamId id, std::string_view nack_value) {
    const Nack n = Nack::Decode(nack_value);
    if (min_idle_ms && now - n.delivery_time < min_idle_ms) return;
    out.push_back({id, n.consumer, n.delivery_time, n.delivery_count});
  };
  if (consumer) {
    st = r.GetMember(stream::ConsumerSuffix(group, *consumer), &value, &found);
    if (!st.ok()) return st;
    if (!found) return out;
    const std::string qprefix = stream::ConsumerPelPrefix(group, *consumer);
    auto it = r.NewIterator(qprefix);
    std::string seek = qprefix;
    stream::AppendId(&seek, start);
    for (it->Seek(seek.substr(0)); it->Valid() && out.size() < count; it->Next()) {
      const StreamId id = stream::ReadId(it->suffix().data() + qprefix.size());
      if (id > end) break;
      st = r.GetMember(stream::PelSuffix(group, id), &value, &found);
      if (!st.ok()) return st;
      if (found) add(id, value);
    }
    st = it->status();
  } else {
    auto it = r.NewIterator(pprefix);
    std::string seek = pprefix;
    stream::AppendId(&seek, start);
    for (it->Seek(seek.substr(0)); it->Valid() && out.size() < count; it->Next()) {
      const StreamId id = stream::ReadId(it->suffix().data() + pprefix.size());
      if (id > end) break;
      add(id, it->value());
    }
    st = it->status();
  }
  if (!st.ok()) return st;
  return out;
}

Result<XClaimResult> XClaim(Engine& engine, int db, std::string_view key, std::string_view group,
                            std::string_view consumer, std::span<const StreamId> ids, const XClaimArgs& args) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  std::optional<GroupEdit> edit;
  Status st = OpenGroup(engine, w, group, &edit);
  if (!st.ok()) return st;
  XClaimResult out;
  const int64_t now = edit->now();
  Group& g = edit->group();
  if (args.last_id && *args.last_id > g.last_id) g.last_id = *args.last_id;
  int64_t delivery = args.delivery_time_ms.value_or(now);
  if (delivery < 0 || delivery > now) delivery = now;
  bool consumer_touched = false;
  for (StreamId id : ids) {
    auto nack = edit->GetNack(id);
    if (!nack.ok()) return nack.status();
    auto entry = stream::ReadEntry(w, id);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) {
      if (nack->has_value()) {
        st = edit->DeleteNack(id, **nack);
        if (!st.ok()) return st;
      }
      continue;
    }
    std::optional<std::string> old_owner;
    Nack n;
    bool forced = false;
    if (nack->has_value()) {
      n = **nack;
      old_owner = n.consumer;
    } else if (args.force) {
      forced = true;
      n.delivery_count = 1;
      n.delivery_time = now;
    } else {
      continue;
    }
    if (!forced && args.min_idle_ms && now - n.delivery_time < args.min_idle_ms) continue;
    if (!consumer_touched) {
      auto created = edit->TouchConsumer(consumer);
      if (!created.ok()) return created.status();
      out.consumer_created = *created;
      consumer_touched = true;
    }
    n.delivery_time = delivery;
    if (args.retry_count && *args.retry_count >= 0) {
      n.delivery_count = static_cast<uint64_t>(*args.retry_count);
    } else if (!args.justid) {
      n.delivery_count += 1;
    }
    n.consumer.assign(consumer);
    st = edit->PutNack(id, n, old_owner);
    if (!st.ok()) return st;
    if (args.justid) {
      out.claimed.push_back({id, {}, false});
    } else {
      out.claimed.push_back(std::move(**entry));
    }
  }
  edit->Save();
  st = w.Commit();
  if (!st.ok()) return st;
  return out;
}

Result<XAutoClaimResult> XAutoClaim(Engine& engine, int db, std::string_view key, std::string_view group,
                                    std::string_view consumer, int64_t min_idle_ms, StreamId start, uint64_t count,
                                    bool justid) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  std::optional<GroupEdit> edit;
  Status st = OpenGroup(engine, w, group, &edit);
  if (!st.ok()) return st;
  XAutoClaimResult out;
  const int64_t now = edit->now();
  uint64_t attempts = count * 10;
  const std::string pprefix = stream::PelPrefix(group);
  auto it = w.NewIterator(pprefix);
  std::string seek = pprefix;
  stream::AppendId(&seek, start);
  it->Seek(seek.substr(0));
  bool consumer_touched = false;
  while (attempts > 0 && count > 0 && it->Valid()) {
    --attempts;
    const StreamId id = stream::ReadId(it->suffix().data() + pprefix.size());
    const Nack n0 = Nack::Decode(it->value());
    it->Next();
    auto nack = edit->GetNack(id);
    if (!nack.ok()) return nack.status();
    if (!nack->has_value()) continue;
    (void)n0;
    Nack n = **nack;
    auto entry = stream::ReadEntry(w, id);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) {
      st = edit->DeleteNack(id, n);
      if (!st.ok()) return st;
      out.deleted.push_back(id);
      --count;
      continue;
    }
    if (min_idle_ms && now - n.delivery_time < min_idle_ms) continue;
    if (!consumer_touched) {
      auto created = edit->TouchConsumer(consumer);
      if (!created.ok()) return created.status();
      out.consumer_created = *created;
      consumer_touched = true;
    }
    const std::string old_owner = n.consumer;
    n.delivery_time = now;
    if (!justid) n.delivery_count += 1;
    n.consumer.assign(consumer);
    st = edit->PutNack(id, n, old_owner);
    if (!st.ok()) return st;
    if (justid) {
      out.claimed.push_back({id, {}, false});
    } else {
      out.claimed.push_back(std::move(**entry));
    }
    --count;
  }
  st = it->status();
  if (!st.ok()) return st;
  out.next = it->Valid() ? stream::ReadId(it->suffix().data() + pprefix.size()) : StreamId{};
  edit->Save();
  st = w.Commit();
  if (!st.ok()) return st;
  return out;
}

}  // namespace redrock::engine
