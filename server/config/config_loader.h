#pragma once
// redis.conf parsing shared by Config::LoadFile and main.cc (which appends the command-line
// `--name value` pairs to the file's text, as redis-server does, so errors report the same line numbers).

#include <string>
#include <string_view>
#include <vector>

#include "redrock/common/status.h"

namespace redrock::server {

class Config;

struct ConfigLoadError {
  int line = 0;        // 1-based
  std::string text;    // the offending line, as written
  std::string reason;  // e.g. "Bad directive or wrong number of arguments"
};

// Splits one line the way Redis's sdssplitargs does (common::SplitArgs, which inline commands use too):
// words separated by blanks, "double quoted" strings with \n \r \t \b \a \\ \" \xHH escapes, 'single
// quoted' strings with \' only. False on unbalanced quotes.
bool SplitConfigArgs(std::string_view line, std::vector<std::string>* out);

// Quotes `s` the way Redis's sdscatrepr does ("bar" -> "\"bar\"").
std::string QuoteConfigArg(std::string_view s);

// Applies every line of `text` to `config` (ConfigSource::kStartup). The first `save` line replaces the
// default save points and later ones append, as in redis.conf. Stops at the first error.
common::Status LoadConfigText(Config& config, std::string_view text, ConfigLoadError* error);

// What an option does in redrock, for main's startup notices.
enum class ConfigEffect {
  kActedOn,     // redrock acts on it: no notice
  kNotProvided, // a feature redrock does not provide: accepted only at its default (off) value
  kNoEffect,    // kept only so CONFIG GET returns it
  kUnknown,
};
// `note`, when given, gets a short reason: for kNotProvided the refusal sentence, for kNoEffect why it
// has none (may be empty).
ConfigEffect ConfigOptionEffect(std::string_view name, std::string* note = nullptr);

}  // namespace redrock::server
