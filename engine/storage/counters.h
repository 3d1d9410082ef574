#pragma once
// Per-db key counters in the "meta" column family, kept exact by an int64-add merge operator so that
// DBSIZE never scans. A Put of a base value resets a counter (FLUSHDB); Merges add to it.

#include <cstdint>
#include <memory>
#include <string>

#include <rocksdb/merge_operator.h>
#include <rocksdb/write_batch.h>

namespace redrock::engine {

// Operands and values are 8-byte little-endian int64; a missing base counts as 0.
std::shared_ptr<rocksdb::MergeOperator> NewCounterMergeOperator();

void AddCounterDelta(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                     int64_t delta);
void AddCounterReset(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf, const std::string& key);

}  // namespace redrock::engine
