// Placeholder until the hash family lands (issue 3).
#include "server/commands/families.h"

namespace redrock::server {

void RegisterHashCommands(CommandTable& /*table*/) {}

}  // namespace redrock::server
