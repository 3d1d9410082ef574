// Placeholder until the list family lands (issue 3).
#include "server/commands/families.h"

namespace redrock::server {

void RegisterListCommands(CommandTable& /*table*/) {}

}  // namespace redrock::server
