#include "redrock/server/config.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "common/glob.h"
#include "common/number_format.h"
#include "common/split_args.h"
#include "server/config/config_loader.h"
#include "server/config/config_options.h"

namespace redrock::server {

using config_internal::AllOptions;
using config_internal::Kind;
using config_internal::OptionDef;
using common::Status;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// How Redis 7.0 splits the value of a multi-word option for CONFIG SET (sdssplitlen on single spaces):
// "" has no words, and every space counts, so "1  2" is "1", "", "2". (Config-file lines reach Set with
// their words already joined by single spaces.)
std::vector<std::string> SplitWords(std::string_view s) {
  std::vector<std::string> words;
  if (s.empty()) return words;
  size_t start = 0;
  while (true) {
    size_t space = s.find(' ', start);
    words.emplace_back(s.substr(start, space == std::string_view::npos ? std::string_view::npos : space - start));
    if (space == std::string_view::npos) return words;
    start = space + 1;
  }
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += ' ';
    out += words[i];
  }
  return out;
}

// Redis memtoull: digits with an optional unit b, k, kb, m, mb, g, gb (case-insensitive). No digits at
// all ("", "kb") reads as 0, as strtoull makes of it there.
bool ParseMemory(std::string_view s, uint64_t* out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  std::string unit = Lower(s.substr(digits));
  uint64_t mul;
  if (unit.empty() || unit == "b") mul = 1;
  else if (unit == "k") mul = 1000;
  else if (unit == "kb") mul = 1024;
  else if (unit == "m") mul = 1000 * 1000;
  else if (unit == "mb") mul = 1024 * 1024;
  else if (unit == "g") mul = 1000ull * 1000 * 1000;
  else if (unit == "gb") mul = 1024ull * 1024 * 1024;
  else return false;
  uint64_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (mul != 1 && v > UINT64_MAX / mul) return false;
  *out = v * mul;
  return true;
}

std::string RangeError(int64_t min, int64_t max) {
  return "argument must be between " + std::to_string(min) + " and " + std::to_string(max) + " inclusive";
}

Status Invalid(std::string reason) { return Status::InvalidArgument(std::move(reason)); }

// ---- special options: validate and normalise -------------------------------------------------

// Redis setConfigSaveOption: pairs of <seconds >= 1> <changes >= 0>, read with strtoll (so "+5" is 5, ""
// is 0 and an overflow saturates).
Status NormalizeSave(std::string_view value, std::string* out) {
  std::vector<std::string> words = SplitWords(value);
  if (words.size() % 2 != 0) return Invalid("Invalid save parameters");
  std::vector<std::string> normalized;
  for (size_t i = 0; i < words.size(); ++i) {
    char* end = nullptr;
    long long v = std::strtoll(words[i].c_str(), &end, 10);
    if (*end != '\0' || v < (i % 2 == 0 ? 1 : 0)) return Invalid("Invalid save parameters");
    normalized.push_back(std::to_string(v));
  }
  *out = Join(normalized);
  return Status::OK();
}

// notify-keyspace-events: the flag letters, printed in Redis's canonical order.
Status NormalizeNotify(std::string_view value, std::string* out) {
  static constexpr std::string_view kTypeLetters = "g$lshzxetd";  // the set "A" stands for
  bool seen[256] = {};
  for (char c : value) {
    if (c == 'A') {
      for (char t : kTypeLetters) seen[static_cast<unsigned char>(t)] = true;
    } else if (kTypeLetters.find(c) != std::string_view::npos || c == 'K' || c == 'E' || c == 'm' ||
               c == 'n') {
      seen[static_cast<unsigned char>(c)] = true;
    } else {
      return Invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }
  }
  std::string result;
  bool all = true;
  for (char t : kTypeLetters) all = all && seen[static_cast<unsigned char>(t)];
  if (all) {
    result = "A";
  } else {
    for (char t : kTypeLetters) {
      if (seen[static_cast<unsigned char>(t)]) result += t;
    }
  }
  for (char t : std::string_view("nKEm")) {
    if (seen[static_cast<unsigned char>(t)]) result += t;
  }
  *out = result;
  return Status::OK();
}

