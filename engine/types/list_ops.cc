// Lists over the collection machinery, part 1: the O(1) end operations (push, pop, move), length and the
// by-index reads and writes. The layout is described in include/redrock/engine/list.h; LINSERT, LREM, LTRIM and LPOS
// live in list_edit.cc.

#include <algorithm>
#include <array>

#include "engine/types/collection.h"
#include "redrock/engine/list.h"
#include "engine/types/list_internal.h"

namespace redrock::engine {

using list_internal::ListEdit;
using list_internal::PosKey;
using list_internal::Window;

namespace list_internal {

void ListEdit::Push(ListEnd end, std::string_view element) {
  if (end == ListEnd::kLeft) {
    --window_.head;
    writer_.PutMember(PosKey(window_.head), element);
  } else {
    writer_.PutMember(PosKey(window_.tail), element);
    ++window_.tail;
  }
}

Status ListEdit::Pop(ListEnd end, uint64_t count, std::vector<std::string>* out) {
  const uint64_t n = std::min(count, window_.size());
  if (n == 0) return Status::OK();
  out->reserve(out->size() + n);
  if (n == 1) {
    // A point read is much cheaper than an iterator for the common single pop.
    const uint64_t pos = end == ListEnd::kLeft ? window_.head : window_.tail - 1;
    std::string value;
    bool found = false;
    Status st = writer_.GetMember(PosKey(pos), &value, &found);
    if (!st.ok()) return st;
    if (!found) return Status::Corruption("list element missing at its position");
    out->push_back(std::move(value));
  } else {
    auto it = writer_.NewIterator();
    if (end == ListEnd::kLeft) {
      it->Seek(PosKey(window_.head));
    } else {
      it->SeekForPrev(PosKey(window_.tail - 1));
    }
    for (uint64_t i = 0; i < n; ++i) {
      if (!it->Valid()) {
        Status st = it->status();
        return st.ok() ? Status::Corruption("list shorter than its metadata") : st;
      }
      out->emplace_back(it->value());
      if (end == ListEnd::kLeft) {
        it->Next();
      } else {
        it->Prev();
      }
    }
  }
  for (uint64_t i = 0; i < n; ++i) {
    if (end == ListEnd::kLeft) {
      writer_.DeleteMember(PosKey(window_.head));
      ++window_.head;
    } else {
      --window_.tail;
      writer_.DeleteMember(PosKey(window_.tail));
    }
  }
  return Status::OK();
}

void ListEdit::Save() {
  writer_.set_size(window_.size());
  writer_.set_extra(list_internal::EncodeWindow(window_));
}

}  // namespace list_internal


Result<int64_t> ListPush(Engine& engine, int db, std::string_view key, ListEnd end,
                         std::span<const std::string_view> elements, bool only_if_exists) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = writer.Ready(KeyType::kList);
  if (!st.ok()) return st;
  if (!writer.exists()) {
    if (only_if_exists) return int64_t{0};
    writer.Create(KeyType::kList);
  }
  ListEdit list(writer);
  for (std::string_view element : elements) list.Push(end, element);
  list.Save();
  st = writer.Commit();
  if (!st.ok()) return st;
  return static_cast<int64_t>(list.size());
}

Result<bool> ListReplace(Engine& engine, int db, std::string_view key, std::span<const std::string> elements) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  if (!writer.status().ok()) return writer.status();
  const bool existed = writer.exists();
  if (elements.empty() && !existed) return false;  // nothing to delete: no write, no key event
  writer.Recreate(KeyType::kList);
  ListEdit list(writer);
  for (const std::string& element : elements) list.Push(ListEnd::kRight, element);
  list.Save();
  Status st = writer.Commit();
  if (!st.ok()) return st;
  return existed;
}

Result<std::vector<std::string>> ListPop(Engine& engine, int db, std::string_view key, ListEnd end, int64_t count) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = writer.Ready(KeyType::kList);
  if (!st.ok()) return st;
  if (!writer.exists()) return Status::NotFound();
  ListEdit list(writer);
  std::vector<std::string> popped;
  st = list.Pop(end, count < 1 ? 0 : static_cast<uint64_t>(count), &popped);
  if (!st.ok()) return st;
  if (popped.empty()) return popped;  // LPOP key 0: nothing to write
  list.Save();
  st = writer.Commit();
  if (!st.ok()) return st;
  return popped;
}

Result<std::optional<KeyElements>> ListPopFirstMany(Engine& engine, int db, std::span<const std::string_view> keys,
                                                    ListEnd end, int64_t count) {
  DbHold hold(engine, db);
  // One key at a time: only one stripe is ever held, and Redis also examines the keys in turn.
  for (std::string_view key : keys) {
    collection::Writer writer(engine, db, key);
    Status st = writer.Ready(KeyType::kList);
    if (!st.ok()) return st;
    if (!writer.exists()) continue;
    ListEdit list(writer);
    KeyElements result;
    st = list.Pop(end, count < 1 ? 1 : static_cast<uint64_t>(count), &result.elements);
    if (!st.ok()) return st;
    list.Save();
    st = writer.Commit();
    if (!st.ok()) return st;
    result.key.assign(key);
    return std::optional<KeyElements>(std::move(result));
  }
  return std::optional<KeyElements>();
}

