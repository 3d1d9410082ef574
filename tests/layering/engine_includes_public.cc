// Must compile: the control for the probes that must not (each layer sees its own public headers and
// those of the layers below it).
#include "common/glob.h"
#include "redrock/engine/engine.h"

bool LayeringControl() { return redrock::common::GlobMatch("a*", "abc"); }
