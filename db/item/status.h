#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace cirrus {

// Errors a caller can act on. Each kind is one DynamoDB error type;
// server/wire/errors.cc alone knows its HTTP status and "__type" string.
enum class ErrorKind : uint8_t {
  kOk,
  kValidation,
  kSerialization,
  kResourceNotFound,
  kTableNotFound,  // the continuous-backups operations' way of saying ResourceNotFound
  kResourceInUse,
  kConditionalCheckFailed,
  kTransactionCanceled,
  kTransactionInProgress,
  kTransactionConflict,  // a plain write to an item a transaction is writing
  kIdempotentParameterMismatch,
  kLimitExceeded,
  kItemCollectionSizeLimitExceeded,
  kUnknownOperation,
  kMissingAuthenticationToken,
  kIncompleteSignature,
  kInvalidSignature,
  kUnrecognizedClient,
  kAccessDenied,
  kRequestTooLarge,  // HTTP 413, empty body (as DynamoDB)
  kExpiredIterator,     // DynamoDB Streams
  kTrimmedDataAccess,
  kBackupNotFound,      // on-demand backups and restores
  kBackupInUse,
  kTableAlreadyExists,
  kTableInUse,
  kPointInTimeRecoveryUnavailable,
  kDuplicateItem,  // PartiQL INSERT of an existing key
  kProvisionedThroughputExceeded,  // --enforce-capacity
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }  // DynamoDB's exact text

 private:
  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
};

inline Status ValidationError(std::string message) {
  return Status(ErrorKind::kValidation, std::move(message));
}
inline Status InternalError(std::string message) {
  return Status(ErrorKind::kInternal, std::move(message));
}

// A T or a non-OK Status. Modeled on absl::StatusOr, without exceptions.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit like StatusOr
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // REQUIRES: ok().
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace cirrus

#define CIRRUS_CONCAT_INNER_(a, b) a##b
#define CIRRUS_CONCAT_(a, b) CIRRUS_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function unless it is OK.
#define CIRRUS_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::cirrus::Status cirrus_status_ = (expr);   \
    if (!cirrus_status_.ok()) return cirrus_status_; \
  } while (0)

// `decl` = the value of the Result `expr`, or returns its Status.
#define CIRRUS_ASSIGN_OR_RETURN(decl, expr)                                  \
  auto CIRRUS_CONCAT_(cirrus_result_, __LINE__) = (expr);                     \
  if (!CIRRUS_CONCAT_(cirrus_result_, __LINE__).ok())                         \
    return std::move(CIRRUS_CONCAT_(cirrus_result_, __LINE__)).status();      \
  decl = std::move(CIRRUS_CONCAT_(cirrus_result_, __LINE__)).value()
