#pragma once
// Private to engine/zset_*.cc: the sorted-set member encoding (see zset.h for the layout) and the walks
// over the score index that every range command shares.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/types/collection.h"
#include "redrock/engine/zset.h"

namespace redrock::engine::zset {

inline constexpr char kMemberTag = 'm';  // 'm' + member -> score
inline constexpr char kScoreTag = 's';   // 's' + score + member -> ""
inline constexpr std::string_view kMemberSpace{"m", 1};
inline constexpr std::string_view kScoreSpace{"s", 1};
inline constexpr size_t kScoreBytes = 8;

// -0 becomes 0, so that equal scores have equal encodings (Redis orders them as equal too).
inline double Normalize(double score) { return score == 0 ? 0.0 : score; }

// Order-preserving 64-bit image of a (non-NaN, normalized) double, and back.
uint64_t ScoreBits(double score);
double ScoreFromBits(uint64_t bits);

// out = 'm' + member.
void MemberSuffix(std::string* out, std::string_view member);
// out = 's' + bits + member.
void IndexSuffix(std::string* out, uint64_t bits, std::string_view member);
// The 8-byte value stored under 'm' + member.
void ScoreValue(char out[kScoreBytes], double score);
// False when the stored value is malformed.
bool DecodeScoreValue(std::string_view value, double* score);

// A decoded score-index entry (its member views the iterator's key).
struct IndexEntry {
  uint64_t bits = 0;
  double score = 0;
  std::string_view member;
};
// Decodes the suffix of a score-index key ('s' + bits + member); false when malformed.
bool DecodeIndexSuffix(std::string_view suffix, IndexEntry* out);

// Adds or removes both keys of one member to/from the writer's batch.
void PutEntry(collection::Writer& writer, std::string_view member, double score, std::string* scratch);
void DeleteEntry(collection::Writer& writer, std::string_view member, double score, std::string* scratch);

// Reads one member's score through a Reader or Writer. found=false when missing.
inline Status GetScore(const collection::View& source, std::string_view member, std::string* scratch, double* score, bool* found) {
  MemberSuffix(scratch, member);
  std::string value;
  Status st = source.GetMember(*scratch, &value, found);
  if (!st.ok() || !*found) return st;
  if (!DecodeScoreValue(value, score)) return Status::Corruption("malformed sorted-set score");
  return Status::OK();
}

// Called once per selected entry, in selection order; return false to stop early.
using EntryFn = std::function<bool(const IndexEntry&)>;

// The entries a range query selects, walking `it` (an iterator over the score index, kScoreSpace) of a
// sorted set of `size` members. Rank queries may buffer (they walk from the nearer end); score and lex
// queries emit straight from the iterator.
Status SelectRange(collection::MemberIterator& it, uint64_t size, const ZRangeQuery& query, const EntryFn& fn);

// Appends the selection to `out` as ScoredMembers.
Status CollectRange(collection::MemberIterator& it, uint64_t size, const ZRangeQuery& query,
                    std::vector<ScoredMember>* out);

bool ScoreRangeEmpty(const ScoreRange& range);

}  // namespace redrock::engine::zset
