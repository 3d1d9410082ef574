#pragma once
// Status and Result<T>: how every layer reports failure (the engine's operations, the server's listener,
// its configuration). Nothing below the connection throws. rocksdb::Status is converted inside the
// engine only. A public header of the common layer: the engine's and the server's public headers use it.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace redrock::common {

class Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound,        // the key does not exist (or has expired)
    kWrongType,       // the key holds another type
    kNotInteger,      // the value or argument is not an integer or is out of range
    kNotFloat,        // the value or argument is not a valid float
    kOverflow,        // an increment or decrement would overflow
    kNanOrInfinity,   // a float increment would produce NaN or Infinity
    kTooLarge,        // the string would exceed proto-max-bulk-len
    kInvalidArgument, // message() says what
    kIOError,         // storage failed (full disk, I/O error); message() has the detail
    kCorruption,
    kBusy,            // another instance holds the directory, or a resource is busy
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound() { return Status(Code::kNotFound, {}); }
  static Status WrongType() { return Status(Code::kWrongType, {}); }
  static Status NotInteger() { return Status(Code::kNotInteger, {}); }
  static Status NotFloat() { return Status(Code::kNotFloat, {}); }
  static Status Overflow() { return Status(Code::kOverflow, {}); }
  static Status NanOrInfinity() { return Status(Code::kNanOrInfinity, {}); }
  static Status TooLarge() { return Status(Code::kTooLarge, {}); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsWrongType() const { return code_ == Code::kWrongType; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), msg_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string msg_;
};

// Either a value or a non-OK Status. Accessing value() of a failed Result is a bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: must not be OK
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace redrock::common