// client-output-buffer-limit: "<class> <hard> <soft> <seconds>" groups merged into the current value.
Status NormalizeClientOutputBufferLimit(std::string_view value, const std::string& current, std::string* out) {
  std::vector<std::string> cur = SplitWords(current);  // always 12 words: normal/slave/pubsub
  std::vector<std::string> words = SplitWords(value);
  if (words.size() % 4 != 0) {  // "" is no change, as in Redis
    return Invalid("Wrong number of arguments in buffer limit configuration.");
  }
  for (size_t i = 0; i < words.size(); i += 4) {
    std::string cls = Lower(words[i]);
    int slot;
    if (cls == "normal") slot = 0;
    else if (cls == "slave" || cls == "replica") slot = 1;
    else if (cls == "pubsub") slot = 2;
    else return Invalid("Invalid client class specified in buffer limit configuration.");
    uint64_t hard, soft;
    errno = 0;
    char* end = nullptr;
    long long seconds = std::strtoll(words[i + 3].c_str(), &end, 10);
    if (!ParseMemory(words[i + 1], &hard) || !ParseMemory(words[i + 2], &soft) || *end != '\0' ||
        errno != 0 || seconds < 0) {
      return Invalid("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    // Only the pubsub class is enforced (server/events/pubsub.cc); the replica class has nothing to apply to.
    if (slot == 0 && (hard != 0 || soft != 0)) {
      return Invalid("redrock does not enforce client-output-buffer-limit for normal clients yet, so the normal "
                     "class must stay 0 0 0");
    }
    cur[slot * 4 + 1] = std::to_string(hard);
    cur[slot * 4 + 2] = std::to_string(soft);
    cur[slot * 4 + 3] = std::to_string(seconds);
  }
  *out = Join(cur);
  return Status::OK();
}

Status NormalizePercentiles(std::string_view value, std::string* out) {
  std::vector<std::string> words = SplitWords(value);
  std::vector<std::string> normalized;
  for (const std::string& w : words) {
    double v;
    if (!common::ParseDouble(w, &v)) return Invalid("Invalid latency-tracking-info-percentiles parameters");
    if (v < 0.0 || v > 100.0) {
      return Invalid("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    normalized.emplace_back(buf);
  }
  *out = Join(normalized);
  return Status::OK();
}

Status NormalizeBind(std::string_view value, std::string* out) {
  std::vector<std::string> words = SplitWords(value);
  // redrock binds only at start, so an address that cannot be bound ("") is refused here.
  if (words.empty() || std::find(words.begin(), words.end(), "") != words.end()) {
    return Invalid("Failed to bind to specified addresses.");
  }
  *out = Join(words);
  return Status::OK();
}

std::string NotProvidedReason(const OptionDef& def) {
  std::string reason = def.not_provided;
  if (*def.default_value == '\0') return reason + ", so " + def.name + " must stay empty";
  return reason + ", so " + def.name + " must stay " + def.default_value;
}

int64_t ParseIntOr(const std::string& s, int64_t fallback) {
  int64_t v;
  return common::ParseInt64(s, &v) ? v : fallback;
}

}  // namespace

struct Config::Impl {
  struct Entry {
    const OptionDef* def;
    std::string value;
  };

  mutable std::mutex mu;
  std::vector<Entry> entries;                     // in table order
  std::unordered_map<std::string, size_t> index;  // lower-case name or alias -> entry
  std::unordered_map<std::string, std::vector<std::function<void(const std::string&)>>> callbacks;

  // Hot values, readable without the lock.
  std::atomic<uint64_t> proto_max_bulk_len{512ull << 20};
  std::atomic<int64_t> maxclients{10000};
  std::atomic<int64_t> timeout{0};

  const Entry* Lookup(std::string_view name) const {
    auto it = index.find(Lower(name));
    return it == index.end() ? nullptr : &entries[it->second];
  }
  Entry* Lookup(std::string_view name) {
    auto it = index.find(Lower(name));
    return it == index.end() ? nullptr : &entries[it->second];
  }

  // Validates `value` for `entry` and returns the normalised form; the reason on failure.
  Status Normalize(const Entry& entry, std::string_view value, std::string* out) const {
    const OptionDef& def = *entry.def;
    switch (def.kind) {
      case Kind::kBool: {
        std::string v = Lower(value);
        if (v != "yes" && v != "no") return Invalid("argument must be 'yes' or 'no'");
        *out = v;
        return Status::OK();
      }
      case Kind::kInt: {
        int64_t v;
        if (!common::ParseInt64(value, &v)) return Invalid("argument couldn't be parsed into an integer");
        if (v < def.min || v > def.max) return Invalid(RangeError(def.min, def.max));
        if (def.flags & config_internal::kClamp) v = std::clamp<int64_t>(v, 1, 500);
        *out = std::to_string(v);
        return Status::OK();
      }
      case Kind::kMemory: {
        uint64_t v;
        if (!ParseMemory(value, &v) || v > static_cast<uint64_t>(INT64_MAX)) {
          return Invalid("argument must be a memory value");
        }
        if (static_cast<int64_t>(v) < def.min || static_cast<int64_t>(v) > def.max) {
          return Invalid(RangeError(def.min, def.max));
        }
        *out = std::to_string(v);
        return Status::OK();
      }
      case Kind::kEnum: {
        std::string v = Lower(value);
        std::string_view choices = def.choices;
        std::string listed;
        size_t pos = 0;
        while (pos <= choices.size()) {
          size_t comma = choices.find(',', pos);
          if (comma == std::string_view::npos) comma = choices.size();
          std::string_view choice = choices.substr(pos, comma - pos);
          if (choice == v) {
            *out = v;
            return Status::OK();
          }
          // Redis 7.0 does not know loglevel "nothing" (7.2 does); accept it but list 7.0's choices.
          if (choice != "nothing") {
            if (!listed.empty()) listed += ", ";
            listed += choice;
          }
          pos = comma + 1;
        }
        return Invalid("argument(s) must be one of the following: " + listed);
      }
      case Kind::kString:
        *out = std::string(value);
        return Status::OK();
      case Kind::kSpecial: {
        std::string_view name = def.name;
        if (name == "save") return NormalizeSave(value, out);
        if (name == "bind") return NormalizeBind(value, out);
        if (name == "notify-keyspace-events") return NormalizeNotify(value, out);
        if (name == "client-output-buffer-limit") return NormalizeClientOutputBufferLimit(value, entry.value, out);
        if (name == "latency-tracking-info-percentiles") return NormalizePercentiles(value, out);
        *out = std::string(value);
        return Status::OK();
      }
    }
    return Status::OK();
  }

  void UpdateHot(const Entry& entry) {
    std::string_view name = entry.def->name;
    if (name == "proto-max-bulk-len") proto_max_bulk_len.store(std::stoull(entry.value));
    else if (name == "maxclients") maxclients.store(ParseIntOr(entry.value, 10000));
    else if (name == "timeout") timeout.store(ParseIntOr(entry.value, 0));
  }
};

Config::Config() : impl_(std::make_unique<Impl>()) {
  for (const OptionDef& def : AllOptions()) {
    impl_->index[def.name] = impl_->entries.size();
    if (def.alias) impl_->index[def.alias] = impl_->entries.size();
    impl_->entries.push_back({&def, def.default_value});
  }
}

Config::~Config() = default;

Status Config::Set(std::string_view name, std::string_view value, ConfigSource source) {
  const bool runtime = source == ConfigSource::kRuntime;
  auto fail = [&](const std::string& reason) {
    if (!runtime) return Invalid(reason);
    return Invalid("CONFIG SET failed (possibly related to argument '" + Lower(name) + "') - " + reason);
  };
  std::string canonical, normalized;
  {
    std::lock_guard lock(impl_->mu);
    Impl::Entry* entry = impl_->Lookup(name);
    if (entry == nullptr) {
      if (runtime) return Invalid("Unknown option or number of arguments for CONFIG SET - '" + std::string(name) + "'");
      return Invalid("Bad directive or wrong number of arguments");
    }
    const OptionDef& def = *entry->def;
    if (runtime && (def.flags & config_internal::kImmutable)) return fail("can't set immutable config");
    if (runtime && (def.flags & config_internal::kProtected)) return fail("can't set protected config");
    Status s = impl_->Normalize(*entry, value, &normalized);
    if (!s.ok()) return fail(s.message());
    if (def.not_provided != nullptr && normalized != def.default_value) {
      // `replicaof no one` is replication turned off, as in Redis.
      if (std::string_view(def.name) == "replicaof" && Lower(normalized) == "no one") {
        normalized.clear();
      } else {
        return fail(NotProvidedReason(def));
      }
    }
    // The listeners are bound once at start: changing them at run time is not supported.
    std::string_view n = def.name;
    if (runtime && (n == "port" || n == "bind") && normalized != entry->value) {
      return fail("can't set immutable config");
    }
    entry->value = normalized;
    impl_->UpdateHot(*entry);
    canonical = def.name;
  }
  std::vector<std::function<void(const std::string&)>> callbacks;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->callbacks.find(canonical);
    if (it != impl_->callbacks.end()) callbacks = it->second;
  }
  for (auto& cb : callbacks) cb(normalized);
  return Status::OK();
}

Status Config::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("Fatal error, can't open config file '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  ConfigLoadError error;
  Status s = LoadConfigText(*this, ss.str(), &error);
  if (!s.ok()) return Invalid("line " + std::to_string(error.line) + ": " + error.reason);
  return Status::OK();
}

std::optional<std::string> Config::Get(std::string_view name) const {
  std::lock_guard lock(impl_->mu);
  const Impl::Entry* entry = impl_->Lookup(name);
  if (entry == nullptr) return std::nullopt;
  std::string_view n = entry->def->name;
  if (n == "io-threads") {
    int64_t v = ParseIntOr(entry->value, 0);
    if (v == 0) v = std::max(1u, std::thread::hardware_concurrency());
    return std::to_string(v);
  }
  if (n == "dir") {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(entry->value, ec);
    if (ec) return entry->value;
    std::string s = p.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
  }
  return entry->value;
}

std::vector<std::pair<std::string, std::string>> Config::Match(std::string_view pattern) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const OptionDef& def : AllOptions()) {
    // Aliases match too, as in Redis 7.0 (CONFIG GET *ziplist* lists them).
    for (const char* name : {def.name, def.alias}) {
      if (name != nullptr && common::GlobMatch(pattern, name, /*nocase=*/true)) {
        out.emplace_back(name, *Get(name));
      }
    }
  }
  return out;
}

