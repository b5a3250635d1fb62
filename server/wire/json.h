#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/item/status.h"

namespace cirrus::wire {

// A value in a parsed JSON document (a simdjson DOM element, held opaquely so that
// simdjson.h stays out of headers). Valid until the thread parses its next document.
class JsonValue {
 public:
  enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  JsonValue() = default;
  Type type() const;
  bool is(Type t) const { return type() == t; }

  // REQUIRES: the matching type.
  std::string_view string() const;
  bool boolean() const;
  bool is_integer() const;  // a number without fraction or exponent that fits int64
  int64_t integer() const;  // REQUIRES: is_integer()
  double number() const;

  // Object members in document order (keys unescaped) / array elements. Empty for others.
  std::vector<std::pair<std::string_view, JsonValue>> members() const;
  std::vector<JsonValue> elements() const;
  size_t size() const;  // members or elements
  // The member `key` of an object; nullopt when absent, JSON null or not an object.
  std::optional<JsonValue> Find(std::string_view key) const;

 private:
  friend class JsonParser;
  alignas(8) unsigned char element_[16] = {};  // a trivially copyable simdjson::dom::element
};

// Parses request bodies. One per thread; reuses its buffers.
class JsonParser {
 public:
  JsonParser();
  ~JsonParser();
  JsonParser(const JsonParser&) = delete;
  JsonParser& operator=(const JsonParser&) = delete;

  // Parses `body`, which must be followed by kPadding readable bytes (body->reserve). The
  // whole document is validated (UTF-8, syntax, trailing bytes); nesting is limited to
  // kMaxDepth. kSerialization when malformed; a body that is not JSON at all has a message
  // starting with kNotJson (which the API leaves out, as DynamoDB does).
  Result<JsonValue> Parse(std::string* body);
  static constexpr std::string_view kNotJson = "Could not parse request body into json: ";

  static constexpr size_t kPadding = 64;  // SIMDJSON_PADDING, checked in json.cc
  static constexpr size_t kMaxDepth = 128;  // > 2 levels per item nesting level (32) + request

 private:
  struct Impl;
  Impl* impl_;
};

// A 16-byte digest of `value` that does not depend on its object members' order or on the
// document's spacing: two requests whose digests are equal ask the same thing (a
// transaction's ClientRequestToken idempotency). XXH3-128, not a cryptographic hash.
std::string Digest(const JsonValue& value);

// The serialization error DynamoDB gives a member of the wrong JSON type, e.g.
// "NUMBER_VALUE cannot be converted to String". `expected`: "String", "Boolean", "Long",
// "Integer", "Map", "List", "Structure".
Status TypeMismatch(const JsonValue& found, std::string_view expected);

}  // namespace cirrus::wire
