#pragma once
// Redis 7.0's HyperLogLog string format ("HYLL"), so an HLL value moves between redrock and Redis with
// GET/SET and gives the same PFCOUNT. Layout (16-byte header, then the registers):
//   bytes 0-3   "HYLL"
//   byte  4     encoding: 0 dense, 1 sparse
//   bytes 5-7   unused (zero)
//   bytes 8-15  cached cardinality, little endian; bit 7 of byte 15 set means "stale, recompute"
// Dense: 16384 registers of 6 bits, packed from the least significant bit of each byte (12288 bytes).
// Sparse: a run-length sequence of opcodes, each covering consecutive registers:
//   ZERO  00xxxxxx           xxxxxx+1 registers (1..64) at 0
//   XZERO 01xxxxxx yyyyyyyy  14-bit length + 1 (1..16384) registers at 0
//   VAL   1vvvvvxx           xx+1 registers (1..4) at vvvvv+1 (1..32)
// The sparse edits (split one opcode, then merge adjacent equal VALs in a small window) follow Redis's
// step by step, since the bytes of the result depend on the order of the edits, and GET must match.

#include <cstdint>
#include <string>
#include <string_view>

namespace redrock::server::hll {

inline constexpr int kP = 14;
inline constexpr int kRegisters = 1 << kP;  // 16384
inline constexpr int kQ = 64 - kP;
inline constexpr int kBits = 6;
inline constexpr int kRegisterMax = (1 << kBits) - 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kBits + 7) / 8;  // 12304
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;

inline constexpr std::string_view kInvalidHll = "INVALIDOBJ Corrupted HLL object detected";
inline constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";

// Redis's MurmurHash64A (little-endian reading of 8-byte blocks).
uint64_t MurmurHash64A(std::string_view data, uint64_t seed);
// The register an element maps to and the length of its "00..1" pattern (1..kQ+1).
int PatternLength(std::string_view element, int* index);

// A new, empty HLL: sparse, one XZERO covering every register, cached cardinality 0 (valid).
std::string NewSparse();
// Redis's isHLLObjectOrReply test of a string value (header, magic, encoding, dense length).
bool LooksValid(std::string_view value);
inline uint8_t Encoding(std::string_view value) { return static_cast<uint8_t>(value[4]); }

inline bool CacheValid(std::string_view value) { return (static_cast<uint8_t>(value[15]) & 0x80) == 0; }
inline void InvalidateCache(std::string& value) { value[15] = static_cast<char>(static_cast<uint8_t>(value[15]) | 0x80); }
uint64_t CachedCardinality(std::string_view value);
void StoreCardinality(std::string& value, uint64_t card);

// Dense register access (`registers` points at the byte after the header of a kDenseSize string).
uint8_t DenseGet(const uint8_t* registers, int index);
void DenseSetRaw(uint8_t* registers, int index, uint8_t value);

// Sets register `index` to `count` when that is larger than its value, in either encoding (a sparse HLL
// may be promoted to dense: count > 32, or growing past `sparse_max_bytes`). 1: changed, 0: unchanged,
// -1: the sparse encoding is corrupt.
int SetRegister(std::string& value, int index, uint8_t count, int64_t sparse_max_bytes);
// Adds an element: SetRegister at its index with its pattern length.
int Add(std::string& value, std::string_view element, int64_t sparse_max_bytes);
// Sparse to dense in place (a dense value is left as it is). False: corrupt sparse encoding.
bool ToDense(std::string& value);

// max[i] = MAX(max[i], register i) over a value that passed LooksValid. False: corrupt sparse encoding.
bool MergeInto(uint8_t* max /* kRegisters */, std::string_view value);
// The estimate (Ertl's improved estimator, as Redis 7.0). `invalid` is set when a sparse encoding does
// not cover exactly kRegisters registers.
uint64_t Count(std::string_view value, bool* invalid);
// The same over plain byte registers (PFCOUNT of several keys).
uint64_t CountRaw(const uint8_t* registers);

// PFDEBUG DECODE's text ("Z:16384", "z:3 v:2,1 ...").
std::string Decode(std::string_view value);

// PFSELFTEST: "" when every check passes, else the error text to reply with.
std::string SelfTest(int64_t sparse_max_bytes);

}  // namespace redrock::server::hll
