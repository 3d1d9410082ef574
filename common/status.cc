#include "redrock/common/status.h"

namespace redrock::common {

std::string Status::ToString() const {
  const char* name = "Unknown";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: name = "NotFound"; break;
    case Code::kWrongType: name = "WrongType"; break;
    case Code::kNotInteger: name = "NotInteger"; break;
    case Code::kNotFloat: name = "NotFloat"; break;
    case Code::kOverflow: name = "Overflow"; break;
    case Code::kNanOrInfinity: name = "NanOrInfinity"; break;
    case Code::kTooLarge: name = "TooLarge"; break;
    case Code::kInvalidArgument: name = "InvalidArgument"; break;
    case Code::kIOError: name = "IOError"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kBusy: name = "Busy"; break;
  }
  std::string out(name);
  if (!msg_.empty()) {
    out += ": ";
    out += msg_;
  }
  return out;
}

}  // namespace redrock::common
