// Opening and closing RocksDB, its tuning, background threads, and the introspection entry points.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/transaction_log.h>

#include "engine/storage/compaction_filter.h"
#include "engine/storage/string_patch.h"
#include "engine/storage/counters.h"
#include "engine/storage/engine_impl.h"
#include "engine/storage/info_log.h"

namespace redrock::engine {

namespace {

constexpr const char* kExpiryCf = "expiry";
constexpr const char* kMetaCf = "meta";
constexpr const char* kMembersCf = "members";

rocksdb::CompressionType PickCompression() {
  // Small values compress poorly and decompression costs latency; LZ4 is cheap enough to keep big
  // values small on disk. Debian's librocksdb is built with it, but check rather than assume.
  const auto supported = rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()) {
    return rocksdb::kLZ4Compression;
  }
  return rocksdb::kNoCompression;
}

rocksdb::ColumnFamilyOptions BaseCfOptions(const Options& opts, const std::shared_ptr<rocksdb::Cache>& cache,
                                           size_t write_buffer_bytes) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.whole_key_filtering = true;
  // Index and filter blocks live with the table readers, not in the block cache: a whole-key filter
  // over a million keys is over a megabyte, more than one shard of the LRU cache holds, so in the cache
  // it was evicted and re-read from disk (and checksummed) on every Get. Their memory is small and is
  // reported as table-reader memory.
  table.cache_index_and_filter_blocks = false;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.write_buffer_size = write_buffer_bytes;
  cf.memtable_prefix_bloom_size_ratio = 0.1;
  cf.memtable_whole_key_filtering = true;
  cf.compression = PickCompression();
  cf.bottommost_compression = cf.compression;
  return cf;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  if (options.dir.empty()) return Status::InvalidArgument("Options::dir is required");
  if (options.databases < 1 || options.databases > 256) {
    return Status::InvalidArgument("Options::databases must be in 1..256");
  }
  auto impl = std::make_unique<Impl>(options);
  Status st = impl->OpenDb();
  if (!st.ok()) return st;
  impl->StartBackground();
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Status Engine::Impl::OpenDb() {
  if (options.create_if_missing) {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) return Status::IOError("cannot create database directory " + options.dir + ": " + ec.message());
  }

  block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = options.create_if_missing;
  dbo.create_missing_column_families = true;
  dbo.max_background_jobs = std::max(1, options.background_jobs);
  dbo.keep_log_file_num = 2;
  dbo.max_log_file_size = 4u << 20;
  // Group commit (engine_impl.h): WAL records wait in RocksDB's buffer until Write() or a GroupCommit
  // flushes them.
  dbo.manual_wal_flush = true;
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Both survive a full disk; see write_failure.cc and info_log.h.
  info_log = NewInfoLog(options.dir, dbo.info_log_level);
  dbo.info_log = info_log;
  dbo.listeners.push_back(NewErrorListener());
  // Four column families share the WAL; without a cap, a rarely written one (expiry, meta) would pin
  // old WAL files forever.
  dbo.max_total_wal_size = std::max<uint64_t>(64u << 20, 4 * options.write_buffer_bytes);

  const size_t small_buffer = std::min<size_t>(options.write_buffer_bytes, 4u << 20);
  rocksdb::ColumnFamilyOptions data = BaseCfOptions(options, block_cache, options.write_buffer_bytes);
  data.compaction_filter_factory = NewDataCompactionFilterFactory(clock);
  // Edits of a few bytes of a big string are patches (string_patch.h). A write that finds this many
  // patches of its key in the memtable folds them into a whole value first, which bounds what a read
  // of the key has to fold (flushes fold the rest with their base).
  data.merge_operator = NewStringPatchMergeOperator();
  data.max_successive_merges = 64;
  rocksdb::ColumnFamilyOptions expiry = BaseCfOptions(options, block_cache, small_buffer);
  expiry.compression = rocksdb::kNoCompression;
  rocksdb::ColumnFamilyOptions meta = BaseCfOptions(options, block_cache, small_buffer);
  meta.compression = rocksdb::kNoCompression;
  meta.merge_operator = NewCounterMergeOperator();
  // Bounds the merge operands a counter read has to fold in the memtable.
  meta.max_successive_merges = 128;
  rocksdb::ColumnFamilyOptions members = BaseCfOptions(options, block_cache, options.write_buffer_bytes);
  members.compaction_filter_factory = NewMembersCompactionFilterFactory(members_filter);

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, data},
      {kExpiryCf, expiry},
      {kMetaCf, meta},
      {kMembersCf, members},
  };
  rocksdb::Status s = rocksdb::DB::Open(dbo, options.dir, cfs, &handles, &db);
  if (!s.ok()) {
    db = nullptr;
    handles.clear();
    const std::string msg = s.ToString();
    if (s.IsIOError() && Lower(msg).find("lock") != std::string::npos) {
      return Status::Busy("database directory " + options.dir + " is locked by another process (" + msg + ")");
    }
    return Status::IOError("cannot open database in " + options.dir + ": " + msg);
  }
  data_cf = handles[0];
  expiry_cf = handles[1];
  meta_cf = handles[2];
  members_cf = handles[3];
  members_filter->data_cf.store(data_cf, std::memory_order_release);
  members_filter->db.store(db, std::memory_order_release);
  return LoadDbMap();
}

Status Engine::Impl::LoadDbMap() {
  // The map SwapDb persisted (db_map.h); none means no swap ever happened.
  rocksdb::PinnableSlice record;
  const rocksdb::Slice key(DbMap::kRecordKey.data(), DbMap::kRecordKey.size());
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), meta_cf, key, &record);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return ReadError(s);
  if (!db_map.Decode(std::string_view(record.data(), record.size()))) {
    return Status::Corruption("malformed database map record in " + options.dir);
  }
  return Status::OK();
}

