#pragma once
// The lock that keeps RocksDB's WAL writer usable after a failed WAL write (see Engine::Impl's "Group
// commit" section). Every db->Write holds it shared, so writes still form RocksDB write groups; a
// FlushWAL holds it exclusively, so it never runs between a write whose WAL append failed and the
// moment that failure is recorded (write_failed raised, which the flusher checks first).
//
// A pthread rwlock that prefers writers: with readers arriving back to back from several threads the
// default (reader-preferring) kind could keep a flusher waiting indefinitely.

#include <pthread.h>

namespace redrock::engine {

class WalLock {
 public:
  WalLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~WalLock() { pthread_rwlock_destroy(&lock_); }
  WalLock(const WalLock&) = delete;
  WalLock& operator=(const WalLock&) = delete;

  class Shared {
   public:
    explicit Shared(WalLock& l) : l_(l) { pthread_rwlock_rdlock(&l_.lock_); }
    ~Shared() { pthread_rwlock_unlock(&l_.lock_); }
    Shared(const Shared&) = delete;
    Shared& operator=(const Shared&) = delete;

   private:
    WalLock& l_;
  };
  class Exclusive {
   public:
    explicit Exclusive(WalLock& l) : l_(l) { pthread_rwlock_wrlock(&l_.lock_); }
    ~Exclusive() { pthread_rwlock_unlock(&l_.lock_); }
    Exclusive(const Exclusive&) = delete;
    Exclusive& operator=(const Exclusive&) = delete;

   private:
    WalLock& l_;
  };

 private:
  pthread_rwlock_t lock_;
};

}  // namespace redrock::engine
