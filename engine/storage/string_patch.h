#pragma once
// String patches: a RocksDB merge operand on the data column family that overwrites bytes of a stored
// string value in place, so an edit of a few bytes of a big string (SETBIT, BITFIELD, SETRANGE, APPEND,
// a dense HLL register) writes those bytes instead of the whole value.
//
// Operand: [tag 'P'][expire_at_ms: 8 bytes BE][offset: 8 bytes BE][bytes]. Applied to a string value
// [type][expire_at_ms][payload], it writes `bytes` at payload offset `offset`, first padding the payload
// with zero bytes up to `offset` when it is shorter (so APPEND and growing edits are patches too). The
// value's header is kept. A patch is only ever written over a live string value, under the key's lock;
// anything that replaces or removes the key (Put, Delete) hides the patches before it, as RocksDB does
// with every merge operand.
//
// With no base value (the data compaction filter dropped an expired string while newer patches of it
// were still in other files), the patches build a string value with the operand's expiry, the expiry the
// dropped value had when they were written: it is expired as well, so the key stays missing.
// A base that is not a string cannot occur (every type change is a Put); it fails the merge
// (Corruption on read) rather than guess.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/merge_operator.h>

namespace redrock::engine {

std::shared_ptr<rocksdb::MergeOperator> NewStringPatchMergeOperator();

// The operand that writes `bytes` at `offset` of a string value whose expiry is `expire_at_ms`.
std::string EncodeStringPatch(int64_t expire_at_ms, uint64_t offset, std::string_view part1, std::string_view part2 = {});

// Values at least this long are changed with patches when the change is small (string_ops.cc); shorter
// ones are rewritten whole (cheap, and their reads never fold operands).
inline constexpr size_t kPatchMinValueBytes = 1024;

}  // namespace redrock::engine
