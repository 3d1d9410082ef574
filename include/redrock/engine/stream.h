#pragma once
// Streams: the XADD family as free functions over an Engine, with Redis 7.0's semantics (t_stream.c).
//
// A stream is a collection (engine/types/collection.h) whose size is its number of entries (XLEN is
// O(1)) and whose metadata extra holds the last ID, the maximal deleted entry ID, the recorded first
// entry ID, the entries-added counter and the number of consumer groups. Its members are, by suffix:
//   'e' ID            -> the entry's field-value pairs            (entries in ID order: ranges are
//                                                                   O(log N + returned))
//   'n' master ID     -> one "node": Redis's listpack of up to stream-node-max-entries entries, kept as
//                        counters only (valid, total, bytes, last ID) so that `~` trimming removes whole
//                        nodes exactly where Redis would
//   'g' group         -> last-delivered ID, entries-read, PEL size, consumer count
//   'p' group ID      -> pending entry: delivery time, delivery count, owner
//   'c' group name    -> consumer: seen time, pending count
//   'q' group name ID -> the consumer's own PEL index
// (IDs are 16 bytes: ms and seq big-endian; group and consumer names are length-prefixed.)
//
// Unlike the other collections an empty stream is kept (XDEL/XTRIM to zero entries leave the key), as
// in Redis. Every function is atomic for its key. Common failures: WrongType (the key is not a stream),
// IOError. Errors Redis reports with a specific text come back as InvalidArgument whose message is
// Redis's text without its leading "ERR "; a missing consumer group is InvalidArgument(kNoGroup) (each
// command words its NOGROUP error itself), an existing one for XGROUP CREATE Busy(kBusyGroup).
//
// Keyspace hits and misses: the read functions (XRange, StreamGetMeta, the XInfo* and XPending*) count
// one lookup of their key.

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/engine.h"

namespace redrock::engine {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamId&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }
  // "ms-seq".
  std::string ToString() const;
};
// The next / previous ID; false (wrapping to 0-0 / staying at 0-0... as Redis's streamIncrID/DecrID)
// at the ends.
bool StreamIdIncr(StreamId* id);
bool StreamIdDecr(StreamId* id);

// Entries-read value meaning "unknown" (Redis's SCG_INVALID_ENTRIES_READ).
inline constexpr int64_t kInvalidEntriesRead = -1;

struct StreamFieldValue {
  std::string field;
  std::string value;
};
struct StreamEntry {
  StreamId id;
  std::vector<StreamFieldValue> fields;
  bool deleted = false;  // XREADGROUP history / XCLAIM: the ID is pending but the entry is gone
};

struct StreamMeta {
  uint64_t length = 0;
  StreamId last_id;
  StreamId max_deleted_id;
  StreamId first_id;  // Redis's recorded first entry ID (0-0 when empty)
  uint64_t entries_added = 0;
  uint64_t groups = 0;
};

// Node sizing (stream-node-max-entries and stream-node-max-bytes; 0 = no limit).
struct StreamNodeLimits {
  int64_t max_entries = 100;
  int64_t max_bytes = 4096;
};

struct StreamTrim {
  enum class Strategy : uint8_t { kNone, kMaxLen, kMinId } strategy = Strategy::kNone;
  bool approx = false;
  int64_t limit = 0;  // 0 = none (already defaulted by the caller as Redis does)
  uint64_t maxlen = 0;
  StreamId minid;
};

struct XAddArgs {
  // The ID: automatic (`*`), explicit ms with an automatic sequence (`ms-*`), or explicit.
  bool id_given = false;
  bool seq_given = false;
  StreamId id;
  bool no_mkstream = false;
  StreamTrim trim;
  StreamNodeLimits nodes;
};
struct XAddResult {
  bool added = false;  // false: NOMKSTREAM and the key is missing (nothing written)
  StreamId id;
  int64_t trimmed = 0;
};
// XADD. InvalidArgument with Redis's texts: "The ID specified in XADD is equal or smaller than the
// target stream top item", "The stream has exhausted the last possible ID, unable to add more items",
// "Elements are too large to be stored". (0-0 is the caller's to refuse.) The automatic ID uses the
// engine's clock and never goes below last ID + 1.
Result<XAddResult> XAdd(Engine& engine, int db, std::string_view key, const XAddArgs& args,
                        std::span<const std::string_view> field_values);

