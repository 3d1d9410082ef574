#pragma once
// Compaction filters: the last line of expiry. Active expiry removes expired keys (keeping the counters
// exact); these only reclaim disk from what it missed.

#include <atomic>
#include <cstdint>
#include <memory>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>

#include "redrock/engine/clock.h"

namespace redrock::engine {

// Values that expired more than this long ago are dropped by compaction of "default". Active expiry
// handles a key within a cycle of its expiry, so by then it is long gone from the counters' point of
// view; should one still be counted (active expiry off, or the process was down), the expiry cycle
// fixes the counter when it meets the index entry of the dropped value.
inline constexpr int64_t kCompactionExpiryMarginMs = 10 * 60 * 1000;

std::shared_ptr<rocksdb::CompactionFilterFactory> NewDataCompactionFilterFactory(std::shared_ptr<Clock> clock);
// Where the members filter looks up a member's collection metadata. Null until the DB is open (and
// again while it closes): the filter then keeps everything.
struct MembersFilterContext {
  std::atomic<rocksdb::DB*> db{nullptr};
  std::atomic<rocksdb::ColumnFamilyHandle*> data_cf{nullptr};
};

// Drops members whose collection is gone or has another version (deleted, overwritten, expired and
// reclaimed): what makes DEL and overwrite of a big collection O(1) on the request path.
std::shared_ptr<rocksdb::CompactionFilterFactory> NewMembersCompactionFilterFactory(
    std::shared_ptr<MembersFilterContext> context);

}  // namespace redrock::engine
