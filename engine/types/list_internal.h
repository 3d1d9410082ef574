#pragma once
// Private to engine/list_*.cc: the position window of a list (see the layout in include/redrock/engine/list.h) and the
// O(1) end operations on an open collection::Writer.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types/collection.h"
#include "engine/storage/encoding.h"
#include "redrock/engine/list.h"

namespace redrock::engine::list_internal {

// Where a new list's first element goes: the middle of the uint64 range.
inline constexpr uint64_t kInitialPosition = 1ull << 63;

// Elements occupy positions [head, tail).
struct Window {
  uint64_t head = kInitialPosition;
  uint64_t tail = kInitialPosition;
  uint64_t size() const { return tail - head; }
};

inline Window DecodeWindow(std::string_view extra) {
  Window w;
  if (extra.size() >= 16) {
    w.head = encoding::GetFixed64BE(extra.data());
    w.tail = encoding::GetFixed64BE(extra.data() + 8);
  }
  return w;
}

inline std::string EncodeWindow(const Window& w) {
  std::string out;
  out.reserve(16);
  encoding::AppendFixed64BE(&out, w.head);
  encoding::AppendFixed64BE(&out, w.tail);
  return out;
}

// A position's member suffix: 8 bytes big-endian, held in a small buffer.
class PosKey {
 public:
  explicit PosKey(uint64_t pos) { encoding::PutFixed64BE(buf_, pos); }
  std::string_view view() const { return std::string_view(buf_, sizeof(buf_)); }
  operator std::string_view() const { return view(); }  // NOLINT: used as a suffix

 private:
  char buf_[8];
};

inline uint64_t PositionOf(std::string_view suffix) {
  return suffix.size() == 8 ? encoding::GetFixed64BE(suffix.data()) : 0;
}

// Redis's index rule: negative counts from the tail. False when out of range.
inline bool ResolveIndex(int64_t index, uint64_t size, uint64_t* offset) {
  const int64_t len = static_cast<int64_t>(size);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return false;
  *offset = static_cast<uint64_t>(index);
  return true;
}

// Redis's LRANGE clamp; false when the range is empty. On true, [*first, *last] is within [0, size).
inline bool ResolveRange(int64_t start, int64_t stop, uint64_t size, uint64_t* first, uint64_t* last) {
  const int64_t len = static_cast<int64_t>(size);
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return false;
  if (stop >= len) stop = len - 1;
  *first = static_cast<uint64_t>(start);
  *last = static_cast<uint64_t>(stop);
  return true;
}

// A list opened for a read-modify-write: the writer plus its window. Changes go to the writer's batch;
// Save() records the window and size before Commit().
class ListEdit {
 public:
  explicit ListEdit(collection::Writer& writer) : writer_(writer), window_(DecodeWindow(writer.extra())) {}

  collection::Writer& writer() { return writer_; }
  Window& window() { return window_; }
  uint64_t size() const { return window_.size(); }

  void Push(ListEnd end, std::string_view element);
  // Pops up to `count` elements into *out (appended, in pop order).
  Status Pop(ListEnd end, uint64_t count, std::vector<std::string>* out);
  void Save();

 private:
  collection::Writer& writer_;
  Window window_;
};

}  // namespace redrock::engine::list_internal
