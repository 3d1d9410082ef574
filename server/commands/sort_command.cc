// SORT and SORT_RO: the rules of Redis 7.0.15's sort.c (sortCommandGeneric, lookupKeyByPattern,
// sortCompare), over redrock's engine.
//
//   SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]
//        [STORE destination]
//   SORT_RO key ... (the same without STORE)
//
// The source key is read in one engine call (one snapshot); the BY and GET lookups are separate reads,
// as other clients may write between them (Redis's single thread would not let them; the result is one a
// client could have seen between those writes). STORE writes the destination in one atomic engine
// operation (engine::ListReplace).

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii_case.h"
#include "common/number_format.h"
#include "redrock/engine/engine.h"
#include "redrock/engine/hash.h"
#include "redrock/engine/list.h"
#include "redrock/engine/set.h"
#include "redrock/engine/zset.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/keyspace_events.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/core/errors.h"
#include "server/core/server_state.h"
#include "server/scripting/scripting.h"

namespace redrock::server {

namespace {

constexpr std::string_view kScoresNotDouble = "ERR One or more scores can't be converted into double";

// Redis reads patterns with strchr/strstr, which stop at the first NUL byte: the part they see.
std::string_view CStringPart(std::string_view s) { return s.substr(0, s.find('\0')); }

bool HasStar(std::string_view pattern) { return CStringPart(pattern).find('*') != std::string_view::npos; }

struct SortArgs {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;  // BY a pattern without '*'
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> by;
  std::optional<std::string_view> store;
  std::vector<std::string_view> gets;
};

// The option loop of sortCommandGeneric: a later option overrides an earlier one, LIMIT needs two
// integers (else "not an integer"), STORE is only SORT's, anything else (or an option without its
// values) is a syntax error. Writes the error and returns false when invalid.
bool ParseSortArgs(CommandContext& ctx, bool readonly, SortArgs* args) {
  const auto& argv = ctx.argv;
  for (size_t j = 2; j < argv.size(); ++j) {
    const size_t left = argv.size() - j - 1;
    const std::string_view opt = argv[j];
    if (EqualsIgnoreCase(opt, "asc")) {
      args->desc = false;
    } else if (EqualsIgnoreCase(opt, "desc")) {
      args->desc = true;
    } else if (EqualsIgnoreCase(opt, "alpha")) {
      args->alpha = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!common::ParseInt64(argv[j + 1], &args->limit_start) ||
          !common::ParseInt64(argv[j + 2], &args->limit_count)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(opt, "store") && left >= 1) {
      args->store = argv[j + 1];
      ++j;
    } else if (EqualsIgnoreCase(opt, "by") && left >= 1) {
      args->by = argv[j + 1];
      // A constant pattern: nothing to sort by. Redis never clears the flag once set, even when a later
      // BY has a '*'.
      if (!HasStar(argv[j + 1])) args->dontsort = true;
      ++j;
    } else if (EqualsIgnoreCase(opt, "get") && left >= 1) {
      args->gets.push_back(argv[j + 1]);
      ++j;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// lookupKeyByPattern: "#" is the element itself; a pattern without '*' finds nothing; otherwise the
// first '*' is replaced by the element and the key read as a string, or, with "->field" after the '*'
// (a non-empty field), the key read as a hash and the field's value returned. A missing key, a key of
// another type or a missing field give nullopt. Returns false (error written) only when the engine fails.
bool LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view element,
                     std::optional<std::string>* out) {
  out->reset();
  if (!pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0')) {
    out->emplace(element);
    return true;
  }
  const std::string_view visible = CStringPart(pattern);
  const size_t star = visible.find('*');
  if (star == std::string_view::npos) return true;
  size_t key_end = pattern.size();  // the key part ends where "->field" begins
  std::string_view field;
  const size_t arrow = visible.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < visible.size()) {
    key_end = arrow;
    field = pattern.substr(arrow + 2);
  }
  std::string key;
  key.reserve(key_end + element.size());
  key.append(pattern.substr(0, star));
  key.append(element);
  key.append(pattern.substr(star + 1, key_end - star - 1));
  engine::Result<std::string> value =
      field.empty() ? ctx.engine().Get(ctx.db(), key) : engine::HGet(ctx.engine(), ctx.db(), key, field);
  if (value.ok()) {
    out->emplace(std::move(*value));
    return true;
  }
  if (value.status().IsNotFound() || value.status().IsWrongType()) return true;
  ctx.reply.Error(err::FromStatus(value.status()));
  return false;
}

// Redis's strtod check of a sort weight: the whole (C) string is a number, not out of range, not NaN.
bool ParseWeight(const std::string& text, double* score) {
  errno = 0;
  char* end = nullptr;
  *score = std::strtod(text.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*score);
}

struct Item {
  std::string element;
  double score = 0;
  std::optional<std::string> weight;  // ALPHA BY: the looked-up value (nullopt: none)
};

// sortCompare, with STORE comparing bytes and a reply collating (strcoll, up to a NUL byte).
int CompareItems(const Item& a, const Item& b, const SortArgs& args) {
  int cmp;
  if (!args.alpha) {
    if (a.score > b.score) {
      cmp = 1;
    } else if (a.score < b.score) {
      cmp = -1;
    } else {
      const int c = a.element.compare(b.element);
      cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  } else {
    const std::string* x = &a.element;
    const std::string* y = &b.element;
    if (args.by) {
      if (!a.weight || !b.weight) return (args.desc ? -1 : 1) * (a.weight == b.weight ? 0 : (!a.weight ? -1 : 1));
      x = &*a.weight;
      y = &*b.weight;
    }
    int c = args.store ? x->compare(*y) : std::strcoll(x->c_str(), y->c_str());
    cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return args.desc ? -cmp : cmp;
}

bool CalledFromScript(const CommandContext& ctx) {
  return ctx.server.scripting != nullptr && &ctx.client == &ctx.server.scripting->script_client();
}

// Reads the elements to sort into *items. For a list or sorted set with nothing to sort only the LIMIT
// range is read, in the requested direction, and [*start, *end] then indexes *items from 0. Returns
// false with the error written when the engine fails.
bool LoadItems(CommandContext& ctx, engine::KeyType type, const SortArgs& args, std::vector<Item>* items,
               int64_t* start, int64_t* end) {
  engine::Engine& engine = ctx.engine();
  const int db = ctx.db();
  const std::string_view key = ctx.argv[1];
  engine::UncountedLookups uncounted;  // the key's lookup was the TYPE read
  std::vector<std::string> elements;
  // The LIMIT clamp of sortCommandGeneric for `n` elements.
  auto clamp = [&](int64_t n) {
    *start = std::min(std::max(args.limit_start, int64_t{0}), n);
    const int64_t count = std::min(std::max(args.limit_count, int64_t{-1}), n);
    *end = count < 0 ? n - 1 : *start + count - 1;
    if (*start >= n) {
      *start = n - 1;
      *end = n - 2;
    }
    if (*end >= n) *end = n - 1;
  };
  const bool ranged = args.dontsort && (type == engine::KeyType::kList || type == engine::KeyType::kZSet);
  if (ranged) {
    auto length = type == engine::KeyType::kList ? engine::ListLength(engine, db, key)
                                                 : engine::ZCard(engine, db, key);
    if (Failed(ctx, length)) return false;
    const int64_t n = *length;
    clamp(n);
    if (*end >= *start) {
      if (type == engine::KeyType::kList) {
        const int64_t first = args.desc ? n - 1 - *end : *start;
        const int64_t last = args.desc ? n - 1 - *start : *end;
        auto range = engine::ListRange(engine, db, key, first, last);
        if (Failed(ctx, range)) return false;
        elements = std::move(*range);
        if (args.desc) std::reverse(elements.begin(), elements.end());
      } else {
        engine::ZRangeQuery query;
        query.reverse = args.desc;
        query.start = *start;
        query.stop = *end;
        auto range = engine::ZRange(engine, db, key, query);
        if (Failed(ctx, range)) return false;
        for (auto& scored : *range) elements.push_back(std::move(scored.member));
      }
    }
    // What another client changed between the two reads shows as a shorter range.
    *start = 0;
    *end = static_cast<int64_t>(elements.size()) - 1;
  } else {
    if (type == engine::KeyType::kList) {
      auto all = engine::ListRange(engine, db, key, 0, -1);
      if (Failed(ctx, all)) return false;
      elements = std::move(*all);
    } else if (type == engine::KeyType::kSet) {
      auto all = engine::SMembers(engine, db, key);
      if (Failed(ctx, all)) return false;
      elements = std::move(*all);
    } else if (type == engine::KeyType::kZSet) {
      auto all = engine::ZRange(engine, db, key, engine::ZRangeQuery{});
      if (Failed(ctx, all)) return false;
      for (auto& scored : *all) elements.push_back(std::move(scored.member));
    }
    clamp(static_cast<int64_t>(elements.size()));
  }
  items->resize(elements.size());
  for (size_t i = 0; i < elements.size(); ++i) (*items)[i].element = std::move(elements[i]);
  return true;
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  SortArgs args;
  if (!ParseSortArgs(ctx, readonly, &args)) return;

  auto type = ctx.engine().Type(ctx.db(), ctx.argv[1]);
  if (Failed(ctx, type)) return;
  if (*type != engine::KeyType::kNone && *type != engine::KeyType::kList && *type != engine::KeyType::kSet &&
      *type != engine::KeyType::kZSet) {
    ctx.reply.Error(err::kWrongType);
    return;
  }
  // A set has no order of its own: with nothing to sort by, a STORE or a script still gets the members
  // sorted (ALPHA), so that replicas and script effects see the same result.
  if (args.dontsort && *type == engine::KeyType::kSet && (args.store || CalledFromScript(ctx))) {
    args.dontsort = false;
    args.alpha = true;
    args.by.reset();
  }

  std::vector<Item> items;
  int64_t start = 0;
  int64_t end = -1;
  if (!LoadItems(ctx, *type, args, &items, &start, &end)) return;

  bool conversion_error = false;
  if (!args.dontsort) {
    for (Item& item : items) {
      std::optional<std::string> looked_up;
      if (args.by) {
        if (!LookupByPattern(ctx, *args.by, item.element, &looked_up)) return;
        if (!looked_up) continue;  // no weight: score 0, or first in ALPHA order
      }
      if (args.alpha) {
        if (args.by) item.weight = std::move(looked_up);
      } else if (!ParseWeight(args.by ? *looked_up : item.element, &item.score)) {
        conversion_error = true;
      }
    }
    // Redis sorts even then and replies with the error; the order is never seen.
    if (!conversion_error) {
      std::stable_sort(items.begin(), items.end(),
                       [&](const Item& a, const Item& b) { return CompareItems(a, b, args) < 0; });
    }
  }

  const int64_t rows = end - start + 1;
  const int64_t output_len = args.gets.empty() ? rows : static_cast<int64_t>(args.gets.size()) * rows;
  if (conversion_error) {
    ctx.reply.Error(kScoresNotDouble);
    return;
  }

  if (!args.store) {
    // Every lookup is made before the reply starts, so an engine failure can still be the reply.
    std::vector<std::optional<std::string>> values;
    values.reserve(static_cast<size_t>(output_len));
    for (int64_t j = start; j <= end; ++j) {
      const std::string& element = items[static_cast<size_t>(j)].element;
      if (args.gets.empty()) values.emplace_back(element);
      for (std::string_view pattern : args.gets) {
        std::optional<std::string> value;
        if (!LookupByPattern(ctx, pattern, element, &value)) return;
        values.push_back(std::move(value));
      }
    }
    ReplyBulksOrNulls(ctx, values);
    return;
  }

  std::vector<std::string> stored;
  stored.reserve(static_cast<size_t>(output_len));
  for (int64_t j = start; j <= end; ++j) {
    std::string& element = items[static_cast<size_t>(j)].element;
    if (args.gets.empty()) {
      stored.push_back(std::move(element));
      continue;
    }
    for (std::string_view pattern : args.gets) {
      std::optional<std::string> value;
      if (!LookupByPattern(ctx, pattern, element, &value)) return;
      stored.push_back(value ? std::move(*value) : std::string());
    }
  }
  const std::string_view dst = *args.store;
  auto existed = engine::ListReplace(ctx.engine(), ctx.db(), dst, stored);
  if (Failed(ctx, existed)) return;
  if (output_len > 0) {
    ctx.server.blocking.Signal(ctx.db(), dst);  // BLPOP and friends waiting on dst
    NotifyKey(ctx, kNotifyList, "sortstore", dst);
  } else if (*existed) {
    NotifyKey(ctx, kNotifyGeneric, "del", dst);
  }
  ctx.reply.Integer(output_len);
}

void SortCommand(CommandContext& ctx) { SortGeneric(ctx, false); }
void SortRoCommand(CommandContext& ctx) { SortGeneric(ctx, true); }

}  // namespace

void RegisterSortCommands(CommandTable& table) {
  table.Bind("sort", SortCommand);
  table.Bind("sort_ro", SortRoCommand);
}

}  // namespace redrock::server