Result<std::optional<KeyElement>> ListPopFirst(Engine& engine, int db, std::span<const std::string_view> keys,
                                               ListEnd end) {
  auto many = ListPopFirstMany(engine, db, keys, end, 1);
  if (!many.ok()) return many.status();
  if (!many->has_value() || (*many)->elements.empty()) return std::optional<KeyElement>();
  KeyElement out{std::move((*many)->key), std::move((*many)->elements.front())};
  return std::optional<KeyElement>(std::move(out));
}

Result<int64_t> ListLength(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kList);
  if (!st.ok()) return st;
  return reader.exists() ? static_cast<int64_t>(reader.size()) : int64_t{0};
}

Status ListRange(Engine& engine, int db, std::string_view key, int64_t start, int64_t stop,
                 const std::function<void(size_t count)>& on_count,
                 const std::function<void(std::string_view element)>& on_element) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kList);
  if (!st.ok()) return st;
  const Window window = list_internal::DecodeWindow(reader.extra());
  uint64_t first = 0, last = 0;
  if (!reader.exists() || !list_internal::ResolveRange(start, stop, window.size(), &first, &last)) {
    on_count(0);
    return Status::OK();
  }
  const uint64_t n = last - first + 1;
  on_count(static_cast<size_t>(n));
  auto it = reader.NewIterator();
  it->Seek(PosKey(window.head + first));
  for (uint64_t i = 0; i < n; ++i, it->Next()) {
    if (!it->Valid()) {
      st = it->status();
      return st.ok() ? Status::Corruption("list shorter than its metadata") : st;
    }
    on_element(it->value());
  }
  return Status::OK();
}

Result<std::vector<std::string>> ListRange(Engine& engine, int db, std::string_view key, int64_t start,
                                           int64_t stop) {
  std::vector<std::string> out;
  Status st = ListRange(
      engine, db, key, start, stop, [&](size_t n) { out.reserve(n); },
      [&](std::string_view element) { out.emplace_back(element); });
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<std::string>> ListIndex(Engine& engine, int db, std::string_view key, int64_t index) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = reader.Ready(KeyType::kList);
  if (!st.ok()) return st;
  if (!reader.exists()) return std::optional<std::string>();
  const Window window = list_internal::DecodeWindow(reader.extra());
  uint64_t offset = 0;
  if (!list_internal::ResolveIndex(index, window.size(), &offset)) return std::optional<std::string>();
  std::string value;
  bool found = false;
  st = reader.GetMember(PosKey(window.head + offset), &value, &found);
  if (!st.ok()) return st;
  if (!found) return Status::Corruption("list element missing at its position");
  return std::optional<std::string>(std::move(value));
}

Status ListSet(Engine& engine, int db, std::string_view key, int64_t index, std::string_view element) {
  DbHold hold(engine, db);
  collection::Writer writer(engine, db, key);
  Status st = writer.Ready(KeyType::kList);
  if (!st.ok()) return st;
  if (!writer.exists()) return Status::NotFound();
  ListEdit list(writer);
  uint64_t offset = 0;
  if (!list_internal::ResolveIndex(index, list.size(), &offset)) {
    return Status::InvalidArgument("index out of range");
  }
  writer.PutMember(PosKey(list.window().head + offset), element);
  return writer.Commit();
}

Result<std::optional<std::string>> ListMove(Engine& engine, int db, std::string_view src, std::string_view dst,
                                            ListEnd from, ListEnd to) {
  DbHold hold(engine, db);
  std::vector<std::string> popped;
  if (src == dst) {
    // A rotation within one list: one writer, one window.
    collection::Writer writer(engine, db, src);
    Status st = writer.Ready(KeyType::kList);
    if (!st.ok()) return st;
    if (!writer.exists()) return std::optional<std::string>();
    ListEdit list(writer);
    st = list.Pop(from, 1, &popped);
    if (!st.ok()) return st;
    if (popped.empty()) return std::optional<std::string>();
    list.Push(to, popped.front());
    list.Save();
    st = writer.Commit();
    if (!st.ok()) return st;
    return std::optional<std::string>(std::move(popped.front()));
  }
  const std::array<std::string_view, 2> keys{src, dst};
  MultiKeyLock lock = collection::LockKeys(engine, db, keys);
  collection::Writer source(engine, db, src, collection::Writer::AlreadyLocked{});
  collection::Writer target(engine, db, dst, collection::Writer::AlreadyLocked{});
  Status st = source.Ready(KeyType::kList);
  if (!st.ok()) return st;
  if (!source.exists()) return std::optional<std::string>();
  st = target.Ready(KeyType::kList);
  if (!st.ok()) return st;
  ListEdit from_list(source);
  st = from_list.Pop(from, 1, &popped);
  if (!st.ok()) return st;
  if (popped.empty()) return std::optional<std::string>();
  from_list.Save();
  target.Create(KeyType::kList);
  ListEdit to_list(target);
  to_list.Push(to, popped.front());
  to_list.Save();
  const std::array<collection::Writer*, 2> writers{&source, &target};
  st = collection::Writer::CommitAll(writers);
  if (!st.ok()) return st;
  return std::optional<std::string>(std::move(popped.front()));
}

}  // namespace redrock::engine
