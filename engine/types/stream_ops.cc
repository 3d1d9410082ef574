// Streams, part 1: the layout's encodings, entries (XADD, XRANGE, XDEL, XLEN, XSETID) and trimming
// with Redis's node model (stream_internal.h). Consumer groups are in stream_groups.cc, XINFO in
// stream_info.cc.

#include <map>
#include <span>

#include "common/number_format.h"
#include "engine/storage/db_map.h"
#include "engine/types/stream_internal.h"

namespace redrock::engine {

std::string StreamId::ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }

bool StreamIdIncr(StreamId* id) {
  if (id->seq == UINT64_MAX) {
    if (id->ms == UINT64_MAX) {
      *id = {};
      return false;
    }
    ++id->ms;
    id->seq = 0;
  } else {
    ++id->seq;
  }
  return true;
}

bool StreamIdDecr(StreamId* id) {
  if (id->seq == 0) {
    if (id->ms == 0) {
      *id = StreamId::Max();
      return false;
    }
    --id->ms;
    id->seq = UINT64_MAX;
  } else {
    --id->seq;
  }
  return true;
}

namespace stream {

// ---- Encodings -------------------------------------------------------------------------------------

std::string Meta::Encode() const {
  std::string out;
  AppendId(&out, last_id);
  AppendId(&out, max_deleted);
  AppendId(&out, first_id);
  AppendU64(&out, entries_added);
  AppendU64(&out, groups);
  return out;
}

Meta Meta::Decode(std::string_view extra) {
  Meta m;
  if (extra.size() < 64) return m;
  const char* p = extra.data();
  m.last_id = ReadId(p);
  m.max_deleted = ReadId(p + 16);
  m.first_id = ReadId(p + 32);
  m.entries_added = ReadU64(p + 48);
  m.groups = ReadU64(p + 56);
  return m;
}

std::string Node::Encode() const {
  std::string out;
  AppendU64(&out, valid);
  AppendU64(&out, total);
  AppendU64(&out, bytes);
  AppendId(&out, last);
  return out;
}

Node Node::Decode(StreamId master, std::string_view v) {
  Node n;
  n.master = master;
  if (v.size() < 40) return n;
  n.valid = ReadU64(v.data());
  n.total = ReadU64(v.data() + 8);
  n.bytes = ReadU64(v.data() + 16);
  n.last = ReadId(v.data() + 24);
  return n;
}

std::string Group::Encode() const {
  std::string out;
  AppendId(&out, last_id);
  AppendU64(&out, static_cast<uint64_t>(entries_read));
  AppendU64(&out, pel_count);
  AppendU64(&out, consumers);
  return out;
}

Group Group::Decode(std::string_view v) {
  Group g;
  if (v.size() < 40) return g;
  g.last_id = ReadId(v.data());
  g.entries_read = static_cast<int64_t>(ReadU64(v.data() + 16));
  g.pel_count = ReadU64(v.data() + 24);
  g.consumers = ReadU64(v.data() + 32);
  return g;
}

std::string Nack::Encode() const {
  std::string out;
  AppendU64(&out, static_cast<uint64_t>(delivery_time));
  AppendU64(&out, delivery_count);
  out.append(consumer);
  return out;
}

Nack Nack::Decode(std::string_view v) {
  Nack n;
  if (v.size() < 16) return n;
  n.delivery_time = static_cast<int64_t>(ReadU64(v.data()));
  n.delivery_count = ReadU64(v.data() + 8);
  n.consumer.assign(v.substr(16));
  return n;
}

std::string Consumer::Encode() const {
  std::string out;
  AppendU64(&out, static_cast<uint64_t>(seen_time));
  AppendU64(&out, pending);
  return out;
}

Consumer Consumer::Decode(std::string_view v) {
  Consumer c;
  if (v.size() < 16) return c;
  c.seen_time = static_cast<int64_t>(ReadU64(v.data()));
  c.pending = ReadU64(v.data() + 8);
  return c;
}

std::string EntrySuffix(StreamId id) {
  std::string out(1, kEntrySpace);
  AppendId(&out, id);
  return out;
}
std::string NodeSuffix(StreamId id) {
  std::string out(1, kNodeSpace);
  AppendId(&out, id);
  return out;
}
std::string GroupSuffix(std::string_view group) {
  std::string out(1, kGroupSpace);
  out.append(group);
  return out;
}
std::string PelPrefix(std::string_view group) {
  std::string out(1, kPelSpace);
  AppendName(&out, group);
  return out;
}
std::string PelSuffix(std::string_view group, StreamId id) {
  std::string out = PelPrefix(group);
  AppendId(&out, id);
  return out;
}
std::string ConsumerPrefix(std::string_view group) {
  std::string out(1, kConsumerSpace);
  AppendName(&out, group);
  return out;
}
std::string ConsumerSuffix(std::string_view group, std::string_view consumer) {
  std::string out = ConsumerPrefix(group);
  out.append(consumer);
  return out;
}
std::string ConsumerPelPrefix(std::string_view group, std::string_view consumer) {
  std::string out(1, kConsumerPelSpace);
  AppendName(&out, group);
  AppendName(&out, consumer);
  return out;
}
std::string ConsumerPelSuffix(std::string_view group, std::string_view consumer, StreamId id) {
  std::string out = ConsumerPelPrefix(group, consumer);
  AppendId(&out, id);
  return out;
}

namespace {
void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
bool ReadVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}
}  // namespace

