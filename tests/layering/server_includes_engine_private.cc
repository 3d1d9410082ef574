// Must not compile: the server sees only the engine's public headers (include/redrock/engine/).
#include "engine/storage/engine_impl.h"
