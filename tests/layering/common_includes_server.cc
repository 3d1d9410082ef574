// Must not compile: common/ is below every layer and sees no server header (tests/layering/README.md).
#include "server/core/args.h"
