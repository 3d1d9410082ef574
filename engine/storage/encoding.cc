#include "engine/storage/encoding.h"

#include <cstring>

namespace redrock::engine::encoding {

void PutFixed64BE(char* dst, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    dst[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t GetFixed64BE(const char* src) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(src[i]);
  return v;
}

void AppendFixed64BE(std::string* out, uint64_t v) {
  char buf[8];
  PutFixed64BE(buf, v);
  out->append(buf, 8);
}

void EncodeDataKey(std::string* out, int db, std::string_view key) {
  out->clear();
  out->reserve(key.size() + 1);
  out->push_back(static_cast<char>(db));
  out->append(key);
}

std::string DbBegin(int db) { return std::string(1, static_cast<char>(db)); }

std::string DbEnd(int db) { return PrefixSuccessor(DbBegin(db)); }

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(s.back());
    if (c != 0xff) {
      ++c;
      return s;
    }
    s.pop_back();
  }
  return s;
}

bool ParseValueHeader(std::string_view raw, ValueHeader* out) {
  if (raw.size() < kValueHeaderSize) return false;
  const auto type = static_cast<KeyType>(static_cast<uint8_t>(raw[0]));
  out->type = type;
  out->expire_at_ms = static_cast<int64_t>(GetFixed64BE(raw.data() + 1));
  switch (type) {
    case KeyType::kString:
      out->version = 0;
      out->size = 0;
      out->payload = raw.substr(kValueHeaderSize);
      return true;
    case KeyType::kHash:
    case KeyType::kSet:
    case KeyType::kList:
    case KeyType::kZSet:
    case KeyType::kStream:
      if (raw.size() < kCollectionHeaderSize) return false;
      out->version = GetFixed64BE(raw.data() + 9);
      out->size = GetFixed64BE(raw.data() + 17);
      out->payload = raw.substr(kCollectionHeaderSize);
      return true;
    default:
      return false;
  }
}

void EncodeStringHeader(char* dst9, int64_t expire_at_ms) {
  dst9[0] = static_cast<char>(KeyType::kString);
  PutFixed64BE(dst9 + 1, static_cast<uint64_t>(expire_at_ms));
}

std::string EncodeStringValue(int64_t expire_at_ms, std::string_view payload) {
  std::string out(kValueHeaderSize + payload.size(), '\0');
  EncodeStringHeader(out.data(), expire_at_ms);
  if (!payload.empty()) std::memcpy(out.data() + kValueHeaderSize, payload.data(), payload.size());
  return out;
}

std::string WithExpiry(std::string_view raw, int64_t expire_at_ms) {
  std::string out(raw);
  if (out.size() >= kValueHeaderSize) PutFixed64BE(out.data() + 1, static_cast<uint64_t>(expire_at_ms));
  return out;
}

void EncodeExpiryKey(std::string* out, int64_t expire_at_ms, int db, std::string_view key) {
  out->clear();
  out->reserve(9 + key.size());
  AppendFixed64BE(out, static_cast<uint64_t>(expire_at_ms));
  out->push_back(static_cast<char>(db));
  out->append(key);
}

bool DecodeExpiryKey(std::string_view ekey, int64_t* expire_at_ms, int* db, std::string_view* key) {
  if (ekey.size() < 9) return false;
  *expire_at_ms = static_cast<int64_t>(GetFixed64BE(ekey.data()));
  *db = static_cast<uint8_t>(ekey[8]);
  *key = ekey.substr(9);
  return true;
}

std::string ExpiryUpperBound(int64_t at_ms) {
  std::string out;
  AppendFixed64BE(&out, static_cast<uint64_t>(at_ms) + 1);
  return out;
}

std::string KeysCounterKey(int db) { return "keys:" + std::to_string(db); }
std::string ExpiresCounterKey(int db) { return "expires:" + std::to_string(db); }

std::string EncodeCounter(int64_t v) {
  std::string out(8, '\0');
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(u & 0xff);
    u >>= 8;
  }
  return out;
}

bool DecodeCounter(std::string_view s, int64_t* v) {
  if (s.size() != 8) return false;
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<uint8_t>(s[i]);
  *v = static_cast<int64_t>(u);
  return true;
}

}  // namespace redrock::engine::encoding
