#include "tests/support/engine_test_peer.h"

#include <string>

#include "engine/storage/encoding.h"
#include "engine/storage/key_locks.h"
#include "engine/types/collection.h"

namespace redrock::engine {

Engine::Impl& EngineTestPeer::ImplOf(Engine& e) { return EngineInternals::Of(e); }

int64_t EngineTestPeer::RunExpiryCycle(Engine& e) { return ImplOf(e).RunExpiryCycle(); }

Status EngineTestPeer::PutFakeCollection(Engine& e, int db, std::string_view key, KeyType type,
                                         int64_t expire_at_ms) {
  Engine::Impl& impl = ImplOf(e);
  DbHold hold(impl.db_map, db);
  std::string dkey;
  encoding::EncodeDataKey(&dkey, db, key);
  SingleKeyLock lock(impl.locks, dkey);
  OldValue old;
  Status st = impl.ReadOld(dkey, impl.Now(), &old);
  if (!st.ok()) return st;
  std::string raw(encoding::kCollectionHeaderSize, '\0');
  raw[0] = static_cast<char>(type);
  encoding::PutFixed64BE(raw.data() + 1, static_cast<uint64_t>(expire_at_ms));
  encoding::PutFixed64BE(raw.data() + 9, 1);
  encoding::PutFixed64BE(raw.data() + 17, 1);
  KeyedBatch batch;
  batch.Put(impl.data_cf, dkey, raw);
  impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{true, expire_at_ms});
  return impl.Write(&batch);
}

}  // namespace redrock::engine
