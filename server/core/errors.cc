#include "server/core/errors.h"

#include <algorithm>
#include <cctype>

namespace redrock::server::err {

namespace {
// Redis prints at most this much of an unknown command's name and of its arguments.
constexpr size_t kUnknownCommandLimit = 128;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}
}  // namespace

std::string WrongArity(std::string_view name) {
  std::string out = "ERR wrong number of arguments for '";
  out += Lower(name);
  out += "' command";
  return out;
}

std::string UnknownCommand(std::span<const std::string_view> argv) {
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < kUnknownCommandLimit; ++i) {
    const size_t room = kUnknownCommandLimit - args.size();
    args += '\'';
    args.append(argv[i].substr(0, room));
    args += "' ";
  }
  std::string out = "ERR unknown command '";
  if (!argv.empty()) out.append(argv[0].substr(0, kUnknownCommandLimit));
  out += "', with args beginning with: ";
  out += args;
  return out;
}

std::string UnknownSubcommand(std::string_view container, std::string_view sub) {
  std::string upper(container);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string out = "ERR unknown subcommand '";
  out.append(sub.substr(0, kUnknownCommandLimit));
  out += "'. Try ";
  out += upper;
  out += " HELP.";
  return out;
}

std::string InvalidExpireTime(std::string_view name) {
  std::string out = "ERR invalid expire time in '";
  out += Lower(name);
  out += "' command";
  return out;
}

std::string FromStatus(const engine::Status& status) {
  using Code = engine::Status::Code;
  switch (status.code()) {
    case Code::kOk: return "ERR internal error: OK status reported as an error";
    case Code::kNotFound: return std::string(kNoSuchKey);
    case Code::kWrongType: return std::string(kWrongType);
    case Code::kNotInteger: return std::string(kNotInteger);
    case Code::kNotFloat: return std::string(kNotFloat);
    case Code::kOverflow: return std::string(kOverflow);
    case Code::kNanOrInfinity: return std::string(kNanOrInfinity);
    case Code::kTooLarge: return std::string(kStringTooLong);
    case Code::kInvalidArgument: return "ERR " + status.message();
    case Code::kIOError: return "ERR storage I/O error: " + status.message();
    case Code::kCorruption: return "ERR storage corruption: " + status.message();
    case Code::kBusy: return "ERR busy: " + status.message();
  }
  return "ERR " + status.message();
}

}  // namespace redrock::server::err
