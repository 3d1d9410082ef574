// Lists, part 2: the edits in the middle (LINSERT, LREM), LTRIM and LPOS. LINSERT and LREM are O(n) as in
// Redis, but move as few elements as they can: LINSERT shifts the shorter side of the insertion point by
// one position, LREM only rewrites the elements after the first removal (on the side it scans from).
// LTRIM deletes just the trimmed ends.

#include <limits>

#include "engine/types/collection.h"
#include "redrock/engine/list.h"
#include "engine/types/list_internal.h"

namespace redrock::engine {

using list_internal::ListEdit;
using list_internal::PosKey;
using list_internal::PositionOf;
using list_internal::Window;

namespace {

// Above this many trimmed elements, one range tombstone replaces the per-element deletes.
constexpr uint64_t kRangeDeleteThreshold = 64;

Status IterationEnd(const collection::MemberIterator& it) {
  Status st = it.status();
  return st.ok() ? Status::Corruption("list shorter than its metadata") : st;
}

// Deletes positions [from, to) of the writer's list.
void DeletePositions(Engine& engine, collection::Writer& writer, uint64_t from, uint64_t to) {
  if (from >= to) return;
  if (to - from <= kRangeDeleteThreshold) {
    for (uint64_t pos = from; pos < to; ++pos) writer.DeleteMember(PosKey(pos));
    return;
  }
  std::string begin, end;
  collection::EncodeMemberKey(&begin, writer.db(), writer.key(), writer.version(), PosKey(from));
  collection::EncodeMemberKey(&end, writer.db(), writer.key(), writer.version(), PosKey(to));
  writer.batch().DeleteRange(EngineInternals::Of(engine).members_cf, begin, end);
}

}  // namespace

Result<int64_t> ListInsert(Engine& engine, int db, std::string_view key, bool before, std::string_view pivot,
                           std::string_view element) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = writer.Ready(KeyType::kList);
  if (!st.ok()) return st;
  if (!writer.exists()) return int64_t{0};
  ListEdit list(writer);
  Window& window = list.window();

  // Find the pivot's offset from the head.
  uint64_t pivot_offset = 0;
  bool found = false;
  {
    auto it = writer.NewIterator();
    it->Seek(PosKey(window.head));
    for (uint64_t i = 0; i < list.size(); ++i, it->Next()) {
      if (!it->Valid()) return IterationEnd(*it);
      if (it->value() == pivot) {
        pivot_offset = i;
        found = true;
        break;
      }
    }
  }
  if (!found) return int64_t{-1};

  // The new element's offset once inserted; the elements on its shorter side move one step outwards.
  const uint64_t at = before ? pivot_offset : pivot_offset + 1;
  const uint64_t size = list.size();
  auto it = writer.NewIterator();
  if (at <= size - at) {
    it->Seek(PosKey(window.head));
    for (uint64_t i = 0; i < at; ++i, it->Next()) {
      if (!it->Valid()) return IterationEnd(*it);
      writer.PutMember(PosKey(window.head + i - 1), it->value());
    }
    --window.head;
    writer.PutMember(PosKey(window.head + at), element);
  } else {
    it->Seek(PosKey(window.head + at));
    for (uint64_t i = at; i < size; ++i, it->Next()) {
      if (!it->Valid()) return IterationEnd(*it);
      writer.PutMember(PosKey(window.head + i + 1), it->value());
    }
    ++window.tail;
    writer.PutMember(PosKey(window.head + at), element);
  }
  list.Save();
  st = writer.Commit();
  if (!st.ok()) return st;
  return static_cast<int64_t>(list.size());
}

