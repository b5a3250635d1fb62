#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "db/item/attribute_value.h"
#include "db/item/status.h"

namespace cirrus::db {

// The three types a key attribute may have. On disk (catalog): never renumber.
enum class ScalarType : uint8_t { kS = 1, kN = 2, kB = 3 };

ValueType ToValueType(ScalarType type);
std::string_view TypeName(ScalarType type);

struct KeyAttribute {
  std::string name;
  ScalarType type = ScalarType::kS;
  friend bool operator==(const KeyAttribute&, const KeyAttribute&) = default;
};

// A primary key: partition key (HASH) attributes, then sort key (RANGE) attributes, each group
// in declared order. A table or LSI has one partition key and at most one sort key; a GSI
// (multi-attribute keys, DynamoDB since November 2025) has 1-4 HASH and 0-4 RANGE
// attributes, and its key value is the tuple of their values.
struct KeySchema {
  std::vector<KeyAttribute> partition_keys;
  std::vector<KeyAttribute> sort_keys;

  static KeySchema PartitionOnly(std::string name, ScalarType type);
  static KeySchema PartitionAndSort(std::string pk_name, ScalarType pk_type, std::string sk_name,
                                    ScalarType sk_type);
  // The first partition key and sort key attribute: for a table or LSI, its only ones.
  const KeyAttribute& partition_key() const { return partition_keys.front(); }
  const KeyAttribute* sort_key() const { return sort_keys.empty() ? nullptr : &sort_keys.front(); }
  bool multi_attribute() const { return partition_keys.size() > 1 || sort_keys.size() > 1; }
  // Every key attribute's name: partition keys, then sort keys.
  std::vector<std::string> names() const;
  bool IsKeyAttribute(std::string_view name) const;
  friend bool operator==(const KeySchema&, const KeySchema&) = default;
};

constexpr size_t kMaxKeyAttributesPerRole = 4;  // a GSI's HASH (or RANGE) attributes

constexpr size_t kMaxPartitionKeyBytes = 2048;
constexpr size_t kMaxSortKeyBytes = 1024;

// Stored key := hash:u64be  encode(pk1) .. encode(pkN)  encode(sk1) .. encode(skM)
//   hash:  XXH64(encode(pk1) .. encode(pkN), seed 0); it routes the item to a partition
//          (PartitionOf) and orders a table's keys so that a Scan segment is one hash range.
//   Every encode(v) is prefix-free, so memcmp of the concatenation orders the sort key tuples
//   component by component, each by its own type; N = 1, M <= 1 for tables and LSIs.
//   S, B:  the bytes, 0x00 escaped as 0x00 0xFF, ended by 0x00 0x01
//   N:     0x01 for zero; otherwise a class byte (0x00 negative, 0x02 positive), the exponent
//          biased by 129 as one byte, then digit pairs as bytes 2 + 10*d1 + d2 (a last odd
//          digit pairs with 0), ended by 0x00; every byte after the class byte is
//          complemented (255 - b) for negatives, so that larger magnitudes sort first.
// Invariants (property-tested in key_codec_test.cc):
//   1. memcmp order of two stored keys with the same hash == DynamoDB order of the keys.
//   2. DecodeKey(EncodeKeyOf(k)) == k; no stored key is a proper prefix of another.
//   3. Every key of one partition key value starts with PartitionPrefix(pk value).
// On disk: change the layout only with a format version bump.
// Thread-safe: all methods are const.
class KeyCodec {
 public:
  explicit KeyCodec(KeySchema schema);
  const KeySchema& schema() const { return schema_; }

  // Appends the stored key of `item` (a whole item, as PutItem sends) to *out. kValidation,
  // with DynamoDB's message, if a key attribute is missing, mistyped, empty or too long.
  Status EncodeKeyOf(const Item& item, std::string* out) const;

  // Like EncodeKeyOf for a `Key` parameter, which must hold exactly the key attributes:
  // otherwise "The provided key element does not match the schema".
  Status EncodeKey(const Item& key, std::string* out) const;

  // The key attributes of a stored key. kInternal if `stored` is not one of ours.
  Result<Item> DecodeKey(std::string_view stored) const;

  // hash:u64be encode(pk1) .. encode(pkN): the prefix shared by every item with these
  // partition key values. REQUIRES: one value per partition key attribute, of its type
  // (checked by ValidateKeyValue).
  std::string PartitionPrefix(std::span<const AttributeValue> values) const;
  std::string PartitionPrefix(const AttributeValue& pk) const { return PartitionPrefix({&pk, 1}); }
  // Appends encode(value) for a sort-key bound. REQUIRES: the sort key's type.
  static void AppendEncoded(const AttributeValue& value, std::string* out);
  // Appends the escaped bytes of an S or B value without its terminator: every stored sort
  // key beginning with `value` starts with what this appends (begins_with on a sort key).
  static void AppendPrefix(const AttributeValue& value, std::string* out);

  // Checks one key attribute value (type, empty, size) as DynamoDB does for keys.
  Status ValidateKeyValue(const KeyAttribute& attribute, const AttributeValue& value,
                          bool is_partition_key) const;

  static uint64_t HashOf(std::string_view stored_key);

 private:
  KeySchema schema_;
};

// The partition (0..partition_count-1) that owns `hash`: its top bits, so that partitions
// hold consecutive hash ranges. REQUIRES: partition_count is a power of two.
uint32_t PartitionOf(uint64_t hash, uint32_t partition_count);

// The first hash of `partition`: PartitionOf(PartitionStart(p, n), n) == p.
uint64_t PartitionStart(uint32_t partition, uint32_t partition_count);

// The smallest string greater than every string that starts with `prefix`; empty if none
// (prefix is all 0xFF bytes).
std::string PrefixSuccessor(std::string_view prefix);

void AppendBigEndian64(uint64_t v, std::string* out);

}  // namespace cirrus::db
