// String patches (engine/storage/string_patch.h): small edits of big string values are written as merge
// operands on the data column family. Every read path must see the patched value, through the memtable,
// after a flush, after compaction, after a reopen (WAL replay), with and without the value cache, and
// whatever replaces or removes the key must hide the patches before it.
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>

#include "engine/storage/encoding.h"
#include "engine/storage/string_patch.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {

// Sets bit `bit` of `value` (Redis's bit order: bit 0 is the most significant bit of byte 0).
void SetBitIn(std::string* value, uint64_t bit) {
  if (value->size() <= bit / 8) value->resize(bit / 8 + 1, '\0');
  (*value)[bit / 8] = static_cast<char>(static_cast<uint8_t>((*value)[bit / 8]) | (0x80 >> (bit % 8)));
}

// SETBIT through ModifyString, as the server's SETBIT does.
void SetBit(Engine& e, std::string_view key, uint64_t bit) {
  REQUIRE(e.ModifyString(0, key, [&](bool, std::string* v, Engine::StoreMode* mode) {
             SetBitIn(v, bit);
             *mode = Engine::StoreMode::kStore;
             return Status::OK();
           }).ok());
}

// How many entries a read of `key` folds: 1 for a whole value, 1 + n with n patches over it.
int OperandsOf(Engine& e, std::string_view key) {
  Engine::Impl& impl = EngineTestPeer::ImplOf(e);
  std::string dkey;
  encoding::EncodeDataKey(&dkey, 0, key);
  std::vector<rocksdb::PinnableSlice> slices(256);
  rocksdb::GetMergeOperandsOptions o;
  o.expected_max_number_of_operands = static_cast<int>(slices.size());
  int n = 0;
  REQUIRE(impl.db->GetMergeOperands(rocksdb::ReadOptions(), impl.data_cf, dkey, slices.data(), &o, &n).ok());
  return n;
}

void FlushAndCompact(Engine& e) {
  Engine::Impl& impl = EngineTestPeer::ImplOf(e);
  REQUIRE(e.Flush().ok());
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  REQUIRE(impl.db->CompactRange(o, impl.data_cf, nullptr, nullptr).ok());
}

class PatchFixture : public EngineFixture {
 public:
  explicit PatchFixture(size_t cache_bytes) {
    Options o = MakeOptions();
    o.value_cache_bytes = cache_bytes;
    Close();
    Open(o);
    options = o;
  }
  void ReopenSame() {
    Close();
    Open(options);
  }
  Options options;
};

}  // namespace

TEST_CASE("String patches: SETBIT on a big value reads back everywhere", "[engine][strings][patch]") {
  const size_t cache = GENERATE(size_t{0}, size_t{16} << 20);
  PatchFixture f(cache);
  std::string expected(64 * 1024, '\0');
  f.Set(0, "bits", expected, f.Now() + 3'600'000);
  std::mt19937_64 rng(42);
  // The first edit is a patch over the whole value.
  CHECK(OperandsOf(f.e(), "bits") == 1);
  SetBit(f.e(), "bits", 9);
  SetBitIn(&expected, 9);
  CHECK(OperandsOf(f.e(), "bits") == 2);
  for (int i = 0; i < 200; ++i) {
    const uint64_t bit = rng() % (expected.size() * 8 + 4000);  // some grow the value
    SetBitIn(&expected, bit);
    SetBit(f.e(), "bits", bit);
    if (i % 37 == 0) CHECK(f.Get(0, "bits") == expected);
    // max_successive_merges folds them, so a read never has many to apply.
    REQUIRE(OperandsOf(f.e(), "bits") <= 66);
  }
  CHECK(f.Get(0, "bits") == expected);
  CHECK(*f.e().StrLen(0, "bits") == static_cast<int64_t>(expected.size()));
  CHECK(*f.e().GetRange(0, "bits", 100, 199) == expected.substr(100, 100));
  CHECK(*f.e().PTtl(0, "bits") == 3'600'000);
  CHECK(f.DbSize(0) == 1);
  CHECK(f.e().Keyspace(0).expires == 1);

  SECTION("after a flush and a compaction") {
    FlushAndCompact(f.e());
    CHECK(OperandsOf(f.e(), "bits") == 1);
    CHECK(f.Get(0, "bits") == expected);
    SetBit(f.e(), "bits", 7);
    SetBitIn(&expected, 7);
    CHECK(f.Get(0, "bits") == expected);
  }
  SECTION("after a reopen (the WAL replays the patches)") {
    f.ReopenSame();
    CHECK(f.Get(0, "bits") == expected);
    CHECK(*f.e().PTtl(0, "bits") == 3'600'000);
    CHECK(f.DbSize(0) == 1);
  }
  SECTION("what replaces or removes the key hides the patches") {
    f.Set(0, "bits", "small");
    CHECK(f.Get(0, "bits") == "small");
    FlushAndCompact(f.e());
    CHECK(f.Get(0, "bits") == "small");
    f.Set(0, "bits", expected);
    SetBit(f.e(), "bits", 0);
    const std::vector<std::string_view> keys = {"bits"};
    REQUIRE(*f.e().Delete(0, keys) == 1);
    CHECK_FALSE(f.Get(0, "bits"));
    // A new key after the delete: the earlier patches do not come back.
    SetBit(f.e(), "bits", 3);
    CHECK(f.Get(0, "bits") == std::string(1, '\x10'));
    FlushAndCompact(f.e());
    CHECK(f.Get(0, "bits") == std::string(1, '\x10'));
    f.ReopenSame();
    CHECK(f.Get(0, "bits") == std::string(1, '\x10'));
  }
  SECTION("RENAME, COPY, expiry changes and GETDEL carry the patched value") {
    REQUIRE(*f.e().Rename(0, "bits", "moved", false));
    CHECK(f.Get(0, "moved") == expected);
    REQUIRE(*f.e().Copy(0, "moved", 1, "copy", false));
    CHECK(f.Get(1, "copy") == expected);
    SetBit(f.e(), "copy", 1);
    CHECK(f.Get(0, "moved") == expected);
    REQUIRE(*f.e().Persist(0, "moved"));
    SetBit(f.e(), "moved", 2);
    SetBitIn(&expected, 2);
    CHECK(f.Get(0, "moved") == expected);
    CHECK(*f.e().PTtl(0, "moved") == kTtlNone);
    CHECK(*f.e().GetDel(0, "moved") == expected);
    CHECK_FALSE(f.Get(0, "moved"));
  }
  SECTION("the key still expires") {
    f.clock->AdvanceMs(3'600'001);
    CHECK_FALSE(f.Get(0, "bits"));
    CHECK(EngineTestPeer::RunExpiryCycle(f.e()) == 1);
    CHECK(f.DbSize(0) == 0);
    // SETBIT on the expired key makes a new one, without the old bits.
    SetBit(f.e(), "bits", 0);
    CHECK(f.Get(0, "bits") == std::string(1, '\x80'));
    CHECK(*f.e().PTtl(0, "bits") == kTtlNone);
  }
}

