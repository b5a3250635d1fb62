#pragma once

#include <string>
#include <string_view>

#include "db/item/status.h"

namespace cirrus::wire {

// How DynamoDB reports an error kind:
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
struct ErrorShape {
  int http_status;
  std::string_view type;  // the "__type" value, namespace included
  bool capital_message;   // "Message" instead of "message" (Serialization, Transaction...)
};
ErrorShape ShapeOf(ErrorKind kind);

// The response body for a non-OK status; empty for kRequestTooLarge (HTTP 413).
// `extra_members` (`"Item":{...}`), when given, go after the message.
std::string ErrorBody(const Status& status, std::string_view extra_members = {});

}  // namespace cirrus::wire
