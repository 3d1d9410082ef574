#pragma once
// Shared by the bitmap family's two files (bitmap_commands.cc, bitfield_command.cc).

#include <cstdint>
#include <string_view>

#include "server/core/command_table.h"

namespace redrock::server {

inline constexpr std::string_view kBitOffsetError = "ERR bit offset is not an integer or out of range";

// A bit offset argument as Redis's getBitOffsetFromArgument reads it: an integer >= 0 whose byte
// (offset >> 3) is below proto-max-bulk-len; with `bits` > 0 (BITFIELD), "#N" means N * bits. Writes
// Redis's error and returns false when invalid.
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, int bits, uint64_t* offset);

void RegisterBitfieldCommands(CommandTable& table);  // BITFIELD BITFIELD_RO (bitfield_command.cc)

}  // namespace redrock::server