TEST_CASE("String patches: APPEND and SETRANGE on big values", "[engine][strings][patch]") {
  PatchFixture f(0);
  std::string expected(5000, 'a');
  f.Set(0, "s", expected);
  for (int i = 0; i < 150; ++i) {
    const std::string piece = "piece" + std::to_string(i);
    REQUIRE(*f.e().Append(0, "s", piece) == static_cast<int64_t>(expected.size() + piece.size()));
    expected += piece;
    if (i % 3 == 0) {
      const int64_t at = (i * 131) % static_cast<int64_t>(expected.size());
      REQUIRE(f.e().SetRange(0, "s", at, "XYZ").ok());
      expected.replace(static_cast<size_t>(at), std::min<size_t>(3, expected.size() - at), "XYZ");
      if (expected.size() < static_cast<size_t>(at) + 3) expected.resize(static_cast<size_t>(at) + 3);
    }
  }
  CHECK(f.Get(0, "s") == expected);
  // SETRANGE past the end pads with zero bytes.
  REQUIRE(*f.e().SetRange(0, "s", static_cast<int64_t>(expected.size()) + 10, "end") ==
          static_cast<int64_t>(expected.size()) + 13);
  expected.append(10, '\0');
  expected += "end";
  CHECK(f.Get(0, "s") == expected);
  FlushAndCompact(f.e());
  CHECK(f.Get(0, "s") == expected);
  f.ReopenSame();
  CHECK(f.Get(0, "s") == expected);
}

TEST_CASE("String patch merge operator: a patch without its base value", "[engine][strings][patch]") {
  // The data compaction filter can drop an expired string while patches of it sit in newer files: they
  // then fold into a value with the expiry the dropped one had, so it stays expired.
  auto op = NewStringPatchMergeOperator();
  const std::string p1 = EncodeStringPatch(1234, 2, "ab");
  const std::string p2 = EncodeStringPatch(1234, 0, "Z");
  std::vector<rocksdb::Slice> operands = {p1, p2};
  std::string out;
  rocksdb::Slice existing_operand(nullptr, 0);
  rocksdb::MergeOperator::MergeOperationOutput output(out, existing_operand);
  rocksdb::MergeOperator::MergeOperationInput input("k", nullptr, operands, nullptr);
  REQUIRE(op->FullMergeV2(input, &output));
  encoding::ValueHeader h;
  REQUIRE(encoding::ParseValueHeader(out, &h));
  CHECK(h.type == KeyType::kString);
  CHECK(h.expire_at_ms == 1234);
  CHECK(h.payload == std::string_view("Z\0ab", 4));
  // Over a base: the base's header is kept, the payload patched and grown.
  const std::string base = encoding::EncodeStringValue(99, "xyz");
  rocksdb::Slice base_slice(base);
  std::string out2;
  rocksdb::MergeOperator::MergeOperationOutput output2(out2, existing_operand);
  rocksdb::MergeOperator::MergeOperationInput input2("k", &base_slice, operands, nullptr);
  REQUIRE(op->FullMergeV2(input2, &output2));
  REQUIRE(encoding::ParseValueHeader(out2, &h));
  CHECK(h.expire_at_ms == 99);
  CHECK(h.payload == "Zyab");
  // A malformed operand fails the merge instead of guessing.
  const std::string bad = "nonsense";
  std::vector<rocksdb::Slice> bad_operands = {bad};
  std::string out3;
  rocksdb::MergeOperator::MergeOperationOutput output3(out3, existing_operand);
  rocksdb::MergeOperator::MergeOperationInput input3("k", &base_slice, bad_operands, nullptr);
  CHECK_FALSE(op->FullMergeV2(input3, &output3));
}

}  // namespace redrock::engine::test