// XTRIM: the number of entries removed; 0 for a missing key.
Result<int64_t> XTrim(Engine& engine, int db, std::string_view key, const StreamTrim& trim);

// XDEL: the number of IDs that existed and were removed; 0 for a missing key.
Result<int64_t> XDel(Engine& engine, int db, std::string_view key, std::span<const StreamId> ids);

// XLEN: 0 for a missing key.
Result<int64_t> XLen(Engine& engine, int db, std::string_view key);

// XRANGE / XREVRANGE over [start, end] (inclusive), at most `count` entries (0 = all); rev walks from
// end down to start. Empty for a missing key.
Result<std::vector<StreamEntry>> XRange(Engine& engine, int db, std::string_view key, StreamId start,
                                        StreamId end, uint64_t count, bool rev);

// The metadata; nullopt for a missing key.
Result<std::optional<StreamMeta>> StreamGetMeta(Engine& engine, int db, std::string_view key);

// XSETID key id [ENTRIESADDED n] [MAXDELETEDID id]. NotFound for a missing key; InvalidArgument with
// Redis's texts for an ID below the top item / entries_added below the length / max deleted above id.
Status XSetId(Engine& engine, int db, std::string_view key, StreamId id, std::optional<int64_t> entries_added,
              std::optional<StreamId> max_deleted);

// ---- Consumer groups -----------------------------------------------------------------------------

// Error messages (the whole reply line) the server passes through.
inline constexpr std::string_view kBusyGroup = "BUSYGROUP Consumer Group name already exists";
inline constexpr std::string_view kNoGroup = "NOGROUP";
inline bool IsNoGroup(const Status& st) {
  return st.code() == Status::Code::kInvalidArgument && st.message() == kNoGroup;
}

struct StreamGroupInfo {
  std::string name;
  StreamId last_id;
  int64_t entries_read = kInvalidEntriesRead;
  uint64_t pel_count = 0;
  uint64_t consumers = 0;
  std::optional<int64_t> lag;  // nullopt: not available
};
struct StreamConsumerInfo {
  std::string name;
  int64_t seen_time_ms = 0;
  uint64_t pending = 0;
};
struct StreamPendingEntry {
  StreamId id;
  std::string consumer;
  int64_t delivery_time_ms = 0;
  uint64_t delivery_count = 0;
};

// A group id argument: `$` (the stream's last ID) or an ID.
struct GroupStartId {
  bool last = false;
  StreamId id;
};

// XGROUP CREATE. NotFound when the key is missing and !mkstream; Busy(kBusyGroup) when the group exists.
Status XGroupCreate(Engine& engine, int db, std::string_view key, std::string_view group, GroupStartId start,
                    bool mkstream, int64_t entries_read /* kInvalidEntriesRead: derive */);
// XGROUP SETID. NotFound: key missing; InvalidArgument("NOGROUP") when the group does not exist.
Status XGroupSetId(Engine& engine, int db, std::string_view key, std::string_view group, GroupStartId start,
                   int64_t entries_read);
// XGROUP DESTROY: whether it existed. NotFound: key missing.
Result<bool> XGroupDestroy(Engine& engine, int db, std::string_view key, std::string_view group);
// XGROUP CREATECONSUMER: whether it was created. NotFound: key missing; InvalidArgument("NOGROUP").
Result<bool> XGroupCreateConsumer(Engine& engine, int db, std::string_view key, std::string_view group,
                                  std::string_view consumer);
// XGROUP DELCONSUMER: the consumer's pending count (-1 when it did not exist).
Result<int64_t> XGroupDelConsumer(Engine& engine, int db, std::string_view key, std::string_view group,
                                  std::string_view consumer);

// Whether the group exists (NotFound for a missing key).
Result<bool> XGroupExists(Engine& engine, int db, std::string_view key, std::string_view group);

