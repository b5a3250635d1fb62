#include "db/item/attribute_value.h"

#include <algorithm>

namespace cirrus {

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kS: return "S";
    case ValueType::kN: return "N";
    case ValueType::kB: return "B";
    case ValueType::kBool: return "BOOL";
    case ValueType::kNull: return "NULL";
    case ValueType::kM: return "M";
    case ValueType::kL: return "L";
    case ValueType::kSS: return "SS";
    case ValueType::kNS: return "NS";
    case ValueType::kBS: return "BS";
  }
  return "?";
}

AttributeValue::AttributeValue(const AttributeValue& other)
    : type_(other.type_),
      boolean_(other.boolean_),
      scalar_(other.scalar_),
      set_(other.set_),
      list_(other.list_),
      map_(other.map_ ? std::make_unique<Item>(*other.map_) : nullptr) {}

AttributeValue& AttributeValue::operator=(const AttributeValue& other) {
  if (this != &other) *this = AttributeValue(other);
  return *this;
}

AttributeValue::~AttributeValue() = default;

AttributeValue AttributeValue::String(std::string s) {
  AttributeValue v;
  v.type_ = ValueType::kS;
  v.scalar_ = std::move(s);
  return v;
}

AttributeValue AttributeValue::Number(const Decimal& n) { return NumberFromNormalized(n.ToString()); }

AttributeValue AttributeValue::Number(std::string_view text) {
  Result<Decimal> d = Decimal::Parse(text);
  assert(d.ok());
  return Number(d.ok() ? *d : Decimal());
}

AttributeValue AttributeValue::NumberFromNormalized(std::string normalized) {
  AttributeValue v;
  v.type_ = ValueType::kN;
  v.scalar_ = std::move(normalized);
  return v;
}

AttributeValue AttributeValue::Binary(std::string bytes) {
  AttributeValue v;
  v.type_ = ValueType::kB;
  v.scalar_ = std::move(bytes);
  return v;
}

AttributeValue AttributeValue::Bool(bool b) {
  AttributeValue v;
  v.type_ = ValueType::kBool;
  v.boolean_ = b;
  return v;
}

AttributeValue AttributeValue::Null() { return AttributeValue(); }

AttributeValue AttributeValue::Map(Item entries) {
  AttributeValue v;
  v.type_ = ValueType::kM;
  v.map_ = std::make_unique<Item>(std::move(entries));
  return v;
}

AttributeValue AttributeValue::List(std::vector<AttributeValue> elements) {
  AttributeValue v;
  v.type_ = ValueType::kL;
  v.list_ = std::move(elements);
  return v;
}

AttributeValue AttributeValue::StringSet(std::vector<std::string> elements) {
  AttributeValue v;
  v.type_ = ValueType::kSS;
  v.set_ = std::move(elements);
  return v;
}

AttributeValue AttributeValue::NumberSet(std::vector<std::string> normalized_elements) {
  AttributeValue v;
  v.type_ = ValueType::kNS;
  v.set_ = std::move(normalized_elements);
  return v;
}

AttributeValue AttributeValue::BinarySet(std::vector<std::string> elements) {
  AttributeValue v;
  v.type_ = ValueType::kBS;
  v.set_ = std::move(elements);
  return v;
}

namespace {

bool SameElements(std::vector<std::string> a, std::vector<std::string> b) {
  if (a.size() != b.size()) return false;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// Decimal::StorageSize() of a normalized number's text, without building the Decimal.
size_t NormalizedNumberSize(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  if (text == "0") return 1;
  size_t point = text.find('.');
  std::string_view integer = text.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? "" : text.substr(point + 1);
  size_t digits;
  int scientific;
  if (integer != "0") {  // "1500", "12.5": integer part has no leading zeros
    scientific = static_cast<int>(integer.size()) - 1;
    size_t last = integer.find_last_not_of('0');
    digits = fraction.empty() ? last + 1 : integer.size() + fraction.size();
  } else {  // "0.0012"
    size_t first = fraction.find_first_not_of('0');
    scientific = -static_cast<int>(first) - 1;
    digits = fraction.size() - first;
  }
  size_t size = 1 + (digits + 1) / 2;
  if (digits % 2 == 0 && scientific % 2 == 0) ++size;
  if (negative) ++size;
  return size;
}

}  // namespace

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case ValueType::kS:
    case ValueType::kN:  // normalized text: equal numbers are equal strings
    case ValueType::kB:
      return a.scalar_ == b.scalar_;
    case ValueType::kBool:
      return a.boolean_ == b.boolean_;
    case ValueType::kNull:
      return true;
    case ValueType::kM:
      return *a.map_ == *b.map_;
    case ValueType::kL:
      return a.list_ == b.list_;
    case ValueType::kSS:
    case ValueType::kNS:
    case ValueType::kBS:
      return SameElements(a.set_, b.set_);
  }
  return false;
}

size_t ValueSize(const AttributeValue& value) {
  switch (value.type()) {
    case ValueType::kS:
    case ValueType::kB:
      return value.scalar().size();
    case ValueType::kN:
      return NormalizedNumberSize(value.scalar());
    case ValueType::kBool:
    case ValueType::kNull:
      return 1;
    case ValueType::kSS:
    case ValueType::kBS: {
      size_t size = 0;
      for (const std::string& e : value.set()) size += e.size();
      return size;
    }
    case ValueType::kNS: {
      size_t size = 0;
      for (const std::string& e : value.set()) size += NormalizedNumberSize(e);
      return size;
    }
    case ValueType::kL: {
      size_t size = 3;
      for (const AttributeValue& e : value.list()) size += 1 + ValueSize(e);
      return size;
    }
    case ValueType::kM: {
      size_t size = 3;
      for (const auto& [name, e] : value.map()) size += 1 + name.size() + ValueSize(e);
      return size;
    }
  }
  return 0;
}

size_t ItemSize(const Item& item) {
  size_t size = 0;
  for (const auto& [name, value] : item) size += name.size() + ValueSize(value);
  return size;
}

}  // namespace cirrus
