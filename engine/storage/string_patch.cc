// The string patch merge operator (string_patch.h).
#include "engine/storage/string_patch.h"

#include <cstring>
#include <vector>

#include "engine/storage/encoding.h"

namespace redrock::engine {

namespace {

constexpr char kPatchTag = 'P';
constexpr size_t kPatchHeaderSize = 1 + 8 + 8;

struct Patch {
  int64_t expire_at_ms = 0;
  uint64_t offset = 0;
  std::string_view bytes;
};

bool DecodePatch(const rocksdb::Slice& operand, Patch* out) {
  if (operand.size() < kPatchHeaderSize || operand[0] != kPatchTag) return false;
  out->expire_at_ms = static_cast<int64_t>(encoding::GetFixed64BE(operand.data() + 1));
  out->offset = encoding::GetFixed64BE(operand.data() + 9);
  out->bytes = std::string_view(operand.data() + kPatchHeaderSize, operand.size() - kPatchHeaderSize);
  return true;
}

class StringPatchMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::vector<Patch> patches(in.operand_list.size());
    for (size_t i = 0; i < patches.size(); ++i) {
      if (!DecodePatch(in.operand_list[i], &patches[i])) return false;
    }
    std::string& value = out->new_value;
    if (in.existing_value != nullptr) {
      encoding::ValueHeader h;
      const std::string_view base(in.existing_value->data(), in.existing_value->size());
      if (!encoding::ParseValueHeader(base, &h) || h.type != KeyType::kString) return false;
      value.assign(base);
    } else {
      const int64_t expire_at = patches.empty() ? 0 : patches.front().expire_at_ms;
      value.assign(encoding::kValueHeaderSize, '\0');
      encoding::EncodeStringHeader(value.data(), expire_at);
    }
    for (const Patch& p : patches) {
      const size_t at = encoding::kValueHeaderSize + p.offset;
      if (value.size() < at + p.bytes.size()) value.resize(at + p.bytes.size(), '\0');
      if (!p.bytes.empty()) std::memcpy(value.data() + at, p.bytes.data(), p.bytes.size());
    }
    return true;
  }
  const char* Name() const override { return "redrock.StringPatch"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewStringPatchMergeOperator() {
  return std::make_shared<StringPatchMergeOperator>();
}

std::string EncodeStringPatch(int64_t expire_at_ms, uint64_t offset, std::string_view part1, std::string_view part2) {
  std::string out(kPatchHeaderSize, '\0');
  out[0] = kPatchTag;
  encoding::PutFixed64BE(out.data() + 1, static_cast<uint64_t>(expire_at_ms));
  encoding::PutFixed64BE(out.data() + 9, offset);
  out.reserve(out.size() + part1.size() + part2.size());
  out.append(part1);
  out.append(part2);
  return out;
}

}  // namespace redrock::engine
