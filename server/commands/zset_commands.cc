// Placeholder until the zset family lands (issue 3).
#include "server/commands/families.h"

namespace redrock::server {

void RegisterZSetCommands(CommandTable& /*table*/) {}

}  // namespace redrock::server