Result<int64_t> ListRemove(Engine& engine, int db, std::string_view key, int64_t count, std::string_view element) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = writer.Ready(KeyType::kList);
  if (!st.ok()) return st;
  if (!writer.exists()) return int64_t{0};
  ListEdit list(writer);
  Window& window = list.window();
  const uint64_t size = list.size();
  const uint64_t limit = count == 0  ? std::numeric_limits<uint64_t>::max()
                         : count > 0 ? static_cast<uint64_t>(count)
                                     : uint64_t{0} - static_cast<uint64_t>(count);
  const bool from_head = count >= 0;
  uint64_t removed = 0;
  auto it = writer.NewIterator();
  if (from_head) {
    it->Seek(PosKey(window.head));
  } else {
    it->SeekForPrev(PosKey(window.tail - 1));
  }
  // Survivors close the gaps towards the end the scan started from, so the elements before the first
  // removal stay where they are.
  for (uint64_t i = 0; i < size; ++i) {
    if (!it->Valid()) return IterationEnd(*it);
    const uint64_t pos = PositionOf(it->suffix());
    if (removed < limit && it->value() == element) {
      ++removed;
    } else if (removed > 0) {
      writer.PutMember(PosKey(from_head ? pos - removed : pos + removed), it->value());
    }
    if (from_head) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  if (removed == 0) return int64_t{0};
  if (removed < size) {
    if (from_head) {
      DeletePositions(engine, writer, window.tail - removed, window.tail);
      window.tail -= removed;
    } else {
      DeletePositions(engine, writer, window.head, window.head + removed);
      window.head += removed;
    }
  } else {
    window.head = window.tail;  // emptied: Commit() deletes the key; the members are stale with it
  }
  list.Save();
  st = writer.Commit();
  if (!st.ok()) return st;
  return static_cast<int64_t>(removed);
}

Status ListTrim(Engine& engine, int db, std::string_view key, int64_t start, int64_t stop) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = writer.Ready(KeyType::kList);
  if (!st.ok()) return st;
  if (!writer.exists()) return Status::OK();
  ListEdit list(writer);
  Window& window = list.window();
  uint64_t first = 0, last = 0;
  if (!list_internal::ResolveRange(start, stop, list.size(), &first, &last)) {
    window.head = window.tail;  // nothing kept: the key goes, and its members are stale with it
  } else {
    const uint64_t new_head = window.head + first;
    const uint64_t new_tail = window.head + last + 1;
    if (new_head == window.head && new_tail == window.tail) {
      // Nothing to trim; Redis still signals the key as modified (a WATCH of it fails).
      writer.ReportModifiedUnchanged();
      return Status::OK();
    }
    DeletePositions(engine, writer, window.head, new_head);
    DeletePositions(engine, writer, new_tail, window.tail);
    window.head = new_head;
    window.tail = new_tail;
  }
  list.Save();
  return writer.Commit();
}

Result<std::vector<int64_t>> ListPos(Engine& engine, int db, std::string_view key, std::string_view element,
                                     const ListPosOptions& options) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kList);
  if (!st.ok()) return st;
  std::vector<int64_t> matches;
  if (!reader.exists()) return matches;
  const Window window = list_internal::DecodeWindow(reader.extra());
  const uint64_t size = window.size();
  const bool from_head = options.rank > 0;
  // Redis negates a negative rank; INT64_MIN stays negative there, which makes its first match count.
  const uint64_t skip = options.rank == std::numeric_limits<int64_t>::min() ? 0
                        : from_head ? static_cast<uint64_t>(options.rank) - 1
                                    : static_cast<uint64_t>(-options.rank) - 1;
  const uint64_t want = options.count == 0 ? std::numeric_limits<uint64_t>::max()
                                           : static_cast<uint64_t>(options.count);
  const uint64_t scan = options.maxlen == 0 ? size : std::min(size, static_cast<uint64_t>(options.maxlen));
  auto it = reader.NewIterator();
  if (from_head) {
    it->Seek(PosKey(window.head));
  } else {
    it->SeekForPrev(PosKey(window.tail - 1));
  }
  uint64_t seen = 0;
  for (uint64_t i = 0; i < scan && matches.size() < want; ++i) {
    if (!it->Valid()) return IterationEnd(*it);
    if (it->value() == element && seen++ >= skip) {
      const uint64_t offset = PositionOf(it->suffix()) - window.head;
      matches.push_back(static_cast<int64_t>(offset));
    }
    if (from_head) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  return matches;
}

}  // namespace redrock::engine
