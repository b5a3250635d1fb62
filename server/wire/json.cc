#include "server/wire/json.h"

#include <simdjson.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>

namespace cirrus::wire {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

static_assert(sizeof(element) == 16 && alignof(element) <= 8, "JsonValue storage");
static_assert(std::is_trivially_copyable_v<element>, "JsonValue copies elements bytewise");
static_assert(JsonParser::kPadding == simdjson::SIMDJSON_PADDING, "padding");

element Get(const unsigned char* storage) {
  element e;
  std::memcpy(static_cast<void*>(&e), storage, sizeof(e));
  return e;
}

}  // namespace

struct JsonParser::Impl {
  simdjson::dom::parser parser;
};

JsonValue::Type JsonValue::type() const {
  switch (Get(element_).type()) {
    case element_type::OBJECT: return Type::kObject;
    case element_type::ARRAY: return Type::kArray;
    case element_type::STRING: return Type::kString;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return Type::kNumber;
    case element_type::BOOL: return Type::kBool;
    case element_type::NULL_VALUE: return Type::kNull;
  }
  return Type::kNull;
}

std::string_view JsonValue::string() const {
  std::string_view s;
  if (Get(element_).get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

bool JsonValue::boolean() const {
  bool b = false;
  if (Get(element_).get_bool().get(b) != simdjson::SUCCESS) return false;
  return b;
}

bool JsonValue::is_integer() const { return Get(element_).type() == element_type::INT64; }

int64_t JsonValue::integer() const {
  int64_t v = 0;
  if (Get(element_).get_int64().get(v) != simdjson::SUCCESS) return 0;
  return v;
}

double JsonValue::number() const {
  element e = Get(element_);
  double d = 0;
  int64_t i = 0;
  uint64_t u = 0;
  if (e.get_double().get(d) == simdjson::SUCCESS) return d;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  return 0;
}

std::vector<std::pair<std::string_view, JsonValue>> JsonValue::members() const {
  std::vector<std::pair<std::string_view, JsonValue>> out;
  simdjson::dom::object object;
  if (Get(element_).get_object().get(object) != simdjson::SUCCESS) return out;
  out.reserve(object.size());
  for (auto member : object) {
    JsonValue v;
    std::memcpy(v.element_, static_cast<const void*>(&member.value), sizeof(element));
    out.emplace_back(member.key, v);
  }
  return out;
}

std::vector<JsonValue> JsonValue::elements() const {
  std::vector<JsonValue> out;
  simdjson::dom::array array;
  if (Get(element_).get_array().get(array) != simdjson::SUCCESS) return out;
  out.reserve(array.size());
  for (element e : array) {
    JsonValue v;
    std::memcpy(v.element_, static_cast<const void*>(&e), sizeof(element));
    out.push_back(v);
  }
  return out;
}

size_t JsonValue::size() const {
  element e = Get(element_);
  simdjson::dom::object object;
  if (e.get_object().get(object) == simdjson::SUCCESS) return object.size();
  simdjson::dom::array array;
  if (e.get_array().get(array) == simdjson::SUCCESS) return array.size();
  return 0;
}

namespace {

// Feeds `v` to `state` as a type tag, then its contents with their lengths, object members
// sorted by key: an unambiguous, order-independent serialization.
void Feed(XXH3_state_t* state, const JsonValue& v) {
  const auto type = static_cast<uint8_t>(v.type());
  XXH3_128bits_update(state, &type, 1);
  auto feed_size = [&](uint64_t n) { XXH3_128bits_update(state, &n, sizeof(n)); };
  auto feed_string = [&](std::string_view s) {
    feed_size(s.size());
    XXH3_128bits_update(state, s.data(), s.size());
  };
  switch (v.type()) {
    case JsonValue::Type::kNull:
      break;
    case JsonValue::Type::kBool:
      feed_size(v.boolean());
      break;
    case JsonValue::Type::kNumber: {
      const double d = v.number();
      XXH3_128bits_update(state, &d, sizeof(d));
      break;
    }
    case JsonValue::Type::kString:
      feed_string(v.string());
      break;
    case JsonValue::Type::kArray: {
      std::vector<JsonValue> elements = v.elements();
      feed_size(elements.size());
      for (const JsonValue& e : elements) Feed(state, e);
      break;
    }
    case JsonValue::Type::kObject: {
      std::vector<std::pair<std::string_view, JsonValue>> members = v.members();
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      feed_size(members.size());
      for (const auto& [key, value] : members) {
        feed_string(key);
        Feed(state, value);
      }
      break;
    }
  }
}

}  // namespace

std::string Digest(const JsonValue& value) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                  &XXH3_freeState);
  XXH3_128bits_reset(state.get());
  Feed(state.get(), value);
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state.get()));
  return std::string(reinterpret_cast<const char*>(canonical.digest), sizeof(canonical.digest));
}

std::optional<JsonValue> JsonValue::Find(std::string_view key) const {
  simdjson::dom::object object;
  if (Get(element_).get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  element found;
  if (object.at_key(key).get(found) != simdjson::SUCCESS) return std::nullopt;
  if (found.type() == element_type::NULL_VALUE) return std::nullopt;
  JsonValue v;
  std::memcpy(v.element_, static_cast<const void*>(&found), sizeof(element));
  return v;
}

JsonParser::JsonParser() : impl_(new Impl) {
  // Depth is fixed at allocation; capacity grows on demand with the body.
  if (impl_->parser.allocate(64 * 1024, kMaxDepth) != simdjson::SUCCESS) {
    // Out of memory at startup; Parse reports the failure per request.
  }
}

JsonParser::~JsonParser() { delete impl_; }

Result<JsonValue> JsonParser::Parse(std::string* body) {
  // REQUIRES from the caller: capacity() >= size() + simdjson::SIMDJSON_PADDING.
  if (body->capacity() < body->size() + simdjson::SIMDJSON_PADDING) body->reserve(body->size() + simdjson::SIMDJSON_PADDING);
  element root;
  auto error = impl_->parser.parse(body->data(), body->size(), false).get(root);
  if (error == simdjson::DEPTH_ERROR) {
    return Status(ErrorKind::kSerialization, "The request is nested too deeply");
  }
  if (error != simdjson::SUCCESS) {
    return Status(ErrorKind::kSerialization,
                  std::string(JsonParser::kNotJson) + simdjson::error_message(error));
  }
  if (root.type() != element_type::OBJECT) {
    return Status(ErrorKind::kSerialization, "Start of structure or map found where not expected.");
  }
  JsonValue v;
  std::memcpy(v.element_, static_cast<const void*>(&root), sizeof(element));
  return v;
}

Status TypeMismatch(const JsonValue& found, std::string_view expected) {
  std::string message;
  switch (found.type()) {
    case JsonValue::Type::kObject:
      message = "Start of structure or map found where not expected.";
      break;
    case JsonValue::Type::kArray:
      message = "Start of list found where not expected";
      break;
    case JsonValue::Type::kString:
      message = "STRING_VALUE cannot be converted to " + std::string(expected);
      break;
    case JsonValue::Type::kNumber:
      message = "NUMBER_VALUE cannot be converted to " + std::string(expected);
      break;
    case JsonValue::Type::kBool:
      message = std::string(found.boolean() ? "TRUE_VALUE" : "FALSE_VALUE") +
                " cannot be converted to " + std::string(expected);
      break;
    case JsonValue::Type::kNull:
      message = "Unexpected null value";
      break;
  }
  return Status(ErrorKind::kSerialization, std::move(message));
}

}  // namespace cirrus::wire