// XREADGROUP on one stream. `newer` is `>`: entries after the group's last-delivered ID, which are then
// delivered to the consumer (added to the PEL unless noack); served only when the stream has an entry
// past that ID. Otherwise the consumer's own pending entries from `start` on (deleted entries come back
// with deleted = true); always served. A served read creates the consumer when missing and refreshes its
// seen time. NotFound: key missing; InvalidArgument("NOGROUP").
struct XReadGroupResult {
  bool served = false;
  bool consumer_created = false;
  std::vector<StreamEntry> entries;
};
Result<XReadGroupResult> XReadGroup(Engine& engine, int db, std::string_view key, std::string_view group,
                                    std::string_view consumer, bool newer, StreamId start, uint64_t count,
                                    bool noack);

// XACK: how many of the IDs were pending and are now acknowledged. 0 for a missing key or group.
Result<int64_t> XAck(Engine& engine, int db, std::string_view key, std::string_view group,
                     std::span<const StreamId> ids);

struct XPendingSummary {
  uint64_t count = 0;
  StreamId min, max;
  std::vector<std::pair<std::string, uint64_t>> consumers;  // with pending > 0, in name order
};
// XPENDING key group. NotFound: key missing; InvalidArgument("NOGROUP").
Result<XPendingSummary> XPendingSummaryOf(Engine& engine, int db, std::string_view key, std::string_view group);
// XPENDING key group [IDLE ms] start end count [consumer].
Result<std::vector<StreamPendingEntry>> XPendingRange(Engine& engine, int db, std::string_view key,
                                                      std::string_view group, int64_t min_idle_ms, StreamId start,
                                                      StreamId end, uint64_t count,
                                                      std::optional<std::string_view> consumer);

struct XClaimArgs {
  int64_t min_idle_ms = 0;
  std::optional<int64_t> delivery_time_ms;  // TIME/IDLE already resolved to an absolute time
  std::optional<int64_t> retry_count;
  bool force = false;
  bool justid = false;
  std::optional<StreamId> last_id;
};
// XCLAIM: the claimed entries (JUSTID: fields empty). Pending entries whose message was deleted are
// removed from the PEL and not returned. NotFound: key missing; InvalidArgument("NOGROUP").
struct XClaimResult {
  std::vector<StreamEntry> claimed;
  bool consumer_created = false;
};
Result<XClaimResult> XClaim(Engine& engine, int db, std::string_view key, std::string_view group,
                                        std::string_view consumer, std::span<const StreamId> ids,
                                        const XClaimArgs& args);

struct XAutoClaimResult {
  StreamId next;
  std::vector<StreamEntry> claimed;
  std::vector<StreamId> deleted;
  bool consumer_created = false;
};
Result<XAutoClaimResult> XAutoClaim(Engine& engine, int db, std::string_view key, std::string_view group,
                                    std::string_view consumer, int64_t min_idle_ms, StreamId start, uint64_t count,
                                    bool justid);

// ---- XINFO ---------------------------------------------------------------------------------------

struct StreamInfo {
  StreamMeta meta;
  uint64_t nodes = 0;      // radix-tree-keys
  uint64_t rax_nodes = 1;  // radix-tree-nodes (as Redis's rax would have them)
  std::optional<StreamEntry> first, last;  // non-FULL
  std::vector<StreamEntry> entries;        // FULL (up to count)
  struct Consumer {
    StreamConsumerInfo info;
    std::vector<StreamPendingEntry> pel;  // FULL, up to count
  };
  struct Group {
    StreamGroupInfo info;
    std::vector<StreamPendingEntry> pel;  // FULL, up to count
    std::vector<Consumer> consumers;
  };
  std::vector<Group> groups;  // FULL
};
// XINFO STREAM key [FULL [COUNT n]] (count 0 = all). NotFound for a missing key.
Result<StreamInfo> XInfoStream(Engine& engine, int db, std::string_view key, bool full, uint64_t count);
// XINFO GROUPS key. NotFound for a missing key.
Result<std::vector<StreamGroupInfo>> XInfoGroups(Engine& engine, int db, std::string_view key);
// XINFO CONSUMERS key group. NotFound: key missing; InvalidArgument("NOGROUP").
Result<std::vector<StreamConsumerInfo>> XInfoConsumers(Engine& engine, int db, std::string_view key,
                                                       std::string_view group);

}  // namespace redrock::engine