std::string EncodeFields(std::span<const std::string_view> field_values) {
  std::string out;
  AppendVarint(&out, field_values.size() / 2);
  for (std::string_view s : field_values) {
    AppendVarint(&out, s.size());
    out.append(s);
  }
  return out;
}

std::vector<StreamFieldValue> DecodeFields(std::string_view v) {
  std::vector<StreamFieldValue> out;
  uint64_t n = 0;
  if (!ReadVarint(&v, &n)) return out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    StreamFieldValue fv;
    if (!ReadVarint(&v, &len) || len > v.size()) break;
    fv.field.assign(v.substr(0, len));
    v.remove_prefix(len);
    if (!ReadVarint(&v, &len) || len > v.size()) break;
    fv.value.assign(v.substr(0, len));
    v.remove_prefix(len);
    out.push_back(std::move(fv));
  }
  return out;
}

// ---- Views ---------------------------------------------------------------------------------------------

Meta MetaOf(const collection::View& view) { return Meta::Decode(view.extra()); }

StreamMeta PublicMeta(const collection::View& view) {
  const Meta m = MetaOf(view);
  StreamMeta out;
  out.length = view.size();
  out.last_id = m.last_id;
  out.max_deleted_id = m.max_deleted;
  out.first_id = m.first_id;
  out.entries_added = m.entries_added;
  out.groups = m.groups;
  return out;
}

Result<std::optional<StreamEntry>> ReadEntry(const collection::View& view, StreamId id) {
  std::string value;
  bool found = false;
  Status st = view.GetMember(EntrySuffix(id), &value, &found);
  if (!st.ok()) return st;
  if (!found) return std::optional<StreamEntry>();
  StreamEntry e;
  e.id = id;
  e.fields = DecodeFields(value);
  return std::optional<StreamEntry>(std::move(e));
}

Result<std::optional<StreamId>> EdgeEntryId(const collection::View& view, bool first) {
  auto it = view.NewIterator(std::string_view(&kEntrySpace, 1));
  if (first) {
    it->SeekToFirst();
  } else {
    it->SeekToLast();
  }
  if (!it->Valid()) {
    Status st = it->status();
    if (!st.ok()) return st;
    return std::optional<StreamId>();
  }
  return std::optional<StreamId>(ReadId(it->suffix().data() + 1));
}

Result<std::vector<StreamEntry>> ReadRange(const collection::View& view, StreamId start, StreamId end,
                                           uint64_t count, bool rev) {
  std::vector<StreamEntry> out;
  if (!view.exists() || start > end) return out;
  auto it = view.NewIterator(std::string_view(&kEntrySpace, 1));
  if (rev) {
    it->SeekForPrev(EntrySuffix(end));
  } else {
    it->Seek(EntrySuffix(start));
  }
  for (; it->Valid(); rev ? it->Prev() : it->Next()) {
    const StreamId id = ReadId(it->suffix().data() + 1);
    if (rev ? id < start : id > end) break;
    out.push_back({id, DecodeFields(it->value()), false});
    if (count != 0 && out.size() == count) break;
  }
  Status st = it->status();
  if (!st.ok()) return st;
  return out;
}

