// Must not compile: the engine cannot see the server's headers (tests/layering/README.md).
#include "server/core/command_table.h"
