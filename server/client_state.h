#pragma once
// Per-connection state that commands read and change. Owned by the connection (or a test harness);
// only the connection's own thread touches the non-atomic members.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace redrock::server {

struct ClientState {
  uint64_t id = 0;
  std::string addr;   // "127.0.0.1:51234"
  std::string laddr;  // "127.0.0.1:6379"
  int fd = -1;

  // Guarded by ClientRegistry's mutex when read by other clients (CLIENT LIST); written by the owner
  // under the same mutex.
  std::string name;
  std::string lib_name;
  std::string lib_ver;

  std::atomic<int> db{0};
  int resp = 2;                 // 2 or 3 (HELLO)
  bool authenticated = true;    // false until AUTH when requirepass is set
  bool close_after_reply = false;  // QUIT, protocol errors, CLIENT KILL of itself

  // MULTI state.
  bool in_multi = false;
  bool multi_error = false;  // a queued command was rejected: EXEC answers EXECABORT
  std::vector<std::vector<std::string>> queued;

  int64_t created_ms = 0;
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<uint64_t> commands_processed{0};
};

}  // namespace redrock::server