void Engine::Impl::StartBackground() {
  if (options.active_expiry) expiry_thread = std::thread([this] { ExpiryThreadMain(); });
  sync_thread = std::thread([this] { SyncThreadMain(); });
}

void Engine::Impl::StopBackground() {
  {
    std::lock_guard lock(bg_mu);
    stopping = true;
  }
  bg_cv.notify_all();
  // A Resume can block forever in RocksDB 7.8 (see write_failed); stopping RocksDB's background work
  // makes it return, as DB::Close would do first anyway.
  if (resuming.load() && db != nullptr) rocksdb::CancelAllBackgroundWork(db, false);
  if (expiry_thread.joinable()) expiry_thread.join();
  if (sync_thread.joinable()) sync_thread.join();
}

void Engine::Impl::CloseDb() {
  if (db == nullptr) return;
  members_filter->db.store(nullptr, std::memory_order_release);
  members_filter->data_cf.store(nullptr, std::memory_order_release);
  // After a failed write the WAL is not synced (nothing more reaches it, and every acknowledged write
  // is already in it); RocksDB's close then skips the broken WAL writer without aborting.
  if (!write_failed.load()) (void)SyncWal();
  // A compaction already running may have read the members filter's db and data_cf before they were
  // cleared above, and reads through them: wait for RocksDB's background work (it flushes the memtables
  // first) before the handles go.
  rocksdb::CancelAllBackgroundWork(db, /*wait=*/true);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  handles.clear();
  db->Close().PermitUncheckedError();
  delete db;
  db = nullptr;
}

void Engine::Impl::SyncThreadMain() {
  std::unique_lock lock(bg_mu);
  while (!stopping) {
    // Once a second, or every resume_interval_ms while writes are stopped.
    const auto wait = write_failed.load() && auto_resume.load()
                          ? std::chrono::milliseconds(std::max<int64_t>(1, resume_interval_ms.load()))
                          : std::chrono::milliseconds(1000);
    bg_cv.wait_for(lock, wait, [this] { return stopping; });
    if (stopping) break;
    lock.unlock();
    SyncOnce();
    lock.lock();
  }
}

void Engine::Impl::SyncOnce() {
  // While writes are stopped, try to resume them: writes work again soon after space is back. Until
  // then there is nothing to sync: the WAL is refused, and a successful Resume flushes the memtables
  // to synced SST files.
  if (write_failed.load() && (!auto_resume.load() || !TryResume().ok())) return;
  if (sync_mode.load(std::memory_order_relaxed) != SyncMode::kEverySec) return;
  if (!wal_dirty.exchange(false)) return;
  if (!SyncWal().ok()) wal_dirty.store(true);
}

void Engine::SetSyncMode(SyncMode mode) {
  const SyncMode before = impl_->sync_mode.exchange(mode);
  // Leaving a mode that did not sync every write: make what was written so far durable now.
  if (before != SyncMode::kAlways && mode == SyncMode::kAlways && !impl_->write_failed.load()) {
    (void)impl_->SyncWal();
  }
}

Status Engine::Flush() {
  Impl& impl = *impl_;
  // Never flush a DB whose writes are stopped (see write_failed); the sync thread's Resume flushes the
  // memtables once it can. (A write failing concurrently, before the flag is up, can still make this
  // flush turn RocksDB's error fatal: no abort and no loss, but writes then need a restart.)
  {
    // Switching the memtables flushes the WAL buffer: exclusive, as FlushWAL (see wal_lock).
    WalLock::Exclusive exclusive(impl.wal_lock);
    if (impl.write_failed.load()) return impl.StoppedError();
    rocksdb::FlushOptions fo;
    fo.wait = true;
    rocksdb::Status s = impl.db->Flush(fo, impl.handles);
    if (!s.ok()) return impl.WriteFailed(s);
  }
  return impl.SyncWal();
}

EngineStats Engine::Stats() {
  EngineStats stats;
  auto* db = impl_->db;
  uint64_t v = 0;
  for (auto* h : impl_->handles) {
    if (db->GetIntProperty(h, "rocksdb.total-sst-files-size", &v)) stats.disk_bytes += v;
    if (db->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) stats.memory_bytes += v;
    if (db->GetIntProperty(h, "rocksdb.estimate-table-readers-mem", &v)) stats.memory_bytes += v;
  }
  rocksdb::VectorLogPtr wal_files;
  if (db->GetSortedWalFiles(wal_files).ok()) {
    for (const auto& f : wal_files) stats.disk_bytes += f->SizeFileBytes();
  }
  stats.memory_bytes += impl_->block_cache->GetUsage();
  stats.value_cache_bytes = impl_->value_cache.bytes();
  stats.value_cache_hits = impl_->value_cache.hits();
  stats.value_cache_misses = impl_->value_cache.misses();
  stats.memory_bytes += stats.value_cache_bytes;
  stats.keyspace_hits = impl_->keyspace_hits.load(std::memory_order_relaxed);
  stats.keyspace_misses = impl_->keyspace_misses.load(std::memory_order_relaxed);
  stats.expired_keys = impl_->expired_keys.load(std::memory_order_relaxed);
  stats.write_errors = impl_->write_errors.load(std::memory_order_relaxed);
  stats.writes_failing = impl_->write_failed.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(impl_->error_mu);
    stats.last_write_error = impl_->last_write_error;
  }
  return stats;
}

}  // namespace redrock::engine
