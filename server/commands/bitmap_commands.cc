// The bitmap family on string values (Redis bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP; BITFIELD
// and BITFIELD_RO are in bitfield_command.cc. Bits are numbered from the most significant bit of the
// first byte. Reads go through Engine::Get (a counted lookup, as Redis's lookupKeyRead); SETBIT is a
// read-modify-write under the key's lock (Engine::ModifyString, not a lookup, as lookupKeyWrite).

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii_case.h"
#include "common/number_format.h"
#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "server/commands/bitmap_commands.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/keyspace_events.h"
#include "server/core/command_table.h"
#include "server/core/errors.h"

namespace redrock::server {

bool ParseBitOffset(CommandContext& ctx, std::string_view arg, int bits, uint64_t* offset) {
  const bool hashed = bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t value = 0;
  if (!common::ParseInt64(hashed ? arg.substr(1) : arg, &value)) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  // Redis multiplies in a long long; an overflow wraps here (and is then most likely rejected below).
  if (hashed) value = static_cast<int64_t>(static_cast<uint64_t>(value) * static_cast<uint64_t>(bits));
  if (value < 0 || (static_cast<uint64_t>(value) >> 3) >= ctx.server.config.proto_max_bulk_len()) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  *offset = static_cast<uint64_t>(value);
  return true;
}

namespace {

// The value of a string key for a read (a counted lookup); `*found` says whether the key exists. Returns
// false after replying with the error (WRONGTYPE, storage).
bool ReadString(CommandContext& ctx, std::string_view key, std::string* value, bool* found) {
  engine::Status st = ctx.engine().Get(ctx.db(), key, value);
  if (st.IsNotFound()) {
    *found = false;
    return true;
  }
  if (Failed(ctx, st)) return false;
  *found = true;
  return true;
}

void SetBitCommand(CommandContext& ctx) {
  constexpr std::string_view kBitError = "ERR bit is not an integer or out of range";
  uint64_t offset = 0;
  if (!ParseBitOffset(ctx, ctx.argv[2], 0, &offset)) return;
  int64_t on = 0;
  if (!common::ParseInt64(ctx.argv[3], &on) || (on & ~int64_t{1}) != 0) {
    ctx.reply.Error(kBitError);
    return;
  }
  const size_t byte = static_cast<size_t>(offset >> 3);
  const auto mask = static_cast<uint8_t>(1u << (7 - (offset & 7)));
  bool old_bit = false;
  bool changed = false;
  engine::Status st = ctx.engine().ModifyString(ctx.db(), ctx.argv[1], [&](bool exists, std::string* value, engine::Engine::StoreMode* mode) {
    // Redis grows the string to reach the bit; creating or growing it is a change even if the bit stays 0.
    bool dirty = !exists;
    if (value->size() < byte + 1) {
      if (exists) dirty = true;
      value->resize(byte + 1, '\0');
    }
    auto& b = reinterpret_cast<uint8_t&>((*value)[byte]);
    old_bit = (b & mask) != 0;
    if (dirty || old_bit != (on == 1)) {
      b = static_cast<uint8_t>(on ? (b | mask) : (b & ~mask));
      changed = true;
      *mode = engine::Engine::StoreMode::kStore;
    }
    return engine::Status::OK();
  });
  if (Failed(ctx, st)) return;
  if (changed) NotifyKey(ctx, kNotifyString, "setbit", ctx.argv[1]);
  ctx.reply.Integer(old_bit ? 1 : 0);
}

void GetBitCommand(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!ParseBitOffset(ctx, ctx.argv[2], 0, &offset)) return;
  // One byte (empty past the end or for a missing key), not a copy of the whole value.
  const auto byte = static_cast<int64_t>(offset >> 3);
  auto range = ctx.engine().GetRange(ctx.db(), ctx.argv[1], byte, byte);
  if (Failed(ctx, range)) return;
  int bit = 0;
  if (!range->empty()) bit = (static_cast<uint8_t>((*range)[0]) >> (7 - (offset & 7))) & 1;
  ctx.reply.Integer(bit);
}

// Whether `unit` (BIT/BYTE) is a valid unit word; writes the syntax error when not.
bool ParseUnit(CommandContext& ctx, std::string_view unit, bool* is_bit) {
  if (common::EqualsIgnoreCase(unit, "bit")) {
    *is_bit = true;
  } else if (common::EqualsIgnoreCase(unit, "byte")) {
    *is_bit = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

// Redis's clamping of a start/end pair against `total` (bytes or bits): negatives from the end, then into
// [0, total - 1]. The range is empty when start > end afterwards.
void ClampRange(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start = total + *start;
  if (*end < 0) *end = total + *end;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
}

bool BitAt(std::string_view s, int64_t bit) {
  return (static_cast<uint8_t>(s[static_cast<size_t>(bit >> 3)]) >> (7 - (bit & 7))) & 1;
}

// Set bits in bit positions [first, last] of s (both within s).
int64_t CountBits(std::string_view s, int64_t first, int64_t last) {
  int64_t count = 0;
  while (first <= last && (first & 7) != 0) count += BitAt(s, first++);
  while (first + 63 <= last) {
    uint64_t word = 0;
    for (int i = 0; i < 8; ++i) word = (word << 8) | static_cast<uint8_t>(s[static_cast<size_t>(first >> 3) + i]);
    count += std::popcount(word);
    first += 64;
  }
  while (first + 7 <= last) {
    count += std::popcount(static_cast<unsigned>(static_cast<uint8_t>(s[static_cast<size_t>(first >> 3)])));
    first += 8;
  }
  while (first <= last) count += BitAt(s, first++);
  return count;
}

// The first bit position in [first, last] holding `bit`, or -1.
int64_t FindBit(std::string_view s, int64_t first, int64_t last, bool bit) {
  const uint8_t skip = bit ? 0x00 : 0xff;  // a byte with nothing to find
  while (first <= last) {
    if ((first & 7) == 0 && first + 7 <= last && static_cast<uint8_t>(s[static_cast<size_t>(first >> 3)]) == skip) {
      first += 8;
      continue;
    }
    if (BitAt(s, first) == bit) return first;
    ++first;
  }
  return -1;
}

void BitCountCommand(CommandContext& ctx) {
  std::string value;
  bool found = false;
  if (!ReadString(ctx, ctx.argv[1], &value, &found)) return;
  if (!found) {
    ctx.reply.Integer(0);
    return;
  }
  const auto argc = ctx.argv.size();
  int64_t total = static_cast<int64_t>(value.size());
  int64_t start = 0;
  int64_t end = total - 1;
  bool is_bit = false;
  if (argc == 4 || argc == 5) {
    if (!common::ParseInt64(ctx.argv[2], &start) || !common::ParseInt64(ctx.argv[3], &end)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
    // Redis answers this before it looks at the unit.
    if (start < 0 && end < 0 && start > end) {
      ctx.reply.Integer(0);
      return;
    }
    if (argc == 5 && !ParseUnit(ctx, ctx.argv[4], &is_bit)) return;
    if (is_bit) total <<= 3;
    ClampRange(total, &start, &end);
  } else if (argc != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (start > end) {
    ctx.reply.Integer(0);
    return;
  }
  if (!is_bit) {
    start <<= 3;
    end = (end << 3) + 7;
  }
  ctx.reply.Integer(CountBits(value, start, end));
}

void BitPosCommand(CommandContext& ctx) {
  int64_t bit = 0;
  if (!common::ParseInt64(ctx.argv[2], &bit)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (bit != 0 && bit != 1) {
    ctx.reply.Error("ERR The bit argument must be 1 or 0.");
    return;
  }
  std::string value;
  bool found = false;
  if (!ReadString(ctx, ctx.argv[1], &value, &found)) return;
  // A missing key is an infinite run of zeros.
  if (!found) {
    ctx.reply.Integer(bit ? -1 : 0);
    return;
  }
  const auto argc = ctx.argv.size();
  int64_t total = static_cast<int64_t>(value.size());
  int64_t start = 0;
  int64_t end = total - 1;
  bool is_bit = false;
  bool end_given = false;
  if (argc >= 4 && argc <= 6) {
    if (!common::ParseInt64(ctx.argv[3], &start)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
    if (argc == 6 && !ParseUnit(ctx, ctx.argv[5], &is_bit)) return;
    if (argc >= 5) {
      if (!common::ParseInt64(ctx.argv[4], &end)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      end_given = true;
    } else {
      end = is_bit ? (total << 3) + 7 : total - 1;
    }
    if (is_bit) total <<= 3;
    ClampRange(total, &start, &end);
  } else if (argc != 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  // An empty range holds neither a 0 nor a 1.
  if (start > end) {
    ctx.reply.Integer(-1);
    return;
  }
  if (!is_bit) {
    start <<= 3;
    end = (end << 3) + 7;
  }
  int64_t pos = FindBit(value, start, end, bit == 1);
  // Looking for a 0 with no end given, the string counts as padded with zeros on the right.
  if (pos < 0 && bit == 0 && !end_given) pos = end + 1;
  ctx.reply.Integer(pos);
}

void BitOpCommand(CommandContext& ctx) {
  enum class Op { kAnd, kOr, kXor, kNot };
  const std::string_view name = ctx.argv[1];
  Op op;
  if (common::EqualsIgnoreCase(name, "and")) {
    op = Op::kAnd;
  } else if (common::EqualsIgnoreCase(name, "or")) {
    op = Op::kOr;
  } else if (common::EqualsIgnoreCase(name, "xor")) {
    op = Op::kXor;
  } else if (common::EqualsIgnoreCase(name, "not")) {
    op = Op::kNot;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (op == Op::kNot && ctx.argv.size() != 4) {
    ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  // Every source is a read lookup, in order; the first non-string stops the command. Missing bytes of
  // shorter (or missing) sources count as zeros.
  const std::span<const std::string_view> source_keys(ctx.argv.begin() + 3, ctx.argv.end());
  const std::string_view dest = ctx.argv[2];
  size_t max_len = 0;
  auto deleted = ctx.engine().CombineStrings(
      ctx.db(), dest, source_keys, [&](std::span<const std::optional<std::string>> sources) {
        for (const auto& s : sources) {
          if (s && s->size() > max_len) max_len = s->size();
        }
        auto byte_of = [&](size_t i, size_t j) -> uint8_t {
          return sources[i] && j < sources[i]->size() ? static_cast<uint8_t>((*sources[i])[j]) : 0;
        };
        std::string result(max_len, '\0');
        for (size_t j = 0; j < max_len; ++j) {
          uint8_t out = byte_of(0, j);
          if (op == Op::kNot) {
            out = static_cast<uint8_t>(~out);
          } else {
            for (size_t i = 1; i < sources.size(); ++i) {
              const uint8_t b = byte_of(i, j);
              if (op == Op::kAnd) {
                out &= b;
              } else if (op == Op::kOr) {
                out |= b;
              } else {
                out ^= b;
              }
            }
          }
          result[j] = static_cast<char>(out);
        }
        return result;
      });
  if (Failed(ctx, deleted)) return;
  // Stored as SET stores it ("set"), or an empty result deleted the destination ("del" if it existed).
  if (max_len > 0) {
    NotifyKey(ctx, kNotifyString, "set", dest);
  } else if (*deleted) {
    NotifyKey(ctx, kNotifyGeneric, "del", dest);
  }
  ctx.reply.Integer(static_cast<int64_t>(max_len));
}

}  // namespace

void RegisterBitmapCommands(CommandTable& table) {
  table.Bind("setbit", SetBitCommand);
  table.Bind("getbit", GetBitCommand);
  table.Bind("bitcount", BitCountCommand);
  table.Bind("bitpos", BitPosCommand);
  table.Bind("bitop", BitOpCommand);
  RegisterBitfieldCommands(table);
}

}  // namespace redrock::server