uint64_t CountNodes(const collection::View& view) {
  uint64_t n = 0;
  auto it = view.NewIterator(std::string_view(&kNodeSpace, 1));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

bool RangeHasTombstones(const StreamMeta& s, std::optional<StreamId> start, std::optional<StreamId> end) {
  if (s.length == 0 || s.max_deleted_id.IsZero()) return false;
  if (s.first_id > s.max_deleted_id) return false;
  const StreamId a = start.value_or(StreamId{});
  const StreamId b = end.value_or(StreamId::Max());
  return a <= s.max_deleted_id && s.max_deleted_id <= b;
}

int64_t EstimateDistance(const StreamMeta& s, StreamId id) {
  if (s.entries_added == 0) return 0;
  if (s.length == 0 && id <= s.last_id) return static_cast<int64_t>(s.entries_added);
  if (id == s.last_id) return static_cast<int64_t>(s.entries_added);
  if (id > s.last_id) return kInvalidEntriesRead;
  if (s.max_deleted_id.IsZero() || s.max_deleted_id < s.first_id) {
    if (id < s.first_id) return static_cast<int64_t>(s.entries_added - s.length);
    if (id == s.first_id) return static_cast<int64_t>(s.entries_added - s.length + 1);
  }
  return kInvalidEntriesRead;
}

std::optional<int64_t> GroupLag(const StreamMeta& s, const Group& g) {
  if (s.entries_added == 0) return 0;
  if (g.entries_read != kInvalidEntriesRead && !RangeHasTombstones(s, g.last_id, std::nullopt)) {
    return static_cast<int64_t>(s.entries_added) - g.entries_read;
  }
  const int64_t read = EstimateDistance(s, g.last_id);
  if (read != kInvalidEntriesRead) return static_cast<int64_t>(s.entries_added) - read;
  return std::nullopt;
}

Result<std::optional<Group>> ReadGroup(const collection::View& view, std::string_view name) {
  std::string value;
  bool found = false;
  Status st = view.GetMember(GroupSuffix(name), &value, &found);
  if (!st.ok()) return st;
  if (!found) return std::optional<Group>();
  return std::optional<Group>(Group::Decode(value));
}

Status OpenStream(collection::Writer& writer) {
  Status st = writer.Ready(KeyType::kStream);
  if (!st.ok()) return st;
  writer.set_keep_empty(true);
  return Status::OK();
}

}  // namespace stream

namespace {

using stream::Meta;
using stream::Node;

// Listpack sizes, as Redis's listpack.c encodes them, so the stream-node-max-bytes limit closes a node
// about where Redis's would.
uint64_t LpIntBytes(int64_t v) {
  uint64_t enc;
  if (v >= 0 && v <= 127) {
    enc = 1;
  } else if (v >= -4096 && v <= 4095) {
    enc = 2;
  } else if (v >= -32768 && v <= 32767) {
    enc = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    enc = 4;
  } else if (v >= -2147483648LL && v <= 2147483647LL) {
    enc = 5;
  } else {
    enc = 9;
  }
  return enc + 1;  // backlen
}
uint64_t LpStringBytes(std::string_view s) {
  int64_t v = 0;
  if (s.size() <= 20 && common::ParseInt64(s, &v)) return LpIntBytes(v);
  uint64_t head = s.size() < 64 ? 1 : s.size() < 4096 ? 2 : 5;
  uint64_t total = head + s.size();
  uint64_t back = total < 128 ? 1 : total < 16384 ? 2 : total < 2097152 ? 3 : total < 268435456 ? 4 : 5;
  return total + back;
}

// One stream write in progress: the metadata and the nodes as changed so far (the writer's reads see
// only the committed state, so what this edit staged is overlaid here).
class StreamEdit {
 public:
  explicit StreamEdit(collection::Writer& w) : w_(w), meta_(stream::MetaOf(w)) {}

  Meta& meta() { return meta_; }
  collection::Writer& writer() { return w_; }

  // The node with the greatest master <= id.
  Result<std::optional<Node>> NodeOf(StreamId id) {
    std::optional<Node> best;
    auto it = w_.NewIterator(std::string_view(&stream::kNodeSpace, 1));
    it->SeekForPrev(stream::NodeSuffix(id));
    // Skip committed nodes this edit deleted.
    while (it->Valid()) {
      const StreamId m = stream::ReadId(it->suffix().data() + 1);
      auto o = nodes_.find(m);
      if (o == nodes_.end()) {
        best = Node::Decode(m, it->value());
        break;
      }
      if (o->second) {
        best = *o->second;
        break;
      }
      it->Prev();
    }
    Status st = it->status();
    if (!st.ok()) return st;
    // An overlaid node (created by this edit) may be closer.
    auto o = nodes_.upper_bound(id);
    while (o != nodes_.begin()) {
      --o;
      if (!o->second) continue;
      if (!best || o->first > best->master) best = *o->second;
      break;
    }
    return best;
  }