bool Config::Known(std::string_view name) const {
  std::lock_guard lock(impl_->mu);
  return impl_->Lookup(name) != nullptr;
}

void Config::OnChange(std::string_view name, std::function<void(const std::string& value)> callback) {
  std::lock_guard lock(impl_->mu);
  const Impl::Entry* entry = impl_->Lookup(name);
  std::string canonical = entry ? entry->def->name : Lower(name);
  impl_->callbacks[canonical].push_back(std::move(callback));
}

std::vector<std::string> Config::bind() const { return SplitWords(*Get("bind")); }
int Config::port() const { return static_cast<int>(ParseIntOr(*Get("port"), 6379)); }
std::string Config::dir() const {
  std::lock_guard lock(impl_->mu);
  return impl_->Lookup("dir")->value;
}
std::string Config::requirepass() const { return *Get("requirepass"); }
int Config::databases() const { return static_cast<int>(ParseIntOr(*Get("databases"), 16)); }
std::string Config::appendfsync() const { return *Get("appendfsync"); }
engine::SyncMode Config::SyncModeFor(std::string_view appendfsync) {
  if (appendfsync == "always") return engine::SyncMode::kAlways;
  if (appendfsync == "no") return engine::SyncMode::kNo;
  return engine::SyncMode::kEverySec;
}
int64_t Config::maxclients() const { return impl_->maxclients.load(std::memory_order_relaxed); }
int64_t Config::timeout() const { return impl_->timeout.load(std::memory_order_relaxed); }
std::string Config::loglevel() const { return *Get("loglevel"); }
std::string Config::logfile() const { return *Get("logfile"); }
int Config::io_threads() const {
  std::lock_guard lock(impl_->mu);
  return static_cast<int>(ParseIntOr(impl_->Lookup("io-threads")->value, 0));
}
uint64_t Config::proto_max_bulk_len() const {
  return impl_->proto_max_bulk_len.load(std::memory_order_relaxed);
}
uint64_t Config::value_cache_size() const {
  return static_cast<uint64_t>(ParseIntOr(*Get("value-cache-size"), 0));
}

