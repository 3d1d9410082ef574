#pragma once
// Lists: the LPUSH family as free functions over an Engine.
//
// A list is a collection (engine/types/collection.h) laid out as a window of uint64 positions:
//   metadata extra = [head 8B BE][tail 8B BE]   elements occupy positions [head, tail)
//   member suffix  = position, 8 bytes big-endian (so members sort in list order)
//   member value   = the element
// A new list starts with head = tail = 2^63, in the middle of the range, so it can grow 2^63 elements
// either way. Hence:
//   - push and pop at either end are O(1) (one member write plus the metadata);
//   - LINDEX / LSET address position head + i directly, and LRANGE seeks to head + start;
//   - LTRIM deletes only the trimmed ends; LINSERT shifts the shorter side of the pivot by one; LREM
//     compacts the elements after the first removal (O(n), as in Redis).
// LLEN is the collection size (tail - head), read from the metadata.
//
// Every function is atomic for its key(s): writers hold the key's stripe lock (two-key moves hold both,
// through collection::LockKeys, and commit one batch); readers see one consistent RocksDB snapshot. An
// expired list behaves exactly like a missing one, and a list whose last element is removed disappears.
//
// Indexes follow Redis: negative indexes count from the tail (-1 is the last element).
//
// Common failures (besides the per-function ones):
//   WrongType - the key exists and is not a list
//   IOError   - RocksDB failed; nothing was changed
//
// Keyspace hits and misses (engine.h): ListLength, ListRange, ListIndex and ListPos count one lookup of
// `key`; pushes, pops, moves and edits count nothing (Redis looks their keys up for writing).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/engine.h"

namespace redrock::engine {

enum class ListEnd : uint8_t { kLeft, kRight };  // LEFT = head, RIGHT = tail

// LPUSH / RPUSH (and, with only_if_exists, LPUSHX / RPUSHX). Elements are pushed one after another, so
// LPUSH k a b c leaves c first. Creates the list (no expiry) when missing, unless only_if_exists, in
// which case nothing is created and 0 is returned. Returns the new length.
Result<int64_t> ListPush(Engine& engine, int db, std::string_view key, ListEnd end,
                         std::span<const std::string_view> elements, bool only_if_exists = false);

// LPOP / RPOP: removes up to `count` (>= 1) elements from `end`, in pop order. NotFound when the key is
// missing.
Result<std::vector<std::string>> ListPop(Engine& engine, int db, std::string_view key, ListEnd end,
                                         int64_t count);

// BLPOP / BRPOP without blocking: pops one element from the first of `keys` that holds a non-empty list.
// Keys are examined in order, and WrongType is returned as soon as one exists with another type (even if
// a later key holds a list), as Redis does. nullopt when every key is missing.
struct KeyElement {
  std::string key;
  std::string element;
};
Result<std::optional<KeyElement>> ListPopFirst(Engine& engine, int db, std::span<const std::string_view> keys,
                                               ListEnd end);

// LMPOP without blocking: up to `count` (>= 1) elements from the first non-empty list of `keys` (same
// key order and WrongType rule as ListPopFirst). nullopt when every key is missing.
struct KeyElements {
  std::string key;
  std::vector<std::string> elements;
};
Result<std::optional<KeyElements>> ListPopFirstMany(Engine& engine, int db, std::span<const std::string_view> keys,
                                                    ListEnd end, int64_t count);

// LLEN (O(1)); 0 for a missing key.
Result<int64_t> ListLength(Engine& engine, int db, std::string_view key);

// LRANGE, streaming: calls `on_count` once with the number of elements in range (0 for a missing key or
// an empty range), then `on_element` for each of them in order. The views are only valid during the call.
Status ListRange(Engine& engine, int db, std::string_view key, int64_t start, int64_t stop,
                 const std::function<void(size_t count)>& on_count,
                 const std::function<void(std::string_view element)>& on_element);
// LRANGE into a vector.
Result<std::vector<std::string>> ListRange(Engine& engine, int db, std::string_view key, int64_t start,
                                           int64_t stop);

// LINDEX: nullopt when the key is missing or the index is out of range.
Result<std::optional<std::string>> ListIndex(Engine& engine, int db, std::string_view key, int64_t index);

// LSET. NotFound when the key is missing; InvalidArgument("index out of range") when the index is.
Status ListSet(Engine& engine, int db, std::string_view key, int64_t index, std::string_view element);

// LINSERT: inserts `element` before (or after) the first occurrence of `pivot`, scanning from the head.
// Returns the new length, 0 when the key is missing, -1 when the pivot is not found.
Result<int64_t> ListInsert(Engine& engine, int db, std::string_view key, bool before, std::string_view pivot,
                           std::string_view element);

// LREM: removes the first `count` occurrences of `element` from the head (count > 0), the last -count
// from the tail (count < 0), or all of them (count == 0). Returns how many were removed; 0 when the key
// is missing.
Result<int64_t> ListRemove(Engine& engine, int db, std::string_view key, int64_t count, std::string_view element);

// LTRIM: keeps only [start, stop]; an empty range deletes the key. A missing key is OK.
Status ListTrim(Engine& engine, int db, std::string_view key, int64_t start, int64_t stop);

// LPOS. rank != 0: the rank-th match from the head (rank > 0) or from the tail (rank < 0); count: how many
// matches to return (0 = all); maxlen: compare at most this many elements (0 = no limit). Returns the
// indexes (from the head) of the matches, in scan order; empty for a missing key.
struct ListPosOptions {
  int64_t rank = 1;
  int64_t count = 1;
  int64_t maxlen = 0;
};
Result<std::vector<int64_t>> ListPos(Engine& engine, int db, std::string_view key, std::string_view element,
                                     const ListPosOptions& options);

// LMOVE / RPOPLPUSH: pops from `from` of src and pushes onto `to` of dst, atomically (both keys locked,
// one batch). src == dst rotates the list. Returns the moved element, or nullopt when src is missing.
// WrongType when src, or (for a non-empty src) dst, is not a list; nothing is changed then.
Result<std::optional<std::string>> ListMove(Engine& engine, int db, std::string_view src, std::string_view dst,
                                            ListEnd from, ListEnd to);

// SORT ... STORE: replaces whatever `key` holds (a value of any type, or nothing) with a list of
// `elements` in order, with no expiry, in one atomic write under the key's lock; an empty `elements`
// deletes the key (and writes nothing when it was missing). Returns whether the key existed before.
Result<bool> ListReplace(Engine& engine, int db, std::string_view key, std::span<const std::string> elements);

}  // namespace redrock::engine
