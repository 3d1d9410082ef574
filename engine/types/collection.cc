#include "engine/types/collection.h"

#include <chrono>

#include "engine/storage/encoding.h"
#include "common/glob.h"

namespace redrock::engine::collection {

namespace {

constexpr const char* kVersionHwmKey = "collection_version_hwm";
// Versions are reserved in blocks: the persisted mark is raised by this much at a time, so a restart
// can never hand out a version this process already used.
constexpr uint64_t kVersionBlock = 1ull << 30;

uint64_t WallMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Status PersistHwm(Engine::Impl& impl, uint64_t hwm) {
  std::string value;
  encoding::AppendFixed64BE(&value, hwm);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = impl.db->Put(wo, impl.meta_cf, kVersionHwmKey, value);
  return s.ok() ? Status::OK() : Status::IOError(s.ToString());
}

}  // namespace

void EncodeMemberPrefix(std::string* out, int db, std::string_view key, uint64_t version) {
  out->clear();
  out->reserve(1 + 4 + key.size() + 8);
  out->push_back(static_cast<char>(static_cast<uint8_t>(db)));
  char len[4] = {static_cast<char>((key.size() >> 24) & 0xff), static_cast<char>((key.size() >> 16) & 0xff),
                 static_cast<char>((key.size() >> 8) & 0xff), static_cast<char>(key.size() & 0xff)};
  out->append(len, 4);
  out->append(key);
  encoding::AppendFixed64BE(out, version);
}

void EncodeMemberKey(std::string* out, int db, std::string_view key, uint64_t version, std::string_view suffix) {
  EncodeMemberPrefix(out, db, key, version);
  out->append(suffix);
}

bool DecodeMemberKey(std::string_view member_key, int* db, std::string_view* key, uint64_t* version,
                     std::string_view* suffix) {
  if (member_key.size() < 1 + 4 + 8) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(member_key.data());
  const size_t len = (size_t{p[1]} << 24) | (size_t{p[2]} << 16) | (size_t{p[3]} << 8) | size_t{p[4]};
  if (member_key.size() < 1 + 4 + len + 8) return false;
  *db = p[0];
  *key = member_key.substr(5, len);
  *version = encoding::GetFixed64BE(member_key.data() + 5 + len);
  *suffix = member_key.substr(5 + len + 8);
  return true;
}

std::string EncodeMetadata(KeyType type, int64_t expire_at_ms, uint64_t version, uint64_t size,
                           std::string_view extra) {
  std::string out(encoding::kCollectionHeaderSize, '\0');
  out[0] = static_cast<char>(type);
  encoding::PutFixed64BE(out.data() + 1, static_cast<uint64_t>(expire_at_ms));
  encoding::PutFixed64BE(out.data() + 9, version);
  encoding::PutFixed64BE(out.data() + 17, size);
  out.append(extra);
  return out;
}

uint64_t NextVersion(Engine::Impl& impl) {
  std::lock_guard lock(impl.version_mu);
  if (impl.next_version == 0) {
    uint64_t hwm = 0;
    rocksdb::PinnableSlice stored;
    if (impl.db->Get(rocksdb::ReadOptions(), impl.meta_cf, kVersionHwmKey, &stored).ok() && stored.size() == 8) {
      hwm = encoding::GetFixed64BE(stored.data());
    }
    impl.next_version = std::max(WallMicros(), hwm) + 1;
    impl.version_hwm = impl.next_version;
  }
  if (impl.next_version >= impl.version_hwm) {
    // If persisting fails the reservation is still taken in memory; the next restart re-seeds from
    // the wall clock, which is past anything handed out unless versions ran ahead of it.
    impl.version_hwm = impl.next_version + kVersionBlock;
    (void)PersistHwm(impl, impl.version_hwm);
  }
  return impl.next_version++;
}

// ---- MemberIterator ------------------------------------------------------------------------------

MemberIterator::MemberIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot,
                               std::string member_prefix, std::string_view suffix_prefix)
    : member_prefix_(std::move(member_prefix)) {
  lower_ = member_prefix_;
  lower_.append(suffix_prefix);
  upper_ = encoding::PrefixSuccessor(lower_);
  lower_slice_ = rocksdb::Slice(lower_);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.iterate_lower_bound = &lower_slice_;
  if (!upper_.empty()) {
    upper_slice_ = rocksdb::Slice(upper_);
    ro.iterate_upper_bound = &upper_slice_;
  }
  it_.reset(db->NewIterator(ro, cf));
}

