#pragma once
// The engine reports failure with the common layer's Status and Result<T> (redrock/common/status.h),
// named here in the engine's namespace for its callers.

#include "redrock/common/status.h"

namespace redrock::engine {

using common::Result;
using common::Status;

}  // namespace redrock::engine