  // The first node with master > after (or the first node when !after).
  Result<std::optional<Node>> NextNode(std::optional<StreamId> after) {
    std::optional<Node> best;
    auto it = w_.NewIterator(std::string_view(&stream::kNodeSpace, 1));
    if (after) {
      StreamId next = *after;
      if (!StreamIdIncr(&next)) return best;
      it->Seek(stream::NodeSuffix(next));
    } else {
      it->SeekToFirst();
    }
    while (it->Valid()) {
      const StreamId m = stream::ReadId(it->suffix().data() + 1);
      auto o = nodes_.find(m);
      if (o == nodes_.end()) {
        best = Node::Decode(m, it->value());
        break;
      }
      if (o->second) {
        best = *o->second;
        break;
      }
      it->Next();
    }
    Status st = it->status();
    if (!st.ok()) return st;
    auto o = after ? nodes_.upper_bound(*after) : nodes_.begin();
    for (; o != nodes_.end(); ++o) {
      if (!o->second) continue;
      if (!best || o->first < best->master) best = *o->second;
      break;
    }
    return best;
  }

  Result<std::optional<Node>> LastNode() { return NodeOf(StreamId::Max()); }

  void PutNode(const Node& n) {
    nodes_[n.master] = n;
    w_.PutMember(stream::NodeSuffix(n.master), n.Encode());
  }
  void DeleteNode(StreamId master) {
    nodes_[master] = std::nullopt;
    w_.DeleteMember(stream::NodeSuffix(master));
  }

  // Live entry IDs in [from, to] (committed, plus those this edit added, minus those it deleted).
  Result<std::vector<StreamId>> EntryIds(StreamId from, StreamId to, uint64_t limit) {
    std::vector<StreamId> out;
    auto it = w_.NewIterator(std::string_view(&stream::kEntrySpace, 1));
    auto o = entries_.lower_bound(from);
    it->Seek(stream::EntrySuffix(from));
    while (limit == 0 || out.size() < limit) {
      std::optional<StreamId> c;
      if (it->Valid()) {
        c = stream::ReadId(it->suffix().data() + 1);
        if (*c > to) c.reset();
      }
      std::optional<StreamId> v;
      if (o != entries_.end() && o->first <= to) v = o->first;
      if (!c && !v) break;
      if (v && (!c || *v <= *c)) {
        if (c && *c == *v) it->Next();
        if (o->second) out.push_back(*v);
        ++o;
      } else {
        out.push_back(*c);
        it->Next();
      }
    }
    Status st = it->status();
    if (!st.ok()) return st;
    return out;
  }

  Result<bool> EntryExists(StreamId id) {
    auto o = entries_.find(id);
    if (o != entries_.end()) return o->second;
    auto e = stream::ReadEntry(w_, id);
    if (!e.ok()) return e.status();
    return e->has_value();
  }

  void PutEntry(StreamId id, std::string_view value) {
    entries_[id] = true;
    w_.PutMember(stream::EntrySuffix(id), value);
  }
  void DeleteEntry(StreamId id) {
    entries_[id] = false;
    w_.DeleteMember(stream::EntrySuffix(id));
  }

  // The first live entry, for the recorded first ID.
  Result<std::optional<StreamId>> FirstEntry() {
    auto ids = EntryIds(StreamId{}, StreamId::Max(), 1);
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return std::optional<StreamId>();
    return std::optional<StreamId>(ids->front());
  }

  void Save() { w_.set_extra(meta_.Encode()); }

