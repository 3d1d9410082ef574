#pragma once
// The stream layout (see include/redrock/engine/stream.h) shared by stream_ops.cc, stream_groups.cc and
// stream_info.cc. Private to engine/types.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/storage/encoding.h"
#include "engine/types/collection.h"
#include "redrock/engine/stream.h"

namespace redrock::engine::stream {

inline constexpr char kEntrySpace = 'e';
inline constexpr char kNodeSpace = 'n';
inline constexpr char kGroupSpace = 'g';
inline constexpr char kPelSpace = 'p';
inline constexpr char kConsumerSpace = 'c';
inline constexpr char kConsumerPelSpace = 'q';

inline void AppendId(std::string* out, StreamId id) {
  encoding::AppendFixed64BE(out, id.ms);
  encoding::AppendFixed64BE(out, id.seq);
}
inline StreamId ReadId(const char* p) { return {encoding::GetFixed64BE(p), encoding::GetFixed64BE(p + 8)}; }
inline void AppendU64(std::string* out, uint64_t v) { encoding::AppendFixed64BE(out, v); }
inline uint64_t ReadU64(const char* p) { return encoding::GetFixed64BE(p); }
inline void AppendName(std::string* out, std::string_view name) {
  AppendU64(out, name.size());
  out->append(name);
}

// The metadata extra: last ID, max deleted ID, first ID, entries added, groups.
struct Meta {
  StreamId last_id, max_deleted, first_id;
  uint64_t entries_added = 0;
  uint64_t groups = 0;
  std::string Encode() const;
  static Meta Decode(std::string_view extra);
};

struct Node {
  StreamId master;
  uint64_t valid = 0, total = 0, bytes = 0;
  StreamId last;
  std::string Encode() const;
  static Node Decode(StreamId master, std::string_view v);
};

struct Group {
  StreamId last_id;
  int64_t entries_read = kInvalidEntriesRead;
  uint64_t pel_count = 0;
  uint64_t consumers = 0;
  std::string Encode() const;
  static Group Decode(std::string_view v);
};

struct Nack {
  int64_t delivery_time = 0;
  uint64_t delivery_count = 0;
  std::string consumer;
  std::string Encode() const;
  static Nack Decode(std::string_view v);
};

struct Consumer {
  int64_t seen_time = 0;
  uint64_t pending = 0;
  std::string Encode() const;
  static Consumer Decode(std::string_view v);
};

std::string EntrySuffix(StreamId id);
std::string NodeSuffix(StreamId id);
std::string GroupSuffix(std::string_view group);
std::string PelPrefix(std::string_view group);
std::string PelSuffix(std::string_view group, StreamId id);
std::string ConsumerPrefix(std::string_view group);
std::string ConsumerSuffix(std::string_view group, std::string_view consumer);
std::string ConsumerPelPrefix(std::string_view group, std::string_view consumer);
std::string ConsumerPelSuffix(std::string_view group, std::string_view consumer, StreamId id);

std::string EncodeFields(std::span<const std::string_view> field_values);
std::vector<StreamFieldValue> DecodeFields(std::string_view v);

// Helpers over a loaded View (Writer or Reader).
Meta MetaOf(const collection::View& view);
StreamMeta PublicMeta(const collection::View& view);
// Reads entry `id`; nullopt when absent.
Result<std::optional<StreamEntry>> ReadEntry(const collection::View& view, StreamId id);
// First (or last) entry ID; nullopt when there is none.
Result<std::optional<StreamId>> EdgeEntryId(const collection::View& view, bool first);
// Entries in [start, end], at most count (0 = all).
Result<std::vector<StreamEntry>> ReadRange(const collection::View& view, StreamId start, StreamId end, uint64_t count,
                                           bool rev);
uint64_t CountNodes(const collection::View& view);

// Redis's lag bookkeeping (streamRangeHasTombstones, streamEstimateDistanceFromFirstEverEntry).
bool RangeHasTombstones(const StreamMeta& s, std::optional<StreamId> start, std::optional<StreamId> end);
int64_t EstimateDistance(const StreamMeta& s, StreamId id);
std::optional<int64_t> GroupLag(const StreamMeta& s, const Group& g);

// Reads a group record; nullopt when absent.
Result<std::optional<Group>> ReadGroup(const collection::View& view, std::string_view name);

// A stream write: opens the Writer, checks the type, and gives typed access.
Status OpenStream(collection::Writer& writer);

}  // namespace redrock::engine::stream
