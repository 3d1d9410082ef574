#include "engine/storage/compaction_filter.h"

#include <string>
#include <string_view>

#include "engine/types/collection.h"
#include "engine/storage/encoding.h"

namespace redrock::engine {

namespace {

class DataCompactionFilter final : public rocksdb::CompactionFilter {
 public:
  explicit DataCompactionFilter(int64_t drop_before_ms) : drop_before_ms_(drop_before_ms) {}

  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    if (value.size() < encoding::kValueHeaderSize) return false;
    const auto expire_at = static_cast<int64_t>(encoding::GetFixed64BE(value.data() + 1));
    return expire_at != 0 && expire_at < drop_before_ms_;
  }
  const char* Name() const override { return "redrock.DataExpiryFilter"; }

 private:
  const int64_t drop_before_ms_;  // fixed per compaction: the clock is read once
};

class DataCompactionFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit DataCompactionFilterFactory(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    return std::make_unique<DataCompactionFilter>(clock_->NowMs() - kCompactionExpiryMarginMs);
  }
  const char* Name() const override { return "redrock.DataExpiryFilterFactory"; }

 private:
  std::shared_ptr<Clock> clock_;
};

class MembersCompactionFilter final : public rocksdb::CompactionFilter {
 public:
  explicit MembersCompactionFilter(std::shared_ptr<MembersFilterContext> context) : context_(std::move(context)) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& /*value*/,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    rocksdb::DB* db = context_->db.load(std::memory_order_acquire);
    rocksdb::ColumnFamilyHandle* data_cf = context_->data_cf.load(std::memory_order_acquire);
    if (db == nullptr || data_cf == nullptr) return false;
    int member_db = 0;
    std::string_view user_key, suffix;
    uint64_t version = 0;
    if (!collection::DecodeMemberKey(std::string_view(key.data(), key.size()), &member_db, &user_key, &version,
                                     &suffix)) {
      return false;  // not ours to judge
    }
    encoding::EncodeDataKey(&data_key_, member_db, user_key);
    rocksdb::PinnableSlice meta;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), data_cf, data_key_, &meta);
    if (s.IsNotFound()) return true;
    if (!s.ok()) return false;  // keep on doubt
    encoding::ValueHeader header;
    if (!encoding::ParseValueHeader(std::string_view(meta.data(), meta.size()), &header)) return false;
    return header.type == KeyType::kString || header.version != version;
  }
  const char* Name() const override { return "redrock.MembersFilter"; }

 private:
  std::shared_ptr<MembersFilterContext> context_;
  mutable std::string data_key_;  // a filter is used by one compaction thread at a time
};

class MembersCompactionFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit MembersCompactionFilterFactory(std::shared_ptr<MembersFilterContext> context)
      : context_(std::move(context)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    return std::make_unique<MembersCompactionFilter>(context_);
  }
  const char* Name() const override { return "redrock.MembersFilterFactory"; }

 private:
  std::shared_ptr<MembersFilterContext> context_;
};

}  // namespace

std::shared_ptr<rocksdb::CompactionFilterFactory> NewDataCompactionFilterFactory(std::shared_ptr<Clock> clock) {
  return std::make_shared<DataCompactionFilterFactory>(std::move(clock));
}

std::shared_ptr<rocksdb::CompactionFilterFactory> NewMembersCompactionFilterFactory(
    std::shared_ptr<MembersFilterContext> context) {
  return std::make_shared<MembersCompactionFilterFactory>(std::move(context));
}

}  // namespace redrock::engine
