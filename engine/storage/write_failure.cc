// What the engine does after a write fails, a full disk above all: one-line errors, the failed state,
// resuming once space is back without a restart, and a WAL sync that cannot abort. The reasons are in
// engine_impl.h next to `write_failed`.
#include <filesystem>
#include <string_view>
#include <system_error>

#include "engine/storage/engine_impl.h"

namespace redrock::engine {

namespace {

// Free space a resume needs beyond the memtables it flushes: a new WAL, MANIFEST and OPTIONS files.
constexpr uint64_t kResumeSpareBytes = 1u << 20;

// Sees RocksDB's background errors (a failed WAL append is reported here too, before the write
// returns) and keeps RocksDB from starting its own recovery, which waits for 64 MB of free space and
// makes a manual Resume() return Busy meanwhile.
class ErrorListener : public rocksdb::EventListener {
 public:
  explicit ErrorListener(Engine::Impl* impl) : impl_(impl) {}

  const char* Name() const override { return "RedrockErrorListener"; }

  // Runs with RocksDB's DB mutex held: it only records, and never calls into the DB.
  void OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status* bg_error) override {
    if (bg_error == nullptr || bg_error->ok()) return;
    {
      std::lock_guard lock(impl_->error_mu);
      impl_->last_write_error = bg_error->ToString();
      impl_->last_error_text = WriteErrorText(*bg_error);
      impl_->last_failure_no_space = bg_error->IsNoSpace();
    }
    impl_->RaiseWriteFailed();
  }

  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    bg_error.PermitUncheckedError();
    if (auto_recovery != nullptr) *auto_recovery = false;
  }

 private:
  Engine::Impl* impl_;  // outlives the DB, which owns this listener
};

}  // namespace

std::string WriteErrorText(const rocksdb::Status& s) {
  if (s.IsNoSpace()) return "No space left on device";
  if (s.IsIOError() && s.subcode() == rocksdb::Status::kSpaceLimit) return "Disk space limit reached";
  std::string text = s.ToString();
  constexpr std::string_view kPrefix = "IO error: ";
  if (text.compare(0, kPrefix.size(), kPrefix) == 0) text.erase(0, kPrefix.size());
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

std::shared_ptr<rocksdb::EventListener> Engine::Impl::NewErrorListener() {
  return std::make_shared<ErrorListener>(this);
}

void Engine::Impl::RaiseWriteFailed() {
  std::lock_guard lock(error_mu);
  ++failure_generation;
  write_failed.store(true, std::memory_order_release);
}

Status Engine::Impl::WriteFailed(const rocksdb::Status& s) {
  write_errors.fetch_add(1, std::memory_order_relaxed);
  std::string text = WriteErrorText(s);
  {
    std::lock_guard lock(error_mu);
    last_write_error = s.ToString();
    last_error_text = text;
    last_failure_no_space = s.IsNoSpace();
  }
  RaiseWriteFailed();
  return Status::IOError(std::move(text));
}

Status Engine::Impl::StoppedError() {
  std::lock_guard lock(error_mu);
  return Status::IOError(last_error_text.empty() ? "writes are stopped after a storage error" : last_error_text);
}

bool Engine::Impl::EnoughSpaceToResume() {
  {
    std::lock_guard lock(error_mu);
    if (!last_failure_no_space) return true;
  }
  // What Resume flushes came through the live WAL files, so their size bounds the SST files it writes
  // (memtable sizes would not do: they count whole arena blocks).
  std::error_code ec;
  const std::filesystem::space_info space = std::filesystem::space(options.dir, ec);
  if (ec) return true;  // cannot tell: let Resume find out
  uint64_t wal_bytes = 0;
  // The non-throwing forms throughout: nothing in the engine throws.
  for (std::filesystem::directory_iterator it(options.dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".log") continue;
    std::error_code size_ec;
    const uintmax_t size = it->file_size(size_ec);
    if (!size_ec) wal_bytes += size;
  }
  return space.available >= wal_bytes + kResumeSpareBytes;
}

rocksdb::Status Engine::Impl::TryResume() {
  std::unique_lock lock(resume_mu, std::try_to_lock);
  if (!lock.owns_lock()) return rocksdb::Status::Busy("another thread is resuming");
  if (!write_failed.load(std::memory_order_acquire)) return rocksdb::Status::OK();
  if (!EnoughSpaceToResume()) return rocksdb::Status::Incomplete("waiting for free disk space");
  resuming.store(true);
  {
    // Paired with StopBackground: either it sees `resuming` and unblocks this call, or this sees
    // `stopping` and does not start one.
    std::lock_guard bg_lock(bg_mu);
    if (stopping) {
      resuming.store(false);
      return rocksdb::Status::ShutdownInProgress();
    }
  }
  uint64_t generation;
  {
    std::lock_guard elock(error_mu);
    generation = failure_generation;
  }
  rocksdb::Status s = db->Resume();
  resuming.store(false);
  std::lock_guard elock(error_mu);
  if (!s.ok()) {
    last_write_error = s.ToString();
    return s;
  }
  // A failure reported during the attempt (a write refused meanwhile, a background error) keeps the
  // flag up, so the next pass checks again; that Resume returns OK at once if nothing is stopped.
  if (failure_generation != generation) return rocksdb::Status::Busy("failed again while resuming");
  write_failed.store(false, std::memory_order_release);
  rocksdb::Warn(info_log, "redrock: writes resumed after a write error");
  return s;
}

Status Engine::Impl::SyncWal() {
  rocksdb::WriteBatch empty;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  WalLock::Shared shared(wal_lock);
  rocksdb::Status s = db->Write(wo, &empty);
  if (!s.ok()) return WriteFailed(s);
  return Status::OK();
}

bool Engine::WritesFailing() const { return impl_->write_failed.load(std::memory_order_relaxed); }

std::string Engine::WriteFailureReason() const {
  std::lock_guard lock(impl_->error_mu);
  return impl_->last_error_text;
}

}  // namespace redrock::engine
