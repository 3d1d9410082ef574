// BITFIELD and BITFIELD_RO (Redis bitops.c bitfieldGeneric): GET/SET/INCRBY of signed (i1..i64) and
// unsigned (u1..u63) integers at any bit offset ("#N" = N times the width), OVERFLOW WRAP/SAT/FAIL.
// All operations are parsed first; with only GETs the key is read (a counted lookup), otherwise the
// whole command is one read-modify-write under the key's lock (Engine::ModifyString, not a lookup).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii_case.h"
#include "common/number_format.h"
#include "redrock/engine/engine.h"
#include "server/commands/bitmap_commands.h"
#include "server/commands/command_helpers.h"
#include "server/commands/keyspace_events.h"
#include "server/core/command_table.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

enum class FieldOp : uint8_t { kGet, kSet, kIncrBy };
enum class Overflow : uint8_t { kWrap, kSat, kFail };

struct FieldStep {
  FieldOp op;
  Overflow overflow;
  bool is_signed;
  int bits;
  uint64_t offset;
  int64_t value;  // SET's value, INCRBY's increment
};

// The unsigned `bits`-wide field at bit `offset` of s; bits past the end of s read as zeros.
uint64_t ReadField(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; ++i) {
    const uint64_t pos = offset + static_cast<uint64_t>(i);
    const uint64_t byte = pos >> 3;
    const uint64_t bit = byte < s.size() ? (static_cast<uint8_t>(s[byte]) >> (7 - (pos & 7))) & 1 : 0;
    v = (v << 1) | bit;
  }
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  if (bits < 64 && ((v >> (bits - 1)) & 1)) v |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(v);
}

// Writes the low `bits` bits of v at bit `offset` of s (which is long enough).
void WriteField(std::string* s, uint64_t offset, int bits, uint64_t v) {
  for (int i = 0; i < bits; ++i) {
    const uint64_t pos = offset + static_cast<uint64_t>(i);
    const uint64_t bit = (v >> (bits - 1 - i)) & 1;
    auto& b = reinterpret_cast<uint8_t&>((*s)[pos >> 3]);
    const auto mask = static_cast<uint8_t>(1u << (7 - (pos & 7)));
    b = static_cast<uint8_t>(bit ? (b | mask) : (b & ~mask));
  }
}

// value + incr into an unsigned field of `bits` (<= 63): whether it overflows (Redis's rules, including
// that a SET value above the field's maximum is an overflow upwards), and the value to store unless FAIL.
bool UnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow mode, uint64_t* out) {
  const uint64_t max = (uint64_t{1} << bits) - 1;
  const auto room_up = static_cast<int64_t>(max - value);
  const auto room_down = static_cast<int64_t>(uint64_t{0} - value);
  bool up = false;
  if (value > max || (incr > 0 && incr > room_up)) {
    up = true;
  } else if (!(incr < 0 && incr < room_down)) {
    return false;
  }
  if (mode == Overflow::kWrap) {
    *out = (value + static_cast<uint64_t>(incr)) & max;
  } else if (mode == Overflow::kSat) {
    *out = up ? max : 0;
  }
  return true;
}

bool SignedOverflow(int64_t value, int64_t incr, int bits, Overflow mode, int64_t* out) {
  const int64_t max = bits == 64 ? INT64_MAX : static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1);
  const int64_t min = -max - 1;
  // Computed with wrapping, as Redis does; only used once `value` is known to be in range.
  const auto room_up = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const auto room_down = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  bool up = false;
  if (value > max || (bits != 64 && incr > room_up) || (value >= 0 && incr > 0 && incr > room_up)) {
    up = true;
  } else if (!(value < min || (bits != 64 && incr < room_down) || (value < 0 && incr < 0 && incr < room_down))) {
    return false;
  }
  if (mode == Overflow::kWrap) {
    uint64_t sum = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    *out = SignExtend(bits < 64 ? sum & ((uint64_t{1} << bits) - 1) : sum, bits);
  } else if (mode == Overflow::kSat) {
    *out = up ? max : min;
  }
  return true;
}

// Runs one SET or INCRBY on s: the reply value, or nullopt when OVERFLOW FAIL refused it. `*changed` when
// the stored field differs from what was there.
std::optional<int64_t> RunWrite(std::string* s, const FieldStep& step, bool* changed) {
  if (step.is_signed) {
    const int64_t old = SignExtend(ReadField(*s, step.offset, step.bits), step.bits);
    int64_t next = 0;
    int64_t limited = 0;
    bool over = false;
    if (step.op == FieldOp::kIncrBy) {
      over = SignedOverflow(old, step.value, step.bits, step.overflow, &limited);
      next = over ? limited : static_cast<int64_t>(static_cast<uint64_t>(old) + static_cast<uint64_t>(step.value));
    } else {
      over = SignedOverflow(step.value, 0, step.bits, step.overflow, &limited);
      next = over ? limited : step.value;
    }
    if (over && step.overflow == Overflow::kFail) return std::nullopt;
    WriteField(s, step.offset, step.bits, static_cast<uint64_t>(next));
    *changed = old != next;
    return step.op == FieldOp::kIncrBy ? next : old;
  }
  const uint64_t old = ReadField(*s, step.offset, step.bits);
  uint64_t next = 0;
  uint64_t limited = 0;
  bool over = false;
  if (step.op == FieldOp::kIncrBy) {
    over = UnsignedOverflow(old, step.value, step.bits, step.overflow, &limited);
    next = over ? limited : old + static_cast<uint64_t>(step.value);
  } else {
    next = static_cast<uint64_t>(step.value);
    over = UnsignedOverflow(next, 0, step.bits, step.overflow, &limited);
    if (over) next = limited;
  }
  if (over && step.overflow == Overflow::kFail) return std::nullopt;
  WriteField(s, step.offset, step.bits, next);
  *changed = old != next;
  return static_cast<int64_t>(step.op == FieldOp::kIncrBy ? next : old);
}