void MemberIterator::Seek(std::string_view suffix) {
  scratch_ = member_prefix_;
  scratch_.append(suffix);
  it_->Seek(scratch_);
}

void MemberIterator::SeekForPrev(std::string_view suffix) {
  scratch_ = member_prefix_;
  scratch_.append(suffix);
  it_->SeekForPrev(scratch_);
}

std::string_view MemberIterator::suffix() const {
  rocksdb::Slice k = it_->key();
  return std::string_view(k.data(), k.size()).substr(member_prefix_.size());
}

std::string_view MemberIterator::value() const {
  rocksdb::Slice v = it_->value();
  return std::string_view(v.data(), v.size());
}

Status MemberIterator::status() const {
  rocksdb::Status s = it_->status();
  return s.ok() ? Status::OK() : Status::IOError(s.ToString());
}

// ---- Writer --------------------------------------------------------------------------------------

namespace {
std::string DataKey(int db, std::string_view key) {
  std::string out;
  encoding::EncodeDataKey(&out, db, key);
  return out;
}

}  // namespace

// ---- View ----------------------------------------------------------------------------------------

void View::Assign(int db, std::string_view key, const encoding::ValueHeader& header, std::string_view extra) {
  exists_ = true;
  type_ = header.type;
  version_ = header.version;
  size_ = header.size;
  expire_at_ms_ = header.expire_at_ms;
  if (type_ != KeyType::kString) {
    extra_.assign(extra);
    EncodeMemberPrefix(&member_prefix_, db, key, version_);
  }
}

Status View::CheckType(KeyType type) const {
  return (!exists_ || type_ == type) ? Status::OK() : Status::WrongType();
}

Status View::GetMember(std::string_view suffix, std::string* value, bool* found) const {
  *found = false;
  if (!exists_) return Status::OK();
  scratch_ = member_prefix_;
  scratch_.append(suffix);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  rocksdb::PinnableSlice slice;
  rocksdb::Status s = impl_.db->Get(ro, impl_.members_cf, scratch_, &slice);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return impl_.ReadError(s);
  *found = true;
  value->assign(slice.data(), slice.size());
  return Status::OK();
}

std::unique_ptr<MemberIterator> View::NewIterator(std::string_view suffix_prefix) const {
  return std::make_unique<MemberIterator>(impl_.db, impl_.members_cf, snapshot_, member_prefix_, suffix_prefix);
}

// ---- Writer --------------------------------------------------------------------------------------

Writer::Writer(Engine& engine, int db, std::string_view key)
    : View(EngineInternals::Of(engine), nullptr), db_(db), key_(key), data_key_(DataKey(db, key)) {
  lock_.emplace(impl_.locks, data_key_);
  Load();
}

Writer::Writer(Engine& engine, int db, std::string_view key, AlreadyLocked)
    : View(EngineInternals::Of(engine), nullptr), db_(db), key_(key), data_key_(DataKey(db, key)) {
  Load();
}

// Reads the metadata; the key's stripe is held (by this writer or by the caller).
void Writer::Load() {
  status_ = impl_.ReadOld(data_key_, impl_.Now(), &old_);
  if (!status_.ok() || !old_.live()) return;
  // ReadOld keeps no header.payload; a collection's extra follows its header in the raw value.
  const std::string_view raw(old_.raw);
  Assign(db_, key_, old_.header, raw.substr(std::min(raw.size(), encoding::kCollectionHeaderSize)));
}

void Writer::Recreate(KeyType type) {
  exists_ = false;
  Create(type);
}

void Writer::Create(KeyType type) {
  if (exists_) return;
  exists_ = true;
  type_ = type;
  version_ = NextVersion(impl_);
  size_ = 0;
  expire_at_ms_ = 0;
  extra_.clear();
  EncodeMemberPrefix(&member_prefix_, db_, key_, version_);
}

void Writer::PutMember(std::string_view suffix, std::string_view value) {
  scratch_ = member_prefix_;
  scratch_.append(suffix);
  batch_.Put(impl_.members_cf, scratch_, rocksdb::Slice(value.data(), value.size()));
}

