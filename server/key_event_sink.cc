#include "server/key_event_sink.h"

#include "server/notify.h"
#include "server/server_state.h"
#include "server/watch.h"

namespace redrock::server {

void ServerKeyEvents::OnKeyModified(int db, std::string_view key) { server_.watches.Touch(db, key); }

void ServerKeyEvents::OnKeyExpired(int db, std::string_view key) {
  server_.watches.TouchExpired(db, key);
  NotifyKeyspaceEvent(server_, kNotifyExpired, "expired", key, db);
}

void ServerKeyEvents::OnFlushed(int db) { server_.watches.TouchFlushed(db); }

}  // namespace redrock::server