int64_t RunGet(std::string_view s, const FieldStep& step) {
  const uint64_t v = ReadField(s, step.offset, step.bits);
  return step.is_signed ? SignExtend(v, step.bits) : static_cast<int64_t>(v);
}

// "i<1..64>" or "u<1..63>" (the letter in lower case only, as Redis reads it).
bool ParseFieldType(std::string_view arg, bool* is_signed, int* bits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return false;
  *is_signed = arg[0] == 'i';
  int64_t n = 0;
  if (!common::ParseInt64(arg.substr(1), &n) || n < 1 || n > (*is_signed ? 64 : 63)) return false;
  *bits = static_cast<int>(n);
  return true;
}

void BitfieldGeneric(CommandContext& ctx, bool read_only_command) {
  std::vector<FieldStep> steps;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  uint64_t highest_bit = 0;
  const size_t argc = ctx.argv.size();
  for (size_t j = 2; j < argc; ++j) {
    const size_t remaining = argc - j - 1;
    const std::string_view sub = ctx.argv[j];
    FieldOp op;
    if (common::EqualsIgnoreCase(sub, "get") && remaining >= 2) {
      op = FieldOp::kGet;
    } else if (common::EqualsIgnoreCase(sub, "set") && remaining >= 3) {
      op = FieldOp::kSet;
    } else if (common::EqualsIgnoreCase(sub, "incrby") && remaining >= 3) {
      op = FieldOp::kIncrBy;
    } else if (common::EqualsIgnoreCase(sub, "overflow") && remaining >= 1) {
      const std::string_view mode = ctx.argv[++j];
      if (common::EqualsIgnoreCase(mode, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (common::EqualsIgnoreCase(mode, "sat")) {
        overflow = Overflow::kSat;
      } else if (common::EqualsIgnoreCase(mode, "fail")) {
        overflow = Overflow::kFail;
      } else {
        ctx.reply.Error("ERR Invalid OVERFLOW type specified");
        return;
      }
      continue;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    FieldStep step{op, overflow, false, 0, 0, 0};
    if (!ParseFieldType(ctx.argv[j + 1], &step.is_signed, &step.bits)) {
      ctx.reply.Error(
          "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
      return;
    }
    if (!ParseBitOffset(ctx, ctx.argv[j + 2], step.bits, &step.offset)) return;
    if (op != FieldOp::kGet) {
      writes = true;
      const uint64_t last = step.offset + static_cast<uint64_t>(step.bits) - 1;
      if (last > highest_bit) highest_bit = last;
      if (!common::ParseInt64(ctx.argv[j + 3], &step.value)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
    }
    steps.push_back(step);
    j += op == FieldOp::kGet ? 2 : 3;
  }

  std::vector<std::optional<int64_t>> replies;
  replies.reserve(steps.size());
  int changes = 0;
  if (!writes) {
    std::string value;
    engine::Status st = ctx.engine().Get(ctx.db(), ctx.argv[1], &value);
    if (!st.IsNotFound() && Failed(ctx, st)) return;
    for (const FieldStep& step : steps) replies.emplace_back(RunGet(value, step));
  } else {
    if (read_only_command) {
      ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
      return;
    }
    const size_t need = static_cast<size_t>(highest_bit >> 3) + 1;
    engine::Status st = ctx.engine().ModifyString(ctx.db(), ctx.argv[1], [&](bool exists, std::string* value, engine::Engine::StoreMode* mode) {
      // Redis makes room up to the farthest bit written first; creating or growing the string makes every
      // write that is not refused a change.
      bool dirty = !exists;
      if (value->size() < need) {
        dirty = true;
        value->resize(need, '\0');
      }
      for (const FieldStep& step : steps) {
        if (step.op == FieldOp::kGet) {
          replies.emplace_back(RunGet(*value, step));
          continue;
        }
        bool changed = false;
        replies.push_back(RunWrite(value, step, &changed));
        if (replies.back() && (dirty || changed)) ++changes;
      }
      // Redis keeps a created or grown string even when every write was refused, without signalling it.
      if (changes > 0) {
        *mode = engine::Engine::StoreMode::kStore;
      } else if (dirty) {
        *mode = engine::Engine::StoreMode::kStoreUnsignalled;
      }
      return engine::Status::OK();
    });
    if (Failed(ctx, st)) return;
  }
  ctx.reply.ArrayHeader(replies.size());
  for (const auto& r : replies) {
    if (r) {
      ctx.reply.Integer(*r);
    } else {
      ctx.reply.Null();
    }
  }
  // After the reply, as Redis sends it.
  if (changes > 0) NotifyKey(ctx, kNotifyString, "setbit", ctx.argv[1]);
}

void BitfieldCommand(CommandContext& ctx) { BitfieldGeneric(ctx, false); }
void BitfieldRoCommand(CommandContext& ctx) { BitfieldGeneric(ctx, true); }

}  // namespace

void RegisterBitfieldCommands(CommandTable& table) {
  table.Bind("bitfield", BitfieldCommand);
  table.Bind("bitfield_ro", BitfieldRoCommand);
}

}  // namespace redrock::server