 private:
  collection::Writer& w_;
  Meta meta_;
  std::map<StreamId, std::optional<Node>> nodes_;
  std::map<StreamId, bool> entries_;
};

// Redis's streamTrim.
Result<int64_t> Trim(StreamEdit& edit, const StreamTrim& args) {
  if (args.strategy == StreamTrim::Strategy::kNone) return int64_t{0};
  collection::Writer& w = edit.writer();
  const bool maxlen = args.strategy == StreamTrim::Strategy::kMaxLen;
  int64_t deleted = 0;
  std::optional<StreamId> after;
  for (;;) {
    if (maxlen && w.size() <= args.maxlen) break;
    auto node = edit.NextNode(after);
    if (!node.ok()) return node.status();
    if (!node->has_value()) break;
    Node n = **node;
    after = n.master;
    const int64_t entries = static_cast<int64_t>(n.valid);
    if (args.limit && deleted + entries > args.limit) break;
    const bool remove_node = maxlen ? w.size() - n.valid >= args.maxlen : n.last < args.minid;
    if (remove_node) {
      auto ids = edit.EntryIds(n.master, n.last, 0);
      if (!ids.ok()) return ids.status();
      for (StreamId id : *ids) edit.DeleteEntry(id);
      edit.DeleteNode(n.master);
      w.AddSize(-entries);
      deleted += entries;
      continue;
    }
    if (args.approx) break;
    // Trim inside the node, entry by entry.
    auto ids = edit.EntryIds(n.master, n.last, 0);
    if (!ids.ok()) return ids.status();
    int64_t from_node = 0;
    for (StreamId id : *ids) {
      const bool stop = maxlen ? w.size() <= args.maxlen : id >= args.minid;
      if (stop) break;
      edit.DeleteEntry(id);
      w.AddSize(-1);
      ++from_node;
    }
    deleted += from_node;
    n.valid -= static_cast<uint64_t>(from_node);
    if (from_node > 0) edit.PutNode(n);
    break;
  }
  Meta& m = edit.meta();
  if (w.size() == 0) {
    m.first_id = {};
  } else if (deleted) {
    auto first = edit.FirstEntry();
    if (!first.ok()) return first.status();
    m.first_id = first->value_or(StreamId::Max());
  }
  return deleted;
}

Status CheckStreamWriter(collection::Writer& writer) { return stream::OpenStream(writer); }

}  // namespace

Result<XAddResult> XAdd(Engine& engine, int db, std::string_view key, const XAddArgs& args,
                        std::span<const std::string_view> field_values) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = CheckStreamWriter(writer);
  if (!st.ok()) return st;
  XAddResult result;
  if (!writer.exists()) {
    if (args.no_mkstream) return result;
    writer.Create(KeyType::kStream);
    writer.set_extra(Meta{}.Encode());
  }
  StreamEdit edit(writer);
  Meta& m = edit.meta();
  if (m.last_id == StreamId::Max()) {
    return Status::InvalidArgument("The stream has exhausted the last possible ID, unable to add more items");
  }
  StreamId id;
  if (args.id_given) {
    if (args.seq_given) {
      id = args.id;
    } else if (m.last_id.ms == args.id.ms) {
      if (m.last_id.seq == UINT64_MAX) {
        return Status::InvalidArgument("The ID specified in XADD is equal or smaller than the target stream top item");
      }
      id = m.last_id;
      ++id.seq;
    } else {
      id = args.id;
    }
  } else {
    const auto now = static_cast<uint64_t>(EngineInternals::Of(engine).Now());
    if (now > m.last_id.ms) {
      id = {now, 0};
    } else {
      id = m.last_id;
      StreamIdIncr(&id);
    }
  }
  if (id <= m.last_id) {
    return Status::InvalidArgument("The ID specified in XADD is equal or smaller than the target stream top item");
  }
  uint64_t totelelen = 0;
  for (std::string_view s : field_values) totelelen += s.size();
  if (totelelen > (uint64_t{1} << 30)) return Status::InvalidArgument("Elements are too large to be stored");

  // The node the entry goes to: the tail one unless it is full (Redis's streamAppendItem).
  auto tail = edit.LastNode();
  if (!tail.ok()) return tail.status();
  std::optional<Node> node = *tail;
  if (node) {
    if (args.nodes.max_bytes && node->bytes + totelelen >= static_cast<uint64_t>(args.nodes.max_bytes)) {
      node.reset();
    } else if (args.nodes.max_entries && node->total >= static_cast<uint64_t>(args.nodes.max_entries)) {
      node.reset();
    }
  }
  uint64_t entry_bytes = LpIntBytes(0) * 2 + LpIntBytes(1);  // flags, ms delta, seq delta (about)
  for (size_t i = 0; i < field_values.size(); ++i) {
    // A new node's fields become its master fields; the entry then stores only its values.
    if (i % 2 == 1 || !node) entry_bytes += LpStringBytes(field_values[i]);
  }
  entry_bytes += LpIntBytes(static_cast<int64_t>(field_values.size()));  // lp-count
  if (!node) {
    Node fresh;
    fresh.master = id;
    fresh.bytes = 7 + LpIntBytes(1) + LpIntBytes(0) + LpIntBytes(static_cast<int64_t>(field_values.size() / 2)) +
                  LpIntBytes(0);
    for (size_t i = 0; i < field_values.size(); i += 2) fresh.bytes += LpStringBytes(field_values[i]);
    node = fresh;
  }
  node->valid += 1;
  node->total += 1;
  node->bytes += entry_bytes;
  node->last = id;
  edit.PutNode(*node);
  edit.PutEntry(id, stream::EncodeFields(field_values));
  writer.AddSize(1);
  m.entries_added += 1;
  m.last_id = id;
  if (writer.size() == 1) m.first_id = id;

  auto trimmed = Trim(edit, args.trim);
  if (!trimmed.ok()) return trimmed.status();
  edit.Save();
  st = writer.Commit();
  if (!st.ok()) return st;
  result.added = true;
  result.id = id;
  result.trimmed = *trimmed;
  return result;
}

