#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/decimal.h"

namespace cirrus {

// DynamoDB's ten attribute value types.
// On disk (db/item_codec.cc writes these numbers): never renumber.
enum class ValueType : uint8_t {
  kS = 1,
  kN = 2,
  kB = 3,
  kBool = 4,
  kNull = 5,
  kM = 6,
  kL = 7,
  kSS = 8,
  kNS = 9,
  kBS = 10,
};

// "S", "N", "BOOL", ... as DynamoDB spells the type on the wire.
std::string_view TypeName(ValueType type);

class AttributeValue;

// An item, and the value of an M attribute: attribute name -> value. Names are unique; the
// map's order (bytewise by name) is not DynamoDB's business, which keeps no attribute order.
using Item = std::map<std::string, AttributeValue, std::less<>>;

// One attribute value of any type. A value type: copying copies the whole tree.
// Invariants (kept by the factories; the wire decoder validates user input first):
//   N text and NS elements are normalized (Decimal::ToString), so equal numbers are equal
//   strings; sets are non-empty with unique elements.
class AttributeValue {
 public:
  AttributeValue() = default;  // NULL
  AttributeValue(const AttributeValue& other);
  AttributeValue& operator=(const AttributeValue& other);
  AttributeValue(AttributeValue&&) noexcept = default;
  AttributeValue& operator=(AttributeValue&&) noexcept = default;
  ~AttributeValue();

  static AttributeValue String(std::string s);
  static AttributeValue Number(const Decimal& n);
  // REQUIRES: `text` is a valid DynamoDB number (stored normalized). For tests and literals.
  static AttributeValue Number(std::string_view text);
  // `normalized` must be what Decimal::ToString() returns; no check is made.
  static AttributeValue NumberFromNormalized(std::string normalized);
  static AttributeValue Binary(std::string bytes);
  static AttributeValue Bool(bool b);
  static AttributeValue Null();
  static AttributeValue Map(Item entries);
  static AttributeValue List(std::vector<AttributeValue> elements);
  // REQUIRES: elements non-empty and unique (NS: normalized numbers).
  static AttributeValue StringSet(std::vector<std::string> elements);
  static AttributeValue NumberSet(std::vector<std::string> normalized_elements);
  static AttributeValue BinarySet(std::vector<std::string> elements);

  ValueType type() const { return type_; }
  bool is(ValueType t) const { return type_ == t; }

  // S text, N normalized text, B bytes. REQUIRES: type S, N or B.
  const std::string& scalar() const { return scalar_; }
  // REQUIRES: type BOOL.
  bool boolean() const { return boolean_; }
  // Elements of SS (text), NS (normalized numbers), BS (bytes). REQUIRES: a set type.
  const std::vector<std::string>& set() const { return set_; }
  std::vector<std::string>& mutable_set() { return set_; }
  // REQUIRES: type L.
  const std::vector<AttributeValue>& list() const { return list_; }
  std::vector<AttributeValue>& mutable_list() { return list_; }
  // REQUIRES: type M.
  const Item& map() const { return *map_; }
  Item& mutable_map() { return *map_; }

  // DynamoDB equality: same type and value; numbers numerically, sets regardless of order,
  // maps and lists deeply.
  friend bool operator==(const AttributeValue& a, const AttributeValue& b);

 private:
  ValueType type_ = ValueType::kNull;
  bool boolean_ = true;
  std::string scalar_;
  std::vector<std::string> set_;
  std::vector<AttributeValue> list_;
  std::unique_ptr<Item> map_;  // non-null exactly when type_ == kM
};

// DynamoDB's size accounting, in bytes:
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
size_t ValueSize(const AttributeValue& value);
size_t ItemSize(const Item& item);

constexpr size_t kMaxItemSize = 400 * 1024;
constexpr int kMaxNestingDepth = 32;  // top-level attribute = level 1
constexpr size_t kMaxAttributeNameBytes = 65535;

}  // namespace cirrus