// ---- config text -------------------------------------------------------------------------------

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

bool SplitConfigArgs(std::string_view line, std::vector<std::string>* out) {
  return common::SplitArgs(line, out);
}

std::string QuoteConfigArg(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
    }
  }
  out += '"';
  return out;
}

Status LoadConfigText(Config& config, std::string_view text, ConfigLoadError* error) {
  bool save_seen = false;
  int line_no = 0;
  size_t pos = 0;
  std::vector<std::string> args;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view raw = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    std::string_view line = raw;
    while (!line.empty() && IsBlank(line.front())) line.remove_prefix(1);
    while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') {
      if (eol == text.size()) break;
      continue;
    }
    auto fail = [&](std::string reason) {
      if (error) *error = ConfigLoadError{line_no, std::string(line), reason};
      return Invalid(std::move(reason));
    };
    if (!SplitConfigArgs(line, &args)) return fail("Unbalanced quotes in configuration line");
    if (args.empty()) continue;
    std::string name = Lower(args[0]);
    for (const config_internal::RefusedDirective& refused : config_internal::RefusedDirectives()) {
      if (name == refused.name) return fail(refused.reason);
    }
    if (!config.Known(name)) return fail("Bad directive or wrong number of arguments");
    std::vector<std::string> values(args.begin() + 1, args.end());
    bool multi = false;
    for (const OptionDef& def : AllOptions()) {
      if (name == def.name || (def.alias && name == def.alias)) {
        multi = (def.flags & config_internal::kMultiArg) != 0;
        name = def.name;
      }
    }
    // A multi-word option may have no words at all (`save` alone clears the save points, as in Redis).
    if (!multi && values.size() != 1) return fail("wrong number of arguments");
    std::string value = Join(values);
    if (name == "save" && values.size() == 1 && values[0].empty()) value.clear();
    if (name == "save" && save_seen && !value.empty()) {
      // Every `save` line after the first adds save points.
      std::string current = *config.Get("save");
      if (!current.empty()) value = current + " " + value;
    }
    if (name == "save") save_seen = true;
    Status s = config.Set(name, value, ConfigSource::kStartup);
    if (!s.ok()) return fail(s.message());
    if (eol == text.size()) break;
  }
  return Status::OK();
}