Result<int64_t> XTrim(Engine& engine, int db, std::string_view key, const StreamTrim& trim) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = CheckStreamWriter(writer);
  if (!st.ok()) return st;
  if (!writer.exists()) return int64_t{0};
  StreamEdit edit(writer);
  auto trimmed = Trim(edit, trim);
  if (!trimmed.ok()) return trimmed.status();
  if (*trimmed == 0) return int64_t{0};
  edit.Save();
  st = writer.Commit();
  if (!st.ok()) return st;
  return *trimmed;
}

Result<int64_t> XDel(Engine& engine, int db, std::string_view key, std::span<const StreamId> ids) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = CheckStreamWriter(writer);
  if (!st.ok()) return st;
  if (!writer.exists()) return int64_t{0};
  StreamEdit edit(writer);
  Meta& m = edit.meta();
  int64_t deleted = 0;
  bool first_entry = false;
  for (StreamId id : ids) {
    auto exists = edit.EntryExists(id);
    if (!exists.ok()) return exists.status();
    if (!*exists) continue;
    auto node = edit.NodeOf(id);
    if (!node.ok()) return node.status();
    if (node->has_value()) {
      Node n = **node;
      if (n.valid <= 1) {
        edit.DeleteNode(n.master);
      } else {
        n.valid -= 1;
        edit.PutNode(n);
      }
    }
    edit.DeleteEntry(id);
    writer.AddSize(-1);
    if (id == m.first_id) first_entry = true;
    if (id > m.max_deleted) m.max_deleted = id;
    ++deleted;
  }
  if (deleted == 0) return int64_t{0};
  if (writer.size() == 0) {
    m.first_id = {};
  } else if (first_entry) {
    auto first = edit.FirstEntry();
    if (!first.ok()) return first.status();
    m.first_id = first->value_or(StreamId::Max());
  }
  edit.Save();
  st = writer.Commit();
  if (!st.ok()) return st;
  return deleted;
}

Result<int64_t> XLen(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kStream);
  if (!st.ok()) return st;
  return static_cast<int64_t>(reader.exists() ? reader.size() : 0);
}

Result<std::vector<StreamEntry>> XRange(Engine& engine, int db, std::string_view key, StreamId start, StreamId end,
                                        uint64_t count, bool rev) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kStream);
  if (!st.ok()) return st;
  return stream::ReadRange(reader, start, end, count, rev);
}

Result<std::optional<StreamMeta>> StreamGetMeta(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kStream);
  if (!st.ok()) return st;
  if (!reader.exists()) return std::optional<StreamMeta>();
  return std::optional<StreamMeta>(stream::PublicMeta(reader));
}

Status XSetId(Engine& engine, int db, std::string_view key, StreamId id, std::optional<int64_t> entries_added,
              std::optional<StreamId> max_deleted) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = CheckStreamWriter(writer);
  if (!st.ok()) return st;
  if (!writer.exists()) return Status::NotFound();
  writer.set_unsignalled(true);  // XSETID: no signalModifiedKey in Redis
  StreamEdit edit(writer);
  Meta& m = edit.meta();
  if (writer.size() > 0) {
    auto last = stream::EdgeEntryId(writer, false);
    if (!last.ok()) return last.status();
    if (last->has_value() && id < **last) {
      return Status::InvalidArgument("The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added && static_cast<uint64_t>(*entries_added) < writer.size()) {
      return Status::InvalidArgument("The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  m.last_id = id;
  if (entries_added) m.entries_added = static_cast<uint64_t>(*entries_added);
  if (max_deleted && !max_deleted->IsZero()) m.max_deleted = *max_deleted;
  edit.Save();
  return writer.Commit();
}

}  // namespace redrock::engine
