#pragma once

// Status and Result<T>: the engine's error values. No exception crosses a
// module boundary; every fallible call returns one of these.
//
// A Status is a code plus a human-readable message. OK carries no message.
// Absence of a key is NOT an error: lookups return Result<bool> (found or not).

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lsmdb {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,        // a named object (file, snapshot) does not exist; never "key absent"
    kCorruption,      // bytes on disk failed a checksum or a format check
    kIOError,         // the OS refused a read, write, fsync, rename...
    kInvalidArgument, // the caller passed something unusable
    kNotSupported,
    kBusy,            // try again later (e.g. a manual compaction is running)
    kShutdown,        // the DB is closing
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  static Status Shutdown(std::string_view msg) { return Status(Code::kShutdown, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsShutdown() const { return code_ == Code::kShutdown; }

  Code code() const { return code_; }
  const std::string& message() const { return msg_; }

  // "Corruption: <message>", or "OK".
  std::string ToString() const {
    const char* name = "OK";
    switch (code_) {
      case Code::kOk: return "OK";
      case Code::kNotFound: name = "NotFound"; break;
      case Code::kCorruption: name = "Corruption"; break;
      case Code::kIOError: name = "IO error"; break;
      case Code::kInvalidArgument: name = "Invalid argument"; break;
      case Code::kNotSupported: name = "Not supported"; break;
      case Code::kBusy: name = "Busy"; break;
      case Code::kShutdown: name = "Shutdown"; break;
    }
    return std::string(name) + ": " + msg_;
  }

 private:
  Status(Code code, std::string_view msg) : code_(code), msg_(msg) {}
  Code code_ = Code::kOk;
  std::string msg_;
};

// Result<T> holds either a T or a non-OK Status (g++ 12 has no std::expected).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  // The error; OK when the Result holds a value.
  Status status() const { return ok() ? Status::OK() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

#define LSMDB_CONCAT_INNER_(a, b) a##b
#define LSMDB_CONCAT_(a, b) LSMDB_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define LSMDB_RETURN_IF_ERROR(expr)                              \
  do {                                                           \
    ::lsmdb::Status lsmdb_status_tmp_ = (expr);                  \
    if (!lsmdb_status_tmp_.ok()) return lsmdb_status_tmp_;       \
  } while (0)

// `lhs = value of expr` or return its Status. lhs may be a declaration.
#define LSMDB_ASSIGN_OR_RETURN(lhs, expr) \
  LSMDB_ASSIGN_OR_RETURN_IMPL_(LSMDB_CONCAT_(lsmdb_result_, __LINE__), lhs, expr)
#define LSMDB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

}  // namespace lsmdb