void Writer::DeleteMember(std::string_view suffix) {
  scratch_ = member_prefix_;
  scratch_.append(suffix);
  batch_.Delete(impl_.members_cf, scratch_);
}

bool Writer::Unchanged() const {
  // Nothing staged and the metadata exactly as loaded: the operation changed nothing (SADD of members
  // already present, ZADD of equal scores...), so nothing is written and no key event fires.
  return batch_.Count() == 0 && exists_ && old_.live() && type_ == old_.header.type &&
         version_ == old_.header.version && size_ == old_.header.size &&
         expire_at_ms_ == old_.header.expire_at_ms &&
         extra_ == std::string_view(old_.raw).substr(encoding::kCollectionHeaderSize);
}

void Writer::ReportModifiedUnchanged() {
  if (status_.ok() && exists_) impl_.ReportModified(db_, key_);
}

bool Writer::Stage() {
  if (Unchanged()) return false;
  PhysState after;
  if (exists_ && (size_ > 0 || keep_empty_)) {
    batch_.Put(impl_.data_cf, data_key_, EncodeMetadata(type_, expire_at_ms_, version_, size_, extra_));
    after = PhysState{true, expire_at_ms_};
  } else if (old_.present) {
    // Emptied (or never filled): the key disappears; leftover members are stale once it is gone.
    impl_.AddDeleteValue(&batch_, old_, data_key_);
  }
  if (batch_.Count() == 0) return false;
  impl_.AddBookkeeping(&batch_, data_key_, key_, old_.phys(), after);
  if (unsignalled_) batch_.MarkUnsignalled();
  return true;
}

Status Writer::Commit() {
  if (!status_.ok()) return status_;
  if (!Stage()) return Status::OK();
  Status st = impl_.Write(&batch_);
  if (!st.ok()) return st;
  if (old_.expired) impl_.NotifyExpired(db_, key_, /*replaced=*/exists_ && (size_ > 0 || keep_empty_));
  return Status::OK();
}

namespace {
// Replays one WriteBatch into another (RocksDB has no public batch concatenation). Only the record kinds
// the writers produce are expected; anything else fails the replay.
class BatchAppender : public rocksdb::WriteBatch::Handler {
 public:
  BatchAppender(Engine::Impl& impl, rocksdb::WriteBatch* out) : impl_(impl), out_(out) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return out_->Put(Handle(cf), key, value);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override { return out_->Delete(Handle(cf), key); }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return out_->SingleDelete(Handle(cf), key);
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return out_->Merge(Handle(cf), key, value);
  }

 private:
  rocksdb::ColumnFamilyHandle* Handle(uint32_t id) const {
    for (rocksdb::ColumnFamilyHandle* h : impl_.handles) {
      if (h->GetID() == id) return h;
    }
    return impl_.db->DefaultColumnFamily();
  }
  Engine::Impl& impl_;
  rocksdb::WriteBatch* out_;
};
}  // namespace

Status Writer::CommitAll(std::span<Writer* const> writers) {
  if (writers.empty()) return Status::OK();
  for (Writer* w : writers) {
    if (!w->status_.ok()) return w->status_;
  }
  Engine::Impl& impl = writers.front()->impl_;
  KeyedBatch all;
  for (Writer* w : writers) {
    if (!w->Stage()) continue;
    BatchAppender appender(impl, &all);
    rocksdb::Status s = w->batch_.Iterate(&appender);
    if (!s.ok()) return Status::IOError(s.ToString());
    all.TakeKeysFrom(w->batch_);
  }
  if (all.Count() == 0) return Status::OK();
  Status st = impl.Write(&all);
  if (!st.ok()) return st;
  for (Writer* w : writers) {
    if (w->old_.expired) impl.NotifyExpired(w->db_, w->key_, /*replaced=*/w->exists_ && (w->size_ > 0 || w->keep_empty_));
  }
  return Status::OK();
}

// ---- Reader --------------------------------------------------------------------------------------

Reader::Reader(Engine& engine, int db, std::string_view key)
    : View(EngineInternals::Of(engine), EngineInternals::Of(engine).db->GetSnapshot()) {
  Load(db, key);
}

Reader::Reader(Engine& engine, int db, std::string_view key, const Reader& same_snapshot)
    : View(EngineInternals::Of(engine), same_snapshot.snapshot_), owns_snapshot_(false) {
  Load(db, key);
}

