// Streams, part 3: XINFO STREAM [FULL], XINFO GROUPS and XINFO CONSUMERS, from one snapshot.

#include "engine/storage/db_map.h"
#include "engine/types/stream_internal.h"

namespace redrock::engine {

namespace {

using stream::Consumer;
using stream::Group;
using stream::Nack;

// The number of nodes Redis's radix tree has for these 16-byte keys (sorted): a key's path is
// compressed into one node until it branches, each branch is a node, each key ends in a leaf.
uint64_t RaxNodes(const std::vector<std::string>& keys, size_t lo, size_t hi, size_t depth) {
  if (hi - lo == 0) return 0;
  if (depth >= keys[lo].size()) return 1;
  // The longest common prefix of keys[lo..hi) from depth on (they are sorted: compare first and last).
  const std::string& a = keys[lo];
  const std::string& b = keys[hi - 1];
  size_t l = depth;
  while (l < a.size() && l < b.size() && a[l] == b[l]) ++l;
  if (l > depth) return 1 + RaxNodes(keys, lo, hi, l);  // a compressed node, then what follows
  uint64_t n = 1;                                       // a branching node
  size_t i = lo;
  while (i < hi) {
    size_t j = i;
    while (j < hi && keys[j][depth] == keys[i][depth]) ++j;
    n += RaxNodes(keys, i, j, depth + 1);
    i = j;
  }
  return n;
}

std::vector<StreamPendingEntry> GroupPel(const collection::View& v, std::string_view group, uint64_t count) {
  std::vector<StreamPendingEntry> out;
  const std::string prefix = stream::PelPrefix(group);
  auto it = v.NewIterator(prefix);
  for (it->SeekToFirst(); it->Valid() && (count == 0 || out.size() < count); it->Next()) {
    const Nack n = Nack::Decode(it->value());
    out.push_back({stream::ReadId(it->suffix().data() + prefix.size()), n.consumer, n.delivery_time,
                   n.delivery_count});
  }
  return out;
}

Result<std::vector<StreamConsumerInfo>> Consumers(const collection::View& v, std::string_view group) {
  std::vector<StreamConsumerInfo> out;
  const std::string prefix = stream::ConsumerPrefix(group);
  auto it = v.NewIterator(prefix);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const Consumer c = Consumer::Decode(it->value());
    out.push_back({std::string(it->suffix().substr(prefix.size())), c.seen_time, c.pending});
  }
  Status st = it->status();
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<StreamGroupInfo>> Groups(const collection::View& v) {
  std::vector<StreamGroupInfo> out;
  const StreamMeta meta = stream::PublicMeta(v);
  auto it = v.NewIterator(std::string_view(&stream::kGroupSpace, 1));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const Group g = Group::Decode(it->value());
    StreamGroupInfo info;
    info.name.assign(it->suffix().substr(1));
    info.last_id = g.last_id;
    info.entries_read = g.entries_read;
    info.pel_count = g.pel_count;
    info.consumers = g.consumers;
    info.lag = stream::GroupLag(meta, g);
    out.push_back(std::move(info));
  }
  Status st = it->status();
  if (!st.ok()) return st;
  return out;
}

Status OpenRead(const collection::Reader& r) {
  Status st = r.Ready(KeyType::kStream);
  if (!st.ok()) return st;
  if (!r.exists()) return Status::NotFound();
  return Status::OK();
}

}  // namespace

Result<StreamInfo> XInfoStream(Engine& engine, int db, std::string_view key, bool full, uint64_t count) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = OpenRead(r);
  if (!st.ok()) return st;
  StreamInfo info;
  info.meta = stream::PublicMeta(r);
  std::vector<std::string> node_keys;
  {
    auto it = r.NewIterator(std::string_view(&stream::kNodeSpace, 1));
    for (it->SeekToFirst(); it->Valid(); it->Next()) node_keys.emplace_back(it->suffix().substr(1));
    st = it->status();
    if (!st.ok()) return st;
  }
  info.nodes = node_keys.size();
  info.rax_nodes = node_keys.empty() ? 1 : RaxNodes(node_keys, 0, node_keys.size(), 0);
  if (!full) {
    auto first = stream::ReadRange(r, StreamId{}, StreamId::Max(), 1, false);
    if (!first.ok()) return first.status();
    if (!first->empty()) info.first = std::move(first->front());
    auto last = stream::ReadRange(r, StreamId{}, StreamId::Max(), 1, true);
    if (!last.ok()) return last.status();
    if (!last->empty()) info.last = std::move(last->front());
    return info;
  }
  auto entries = stream::ReadRange(r, StreamId{}, StreamId::Max(), count, false);
  if (!entries.ok()) return entries.status();
  info.entries = std::move(*entries);
  auto groups = Groups(r);
  if (!groups.ok()) return groups.status();
  for (StreamGroupInfo& g : *groups) {
    StreamInfo::Group group;
    group.pel = GroupPel(r, g.name, count);
    auto consumers = Consumers(r, g.name);
    if (!consumers.ok()) return consumers.status();
    for (StreamConsumerInfo& c : *consumers) {
      StreamInfo::Consumer consumer;
      const std::string qprefix = stream::ConsumerPelPrefix(g.name, c.name);
      auto it = r.NewIterator(qprefix);
      std::string value;
      for (it->SeekToFirst(); it->Valid() && (count == 0 || consumer.pel.size() < count); it->Next()) {
        const StreamId id = stream::ReadId(it->suffix().data() + qprefix.size());
        bool found = false;
        st = r.GetMember(stream::PelSuffix(g.name, id), &value, &found);
        if (!st.ok()) return st;
        const Nack n = found ? Nack::Decode(value) : Nack{};
        consumer.pel.push_back({id, c.name, n.delivery_time, n.delivery_count});
      }
      consumer.info = std::move(c);
      group.consumers.push_back(std::move(consumer));
    }
    group.info = std::move(g);
    info.groups.push_back(std::move(group));
  }
  return info;
}

Result<std::vector<StreamGroupInfo>> XInfoGroups(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = OpenRead(r);
  if (!st.ok()) return st;
  return Groups(r);
}

Result<std::vector<StreamConsumerInfo>> XInfoConsumers(Engine& engine, int db, std::string_view key,
                                                       std::string_view group) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = OpenRead(r);
  if (!st.ok()) return st;
  auto g = stream::ReadGroup(r, group);
  if (!g.ok()) return g.status();
  if (!g->has_value()) return Status::InvalidArgument(std::string(kNoGroup));
  return Consumers(r, group);
}

}  // namespace redrock::engine
