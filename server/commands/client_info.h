#pragma once
// Helpers shared by the connection and server command families (private to server/commands).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace redrock::server {

struct CommandContext;
struct ClientState;
struct ServerState;

// What INFO and HELLO report: clients check redis_version, so redrock reports the Redis it follows.
inline constexpr std::string_view kRedisVersion = "7.0.15";
inline constexpr std::string_view kRedrockVersion = "0.1.0";

// Redis's rule for client names: printable ASCII without spaces.
bool ValidClientName(std::string_view name);

// True while the client has any pub/sub subscription (CLIENT LIST flag "P", TYPE pubsub). Any thread.
bool IsPubSubClient(const ClientState& client);

// CLIENT LIST lines ("id=... resp=2\n") for every registered client accepted by `filter`, ordered by id.
std::string ClientListText(const CommandContext& ctx, const std::function<bool(const ClientState&)>& filter);

// LASTSAVE: unix seconds of the last SAVE/BGSAVE (engine flush), or of the server's start.
int64_t LastSaveTime(const ServerState& state);
void RecordSave();

}  // namespace redrock::server
