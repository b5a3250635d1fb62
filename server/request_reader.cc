#include "server/request_reader.h"

#include <algorithm>
#include <cctype>

namespace cirrus::server {

using wire::JsonValue;

std::string LowerCamel(std::string_view member) {
  std::string out(member);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

RequestReader::RequestReader(const JsonValue& object, std::string path)
    : object_(object), path_(std::move(path)), errors_(std::make_shared<Errors>()) {}

RequestReader::RequestReader(const JsonValue& object, std::string path,
                             std::shared_ptr<Errors> errors)
    : object_(object), path_(std::move(path)), errors_(std::move(errors)) {}

std::optional<std::vector<std::string>> RequestReader::StringList(std::string_view member) {
  std::optional<std::vector<JsonValue>> list = List(member);
  if (!list) return std::nullopt;
  std::vector<std::string> strings;
  for (const JsonValue& v : *list) {
    if (!v.is(JsonValue::Type::kString)) {
      // A JSON type error like any other (conformance fact T4); JSON null is one too.
      if (errors_->serialization.ok()) errors_->serialization = wire::TypeMismatch(v, "String");
      break;
    }
    strings.emplace_back(v.string());
  }
  return strings;
}

RequestReader RequestReader::Nested(const JsonValue& object, std::string path) {
  return RequestReader(object, std::move(path), errors_);
}

std::optional<RequestReader> RequestReader::Element(std::string_view member, size_t index,
                                                   const JsonValue& element) {
  if (!errors_->serialization.ok()) return std::nullopt;
  if (!element.is(JsonValue::Type::kObject)) {
    errors_->serialization = wire::TypeMismatch(element, "Structure");
    return std::nullopt;
  }
  return Nested(element, ElementPath(member, index));
}

std::string RequestReader::PathOf(std::string_view member) const {
  return path_.empty() ? LowerCamel(member) : path_ + "." + LowerCamel(member);
}

std::string RequestReader::ElementPath(std::string_view member, size_t index) const {
  return PathOf(member) + "." + std::to_string(index + 1) + ".member";
}

std::optional<JsonValue> RequestReader::Member(std::string_view member) {
  if (!errors_->serialization.ok()) return std::nullopt;
  return object_.Find(member);
}

std::optional<std::string_view> RequestReader::String(std::string_view member) {
  std::optional<JsonValue> v = Member(member);
  if (!v) return std::nullopt;
  if (!v->is(JsonValue::Type::kString)) {
    errors_->serialization = wire::TypeMismatch(*v, "String");
    return std::nullopt;
  }
  return v->string();
}

std::optional<int64_t> RequestReader::Long(std::string_view member) {
  std::optional<JsonValue> v = Member(member);
  if (!v) return std::nullopt;
  if (!v->is(JsonValue::Type::kNumber)) {
    errors_->serialization = wire::TypeMismatch(*v, "Long");
    return std::nullopt;
  }
  if (v->is_integer()) return v->integer();
  // Jackson truncates a fraction; values beyond int64 saturate.
  double d = v->number();
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(d);
}

std::optional<double> RequestReader::Timestamp(std::string_view member) {
  std::optional<JsonValue> v = Member(member);
  if (!v) return std::nullopt;
  if (!v->is(JsonValue::Type::kNumber)) {
    errors_->serialization = wire::TypeMismatch(*v, "Timestamp");
    return std::nullopt;
  }
  return v->number();
}

std::optional<bool> RequestReader::Bool(std::string_view member) {
  std::optional<JsonValue> v = Member(member);
  if (!v) return std::nullopt;
  if (!v->is(JsonValue::Type::kBool)) {
    errors_->serialization = wire::TypeMismatch(*v, "Boolean");
    return std::nullopt;
  }
  return v->boolean();
}

std::optional<JsonValue> RequestReader::Object(std::string_view member) {
  std::optional<JsonValue> v = Member(member);
  if (!v) return std::nullopt;
  if (!v->is(JsonValue::Type::kObject)) {
    errors_->serialization = wire::TypeMismatch(*v, "Structure");
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<JsonValue>> RequestReader::List(std::string_view member) {
  std::optional<JsonValue> v = Member(member);
  if (!v) return std::nullopt;
  if (!v->is(JsonValue::Type::kArray)) {
    errors_->serialization = wire::TypeMismatch(*v, "List");
    return std::nullopt;
  }
  return v->elements();
}

void RequestReader::Violation(std::string_view member, std::string_view printed_value,
                              std::string_view constraint) {
  errors_->violations.push_back("Value " + std::string(printed_value) + " at '" + PathOf(member) +
                                "' failed to satisfy constraint: " + std::string(constraint));
}

void RequestReader::RawViolation(std::string text) { errors_->violations.push_back(std::move(text)); }

namespace {
std::string Quoted(std::string_view v) { return "'" + std::string(v) + "'"; }
}  // namespace

void RequestReader::Required(std::string_view member, bool present) {
  if (!present && errors_->serialization.ok()) {
    Violation(member, "null", "Member must not be null");
  }
}

void RequestReader::Length(std::string_view member, std::optional<std::string_view> value,
                           size_t min, size_t max) {
  if (!value) return;
  if (value->size() < min) {
    Violation(member, Quoted(*value),
              "Member must have length greater than or equal to " + std::to_string(min));
  } else if (value->size() > max) {
    Violation(member, Quoted(*value),
              "Member must have length less than or equal to " + std::to_string(max));
  }
}

void RequestReader::Count(std::string_view member, size_t count, size_t min, size_t max) {
  if (count < min) {
    Violation(member, "'[...]'",
              "Member must have length greater than or equal to " + std::to_string(min));
  } else if (count > max) {
    Violation(member, "'[...]'",
              "Member must have length less than or equal to " + std::to_string(max));
  }
}

void RequestReader::Minimum(std::string_view member, std::optional<int64_t> value, int64_t min) {
  if (value && *value < min) {
    Violation(member, Quoted(std::to_string(*value)),
              "Member must have value greater than or equal to " + std::to_string(min));
  }
}

void RequestReader::Maximum(std::string_view member, std::optional<int64_t> value, int64_t max) {
  if (value && *value > max) {
    Violation(member, Quoted(std::to_string(*value)),
              "Member must have value less than or equal to " + std::to_string(max));
  }
}

void RequestReader::Enum(std::string_view member, std::optional<std::string_view> value,
                         std::initializer_list<std::string_view> allowed) {
  if (!value) return;
  if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return;
  std::string set;
  for (std::string_view a : allowed) {
    if (!set.empty()) set += ", ";
    set += a;
  }
  Violation(member, Quoted(*value), "Member must satisfy enum value set: [" + set + "]");
}

void RequestReader::Name(std::string_view member, std::optional<std::string_view> value) {
  if (!value) return;
  Length(member, value, 3, 255);
  bool ok = std::all_of(value->begin(), value->end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
  if (!ok || value->empty()) {
    Violation(member, Quoted(*value),
              "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  }
}

bool RequestReader::failed() const {
  return !errors_->serialization.ok() || !errors_->violations.empty();
}

Status RequestReader::Finish() const {
  if (!errors_->serialization.ok()) return errors_->serialization;
  const auto& v = errors_->violations;
  if (v.empty()) return Status();
  std::string message = std::to_string(v.size()) +
                        (v.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < v.size() && i < 10; ++i) {
    if (i > 0) message += "; ";
    message += v[i];
  }
  return ValidationError(std::move(message));
}

}  // namespace cirrus::server
