#include "server/wire/errors.h"

#include "server/wire/json_writer.h"

namespace cirrus::wire {

ErrorShape ShapeOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk:
      return {200, "", false};
    case ErrorKind::kValidation:
      return {400, "com.amazon.coral.validate#ValidationException", false};
    case ErrorKind::kSerialization:
      return {400, "com.amazon.coral.service#SerializationException", true};
    case ErrorKind::kUnknownOperation:
      return {400, "com.amazon.coral.service#UnknownOperationException", false};
    case ErrorKind::kMissingAuthenticationToken:
      return {400, "com.amazon.coral.service#MissingAuthenticationTokenException", false};
    case ErrorKind::kIncompleteSignature:
      return {400, "com.amazon.coral.service#IncompleteSignatureException", false};
    case ErrorKind::kInvalidSignature:
      return {400, "com.amazon.coral.service#InvalidSignatureException", false};
    case ErrorKind::kUnrecognizedClient:
      return {400, "com.amazon.coral.service#UnrecognizedClientException", false};
    case ErrorKind::kAccessDenied:
      return {400, "com.amazon.coral.service#AccessDeniedException", false};
    case ErrorKind::kResourceNotFound:
      return {400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", false};
    case ErrorKind::kTableNotFound:
      return {400, "com.amazonaws.dynamodb.v20120810#TableNotFoundException", false};
    case ErrorKind::kResourceInUse:
      return {400, "com.amazonaws.dynamodb.v20120810#ResourceInUseException", false};
    case ErrorKind::kConditionalCheckFailed:
      return {400, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", false};
    case ErrorKind::kTransactionCanceled:
      return {400, "com.amazonaws.dynamodb.v20120810#TransactionCanceledException", true};
    case ErrorKind::kTransactionInProgress:
      return {400, "com.amazonaws.dynamodb.v20120810#TransactionInProgressException", true};
    case ErrorKind::kTransactionConflict:
      return {400, "com.amazonaws.dynamodb.v20120810#TransactionConflictException", false};
    case ErrorKind::kIdempotentParameterMismatch:
      return {400, "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException", true};
    case ErrorKind::kLimitExceeded:
      return {400, "com.amazonaws.dynamodb.v20120810#LimitExceededException", false};
    case ErrorKind::kItemCollectionSizeLimitExceeded:
      return {400, "com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException",
              false};
    case ErrorKind::kExpiredIterator:
      return {400, "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException", false};
    case ErrorKind::kTrimmedDataAccess:
      return {400, "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException", false};
    case ErrorKind::kBackupNotFound:
      return {400, "com.amazonaws.dynamodb.v20120810#BackupNotFoundException", false};
    case ErrorKind::kBackupInUse:
      return {400, "com.amazonaws.dynamodb.v20120810#BackupInUseException", false};
    case ErrorKind::kTableAlreadyExists:
      return {400, "com.amazonaws.dynamodb.v20120810#TableAlreadyExistsException", false};
    case ErrorKind::kTableInUse:
      return {400, "com.amazonaws.dynamodb.v20120810#TableInUseException", false};
    case ErrorKind::kPointInTimeRecoveryUnavailable:
      return {400, "com.amazonaws.dynamodb.v20120810#PointInTimeRecoveryUnavailableException",
              false};
    case ErrorKind::kDuplicateItem:
      return {400, "com.amazonaws.dynamodb.v20120810#DuplicateItemException", false};
    case ErrorKind::kProvisionedThroughputExceeded:
      return {400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", false};
    case ErrorKind::kRequestTooLarge:
      return {413, "", false};
    case ErrorKind::kInternal:
      return {500, "com.amazonaws.dynamodb.v20120810#InternalServerError", false};
  }
  return {500, "com.amazonaws.dynamodb.v20120810#InternalServerError", false};
}

std::string ErrorBody(const Status& status, std::string_view extra_members) {
  ErrorShape shape = ShapeOf(status.kind());
  if (shape.type.empty()) return "";
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("__type");
  w.String(shape.type);
  if (!status.message().empty()) {
    w.Key(shape.capital_message ? "Message" : "message");
    w.String(status.message());
  }
  if (!extra_members.empty()) {
    body.push_back(',');
    body.append(extra_members);
  }
  w.EndObject();
  return body;
}

}  // namespace cirrus::wire
