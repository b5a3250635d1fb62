#pragma once

#include <string_view>

#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "server/wire/json.h"
#include "server/wire/json_writer.h"

namespace cirrus::wire {

// DynamoDB JSON ({"S":"x"}, {"M":{...}}, ...) to the item model, validated as DynamoDB does
// (../shared/spec/data-model.md): exactly one type per value, numbers within 38 digits and
// range (normalized), base64 binaries, non-empty sets without duplicates, NULL true,
// nesting within 32 levels. kSerialization for wrong JSON types, kValidation otherwise.
Result<AttributeValue> ParseAttributeValue(const JsonValue& json);
// An object of attribute name -> value (Item, Key, ExpressionAttributeValues...).
Result<Item> ParseItem(const JsonValue& json);

void WriteAttributeValue(const AttributeValue& value, JsonWriter& w);
void WriteItem(const Item& item, JsonWriter& w);
// Writes a stored item (db/item_codec.h) as DynamoDB JSON without building an Item.
Status WriteStoredItem(std::string_view stored, JsonWriter& w);

}  // namespace cirrus::wire
