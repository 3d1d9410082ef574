#pragma once
// Writes refused while storage is failing, as Redis's processCommand refuses them after an AOF write
// error (writeCommandsDeniedByDiskError): from the failed write (a full disk) until the engine has
// recovered (engine::Engine::WritesFailing), write commands, an EXEC that queued one, and PING get
// Redis's -MISCONF text with the failure's reason. Reads keep working.

#include <string>

namespace redrock::engine { class Engine; }

namespace redrock::server {

class CommandTable;

// The rule (core/admission.h), before queueing: so inside MULTI a refused write poisons the transaction.
void RegisterDiskErrorAdmission(CommandTable& table);

// "MISCONF Errors writing to the AOF file: <reason>", Redis's text (redrock's WAL stands for the AOF).
std::string DiskErrorText(const engine::Engine& engine);

}  // namespace redrock::server
