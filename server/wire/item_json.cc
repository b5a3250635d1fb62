#include "server/wire/item_json.h"

#include <algorithm>
#include <unordered_set>

#include "server/wire/base64.h"

namespace cirrus::wire {
namespace {

Status Invalid(std::string detail) {
  return ValidationError("One or more parameter values were invalid: " + std::move(detail));
}

Result<std::string> ParseBinary(const JsonValue& json) {
  if (!json.is(JsonValue::Type::kString)) return TypeMismatch(json, "Blob");
  std::string bytes;
  if (!DecodeBase64(json.string(), &bytes)) {
    return Status(ErrorKind::kSerialization,
                  "Base64 encoded length is expected a multiple of 4 bytes and to use the "
                  "standard alphabet");
  }
  return bytes;
}

Result<std::string> ParseNumberText(const JsonValue& json) {
  if (!json.is(JsonValue::Type::kString)) return TypeMismatch(json, "String");
  return NormalizeNumber(json.string());
}

// Set elements, checked for emptiness and duplicates.
Result<std::vector<std::string>> ParseSet(ValueType type, const JsonValue& json) {
  if (!json.is(JsonValue::Type::kArray)) return TypeMismatch(json, "List");
  std::vector<JsonValue> elements = json.elements();
  std::vector<std::string> out;
  out.reserve(elements.size());
  for (const JsonValue& e : elements) {
    if (type == ValueType::kSS) {
      if (!e.is(JsonValue::Type::kString)) return TypeMismatch(e, "String");
      out.emplace_back(e.string());
    } else if (type == ValueType::kNS) {
      CIRRUS_ASSIGN_OR_RETURN(std::string n, ParseNumberText(e));
      out.push_back(std::move(n));
    } else {
      CIRRUS_ASSIGN_OR_RETURN(std::string b, ParseBinary(e));
      out.push_back(std::move(b));
    }
  }
  if (out.empty()) {
    if (type == ValueType::kSS) return Invalid("An string set  may not be empty");
    if (type == ValueType::kNS) return Invalid("An number set  may not be empty");
    return Invalid("Binary sets should not be empty");
  }
  std::unordered_set<std::string_view> seen;
  for (const std::string& e : out) {
    if (seen.insert(e).second) continue;
    if (type == ValueType::kSS) {
      std::string listed;
      for (const JsonValue& raw : elements) {
        if (!listed.empty()) listed += ", ";
        listed += raw.string();
      }
      return Invalid("Input collection [" + listed + "] contains duplicates.");
    }
    return Invalid("Input collection contains duplicates");
  }
  return out;
}

// `level`: 1 for a top-level attribute's value; a container may sit at levels 1..31.
Result<AttributeValue> ParseValue(const JsonValue& json, int level) {
  if (!json.is(JsonValue::Type::kObject)) return TypeMismatch(json, "AttributeValue");
  std::optional<JsonValue> found;
  std::string_view type_name;
  int types = 0;
  for (const auto& [key, value] : json.members()) {
    static constexpr std::string_view kTypes[] = {"S", "N", "B", "BOOL", "NULL",
                                                  "M", "L", "SS", "NS", "BS"};
    if (value.is(JsonValue::Type::kNull)) continue;  // JSON null is absent
    if (std::find(std::begin(kTypes), std::end(kTypes), key) == std::end(kTypes)) continue;
    ++types;
    if (types > 1) {
      return ValidationError(
          "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
          "the supported datatypes");
    }
    type_name = key;
    found = value;
  }
  if (!found) {
    return ValidationError(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  const JsonValue value = *found;
  if (type_name == "S") {
    if (!value.is(JsonValue::Type::kString)) return TypeMismatch(value, "String");
    return AttributeValue::String(std::string(value.string()));
  }
  if (type_name == "N") {
    CIRRUS_ASSIGN_OR_RETURN(std::string n, ParseNumberText(value));
    return AttributeValue::NumberFromNormalized(std::move(n));
  }
  if (type_name == "B") {
    CIRRUS_ASSIGN_OR_RETURN(std::string b, ParseBinary(value));
    return AttributeValue::Binary(std::move(b));
  }
  if (type_name == "BOOL") {
    if (!value.is(JsonValue::Type::kBool)) return TypeMismatch(value, "Boolean");
    return AttributeValue::Bool(value.boolean());
  }
  if (type_name == "NULL") {
    if (!value.is(JsonValue::Type::kBool)) return TypeMismatch(value, "Boolean");
    if (!value.boolean()) return Invalid("Null attribute value types must have the value of true");
    return AttributeValue::Null();
  }
  if (type_name == "M" || type_name == "L") {
    if (level >= kMaxNestingDepth) {
      return ValidationError(
          "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
          "levels beyond supported limit");
    }
    if (type_name == "M") {
      if (!value.is(JsonValue::Type::kObject)) return TypeMismatch(value, "Map");
      Item map;
      for (const auto& [key, element] : value.members()) {
        if (key.size() > kMaxAttributeNameBytes) return CheckAttributeName(key);
        CIRRUS_ASSIGN_OR_RETURN(AttributeValue v, ParseValue(element, level + 1));
        map.insert_or_assign(std::string(key), std::move(v));
      }
      return AttributeValue::Map(std::move(map));
    }
    if (!value.is(JsonValue::Type::kArray)) return TypeMismatch(value, "List");
    std::vector<AttributeValue> list;
    for (const JsonValue& element : value.elements()) {
      CIRRUS_ASSIGN_OR_RETURN(AttributeValue v, ParseValue(element, level + 1));
      list.push_back(std::move(v));
    }
    return AttributeValue::List(std::move(list));
  }
  ValueType set_type = type_name == "SS" ? ValueType::kSS
                       : type_name == "NS" ? ValueType::kNS
                                           : ValueType::kBS;
  CIRRUS_ASSIGN_OR_RETURN(std::vector<std::string> elements, ParseSet(set_type, value));
  if (set_type == ValueType::kSS) return AttributeValue::StringSet(std::move(elements));
  if (set_type == ValueType::kNS) return AttributeValue::NumberSet(std::move(elements));
  return AttributeValue::BinarySet(std::move(elements));
}

}  // namespace

Result<AttributeValue> ParseAttributeValue(const JsonValue& json) { return ParseValue(json, 1); }

Status CheckAttributeName(std::string_view name) {
  // Texts: the service's for a long name (measured on PutItem and UpdateItem's SET #n); its
  // words for an empty one (conformance facts I2, I3).
  if (name.empty()) return Invalid("Empty attribute name");
  if (name.size() > kMaxAttributeNameBytes) {
    return ValidationError(
        "1 validation error detected: Attribute name is too large, must be less than 65536 bytes");
  }
  return Status();
}

Result<Item> ParseItem(const JsonValue& json) {
  if (!json.is(JsonValue::Type::kObject)) return TypeMismatch(json, "Map");
  Item item;
  for (const auto& [name, value] : json.members()) {
    if (value.is(JsonValue::Type::kNull)) continue;
    CIRRUS_RETURN_IF_ERROR(CheckAttributeName(name));
    CIRRUS_ASSIGN_OR_RETURN(AttributeValue v, ParseValue(value, 1));
    item.insert_or_assign(std::string(name), std::move(v));
  }
  return item;
}

void WriteAttributeValue(const AttributeValue& value, JsonWriter& w) {
  w.BeginObject();
  w.Key(TypeName(value.type()));
  std::string scratch;
  switch (value.type()) {
    case ValueType::kS:
    case ValueType::kN:
      w.String(value.scalar());
      break;
    case ValueType::kB:
      AppendBase64(value.scalar(), &scratch);
      w.String(scratch);
      break;
    case ValueType::kBool:
      w.Bool(value.boolean());
      break;
    case ValueType::kNull:
      w.Bool(true);
      break;
    case ValueType::kM:
      WriteItem(value.map(), w);
      break;
    case ValueType::kL:
      w.BeginArray();
      for (const AttributeValue& e : value.list()) WriteAttributeValue(e, w);
      w.EndArray();
      break;
    case ValueType::kSS:
    case ValueType::kNS:
    case ValueType::kBS:
      w.BeginArray();
      for (const std::string& e : value.set()) {
        if (value.is(ValueType::kBS)) {
          scratch.clear();
          AppendBase64(e, &scratch);
          w.String(scratch);
        } else {
          w.String(e);
        }
      }
      w.EndArray();
      break;
  }
  w.EndObject();
}

void WriteItem(const Item& item, JsonWriter& w) {
  w.BeginObject();
  for (const auto& [name, value] : item) {
    w.Key(name);
    WriteAttributeValue(value, w);
  }
  w.EndObject();
}

void StoredItemJsonWriter::Scalar(ValueType type, std::string_view bytes) {
  w_.BeginObject();
  w_.Key(TypeName(type));
  if (type == ValueType::kB) {
    Base64(bytes);
  } else {
    w_.String(bytes);
  }
  w_.EndObject();
}

void StoredItemJsonWriter::Bool(bool b) {
  w_.BeginObject();
  w_.Key("BOOL");
  w_.Bool(b);
  w_.EndObject();
}

void StoredItemJsonWriter::Null() {
  w_.BeginObject();
  w_.Key("NULL");
  w_.Bool(true);
  w_.EndObject();
}

void StoredItemJsonWriter::BeginMap(uint64_t) {
  w_.BeginObject();
  w_.Key("M");
  w_.BeginObject();
}

void StoredItemJsonWriter::EndMap() {
  w_.EndObject();
  w_.EndObject();
}

void StoredItemJsonWriter::BeginList(uint64_t) {
  w_.BeginObject();
  w_.Key("L");
  w_.BeginArray();
}

void StoredItemJsonWriter::EndList() {
  w_.EndArray();
  w_.EndObject();
}

void StoredItemJsonWriter::BeginSet(ValueType type, uint64_t) {
  set_type_ = type;
  w_.BeginObject();
  w_.Key(TypeName(type));
  w_.BeginArray();
}

void StoredItemJsonWriter::SetElement(std::string_view bytes) {
  if (set_type_ == ValueType::kBS) {
    Base64(bytes);
  } else {
    w_.String(bytes);
  }
}

void StoredItemJsonWriter::EndSet() {
  w_.EndArray();
  w_.EndObject();
}

void StoredItemJsonWriter::Base64(std::string_view bytes) {
  scratch_.clear();
  AppendBase64(bytes, &scratch_);
  w_.String(scratch_);
}

}  // namespace cirrus::wire
