#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/status.h"
#include "server/wire/json.h"

namespace cirrus::server {

// Reads the members of a request object the way DynamoDB's front end does: a member of the
// wrong JSON type is a SerializationException (the first one wins); a value breaking a
// model constraint is recorded and all of them are reported together, as in
//   2 validation errors detected: Value null at 'tableName' failed to satisfy constraint:
//   Member must not be null; Value '0' at 'limit' failed to satisfy constraint: ...
// JSON null reads as absent.
class RequestReader {
 public:
  // `path` names this object in messages, lowerCamel: "" for the request itself,
  // "provisionedThroughput", "keySchema.1.member".
  explicit RequestReader(const wire::JsonValue& object, std::string path = "");

  std::optional<std::string_view> String(std::string_view member);
  std::optional<int64_t> Long(std::string_view member);
  std::optional<bool> Bool(std::string_view member);
  // A timestamp as the JSON 1.0 protocol sends one: epoch seconds, a number.
  std::optional<double> Timestamp(std::string_view member);
  std::optional<wire::JsonValue> Object(std::string_view member);  // a structure or a map
  std::optional<std::vector<wire::JsonValue>> List(std::string_view member);
  // A list of strings; a non-string element is a SerializationException, as DynamoDB's
  // ("NUMBER_VALUE cannot be converted to String"), and ends the list there.
  std::optional<std::vector<std::string>> StringList(std::string_view member);

  // Reads a nested structure with the same error lists; `path` is its message path.
  RequestReader Nested(const wire::JsonValue& object, std::string path);
  // Element `index` of list `member` as a structure; nullopt (a serialization error) when it
  // is not a JSON object.
  std::optional<RequestReader> Element(std::string_view member, size_t index,
                                       const wire::JsonValue& element);
  // "keySchema.1.member": the message path of element `index` (0-based) of list `member`.
  std::string ElementPath(std::string_view member, size_t index) const;
  std::string PathOf(std::string_view member) const;

  // Constraint checks. Each records "Value ... at '<path>' failed to satisfy constraint: ...".
  void Required(std::string_view member, bool present);
  void Length(std::string_view member, std::optional<std::string_view> value, size_t min,
              size_t max);
  void Count(std::string_view member, size_t count, size_t min, size_t max);
  void Minimum(std::string_view member, std::optional<int64_t> value, int64_t min);
  void Maximum(std::string_view member, std::optional<int64_t> value, int64_t max);
  void Enum(std::string_view member, std::optional<std::string_view> value,
            std::initializer_list<std::string_view> allowed);
  // Table and index names: 3..255 characters of [a-zA-Z0-9_.-].
  void Name(std::string_view member, std::optional<std::string_view> value);
  // A custom constraint text for `member` holding the printed `value`.
  void Violation(std::string_view member, std::string_view printed_value,
                 std::string_view constraint);
  // A violation worded entirely by the caller ("Value at 'Limit' failed to satisfy ...").
  void RawViolation(std::string text);

  // OK, the first serialization error, or the collected violations (at most 10 listed).
  Status Finish() const;
  bool failed() const;

 private:
  struct Errors {
    Status serialization;
    std::vector<std::string> violations;
  };
  RequestReader(const wire::JsonValue& object, std::string path, std::shared_ptr<Errors> errors);
  std::optional<wire::JsonValue> Member(std::string_view member);

  wire::JsonValue object_;
  std::string path_;
  std::shared_ptr<Errors> errors_;
};

// "TableName" -> "tableName", as DynamoDB names members in validation messages.
std::string LowerCamel(std::string_view member);

}  // namespace cirrus::server
