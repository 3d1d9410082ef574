#include "engine/compaction_filter.h"

#include <string>
#include <string_view>

#include "engine/encoding.h"

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
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& /*value*/,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    // TODO(issue 3): look up the key's metadata in "default" and drop the member when the key is gone,
    // expired, or its version differs from the member's.
    return false;
  }
  const char* Name() const override { return "redrock.MembersFilter"; }
};

class MembersCompactionFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    return std::make_unique<MembersCompactionFilter>();
  }
  const char* Name() const override { return "redrock.MembersFilterFactory"; }
};

}  // namespace

std::shared_ptr<rocksdb::CompactionFilterFactory> NewDataCompactionFilterFactory(std::shared_ptr<Clock> clock) {
  return std::make_shared<DataCompactionFilterFactory>(std::move(clock));
}

std::shared_ptr<rocksdb::CompactionFilterFactory> NewMembersCompactionFilterFactory() {
  return std::make_shared<MembersCompactionFilterFactory>();
}

}  // namespace redrock::engine
