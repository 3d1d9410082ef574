// Placeholder until the set family lands (issue 3).
#include "server/commands/families.h"

namespace redrock::server {

void RegisterSetCommands(CommandTable& /*table*/) {}

}  // namespace redrock::server