ConfigEffect ConfigOptionEffect(std::string_view name, std::string* note) {
  std::string lower = Lower(name);
  for (const OptionDef& def : AllOptions()) {
    if (lower != def.name && (def.alias == nullptr || lower != def.alias)) continue;
    if (def.flags & config_internal::kEffective) return ConfigEffect::kActedOn;
    if (def.not_provided != nullptr) {
      if (note) *note = def.not_provided;
      return ConfigEffect::kNotProvided;
    }
    std::string_view n = def.name;
    if (note) {
      if (n == "save" || n == "appendonly" || n.starts_with("aof-") || n.starts_with("rdb") ||
          n == "appendfilename" || n == "appenddirname" || n == "dbfilename" || n == "no-appendfsync-on-rewrite" ||
          n.starts_with("auto-aof-") || n == "stop-writes-on-bgsave-error") {
        *note = "every write goes to RocksDB's write-ahead log (appendfsync sets how often it is synced)";
      } else if (n.starts_with("hash-max-") || n.starts_with("zset-max-") || n.starts_with("set-max-") ||
                 n.starts_with("list-") || n.starts_with("stream-node-") || n.starts_with("hll-sparse-")) {
        *note = "redrock has its own storage encodings";
      } else if (n.starts_with("repl")) {
        *note = "redrock has no replication";
      } else {
        note->clear();
      }
    }
    return ConfigEffect::kNoEffect;
  }
  return ConfigEffect::kUnknown;
}

}  // namespace redrock::server