void Reader::Load(int db, std::string_view key) {
  std::string data_key = DataKey(db, key);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  rocksdb::PinnableSlice value;
  rocksdb::Status s = impl_.db->Get(ro, impl_.data_cf, data_key, &value);
  if (s.IsNotFound()) {
    impl_.CountLookup(false);
    return;
  }
  if (!s.ok()) {
    status_ = impl_.ReadError(s);
    return;
  }
  encoding::ValueHeader header;
  const std::string_view raw(value.data(), value.size());
  if (!encoding::ParseValueHeader(raw, &header)) {
    status_ = Status::Corruption("malformed value header");
    return;
  }
  const bool live = !encoding::IsExpired(header.expire_at_ms, impl_.Now());
  impl_.CountLookup(live);
  if (!live) return;
  Assign(db, key, header, header.payload);
}

Reader::~Reader() {
  if (owns_snapshot_) impl_.db->ReleaseSnapshot(snapshot_);
}


// ---- Multi-key locking --------------------------------------------------------------------------

MultiKeyLock LockKeys(Engine& engine, int db, std::span<const std::string_view> keys) {
  Engine::Impl& impl = EngineInternals::Of(engine);
  std::vector<size_t> stripes;
  stripes.reserve(keys.size());
  std::string data_key;
  for (std::string_view key : keys) {
    encoding::EncodeDataKey(&data_key, db, key);
    stripes.push_back(KeyLocks::StripeOf(data_key));
  }
  return MultiKeyLock(impl.locks, std::move(stripes));
}

// ---- Scan ----------------------------------------------------------------------------------------

Result<MemberScanResult> ScanMembers(Engine& engine, int db, std::string_view key, KeyType type, uint64_t cursor,
                                     std::string_view pattern, int64_t count, std::string_view suffix_prefix) {
  Reader reader(engine, db, key);
  if (!reader.status().ok()) return reader.status();
  MemberScanResult result;
  if (!reader.exists()) return result;
  Status st = reader.CheckType(type);
  if (!st.ok()) return st;
  Engine::Impl& impl = EngineInternals::Of(engine);
  const bool match_all = pattern == "*";
  const bool whole = reader.size() <= kScanAllAtOnce;
  if (count < 1) count = 10;

  auto it = reader.NewIterator(suffix_prefix);
  std::optional<std::string> resume;
  // `db` is physical (the caller's DbHold); cursors name the logical db, as SCAN's do.
  const int logical_db = impl.db_map.Logical(db);
  if (cursor != 0 && !whole) resume = impl.cursors.Lookup(logical_db, cursor);
  if (resume) {
    it->Seek(*resume);
    if (it->Valid() && it->suffix() == *resume) it->Next();
  } else {
    it->SeekToFirst();
  }
  int64_t examined = 0;
  std::string last;
  for (; it->Valid(); it->Next()) {
    if (!whole && examined == count) break;
    ++examined;
    const std::string_view suffix = it->suffix();
    const std::string_view name = suffix.substr(suffix_prefix.size());
    last.assign(suffix);
    if (!match_all && !common::GlobMatch(pattern, name)) continue;
    result.items.push_back({std::string(name), std::string(it->value())});
  }
  st = it->status();
  if (!st.ok()) return st;
  result.next_cursor = it->Valid() ? impl.cursors.Issue(logical_db, last) : 0;
  return result;
}

// ---- Clone ---------------------------------------------------------------------------------------

Status CloneMembers(Engine::Impl& impl, int src_db, std::string_view src_key, uint64_t src_version, int dst_db,
                    std::string_view dst_key, uint64_t dst_version, rocksdb::WriteBatch* batch) {
  std::string src_prefix, dst_key_buf;
  EncodeMemberPrefix(&src_prefix, src_db, src_key, src_version);
  MemberIterator it(impl.db, impl.members_cf, nullptr, src_prefix, {});
  std::string dst_prefix;
  EncodeMemberPrefix(&dst_prefix, dst_db, dst_key, dst_version);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    dst_key_buf = dst_prefix;
    dst_key_buf.append(it.suffix());
    const std::string_view v = it.value();
    batch->Put(impl.members_cf, dst_key_buf, rocksdb::Slice(v.data(), v.size()));
  }
  return it.status();
}

}  // namespace redrock::engine::collection
