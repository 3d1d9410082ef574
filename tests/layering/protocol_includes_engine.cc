// Must not compile: the protocol layer sees only common/.
#include "redrock/engine/engine.h"
