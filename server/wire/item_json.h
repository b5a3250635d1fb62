#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "server/wire/json.h"
#include "server/wire/json_writer.h"

namespace cirrus::wire {

// DynamoDB JSON ({"S":"x"}, {"M":{...}}, ...) to the item model, validated as DynamoDB does
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html):
// exactly one type per value, numbers within 38 digits and range (normalized), base64
// binaries, non-empty sets without duplicates, NULL true, nesting within 32 levels. kSerialization for wrong JSON types, kValidation otherwise.
Result<AttributeValue> ParseAttributeValue(const JsonValue& json);
// An object of attribute name -> value (Item, Key, ExpressionAttributeValues...).
Result<Item> ParseItem(const JsonValue& json);
// DynamoDB's rule for an attribute name wherever one enters (an item, AttributesToGet,
// AttributeUpdates, ExpressionAttributeNames): not empty, at most 65535 bytes.
Status CheckAttributeName(std::string_view name);

void WriteAttributeValue(const AttributeValue& value, JsonWriter& w);
void WriteItem(const Item& item, JsonWriter& w);
// Writes a stored item as DynamoDB JSON without building an Item: the visitor that
// db::WalkStoredItem (db/item_codec.h) drives, value by value. wire/ does not depend on db/;
// its callers, which do, write  w.BeginObject(); db::WalkStoredItem(stored, writer);
// w.EndObject();  (server/ops/page.h: WriteStoredItem).
class StoredItemJsonWriter {
 public:
  explicit StoredItemJsonWriter(JsonWriter& w) : w_(w) {}

  void Attribute(std::string_view name) { w_.Key(name); }
  void Scalar(ValueType type, std::string_view bytes);
  void Bool(bool b);
  void Null();
  void BeginMap(uint64_t count);
  void MapKey(std::string_view name) { w_.Key(name); }
  void EndMap();
  void BeginList(uint64_t count);
  void EndList();
  void BeginSet(ValueType type, uint64_t count);
  void SetElement(std::string_view bytes);
  void EndSet();

 private:
  void Base64(std::string_view bytes);

  JsonWriter& w_;
  ValueType set_type_ = ValueType::kSS;
  std::string scratch_;
};

}  // namespace cirrus::wire
