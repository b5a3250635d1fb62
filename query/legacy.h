#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "query/expression.h"
#include "query/key_condition.h"

// The parameters older SDKs and tools still send (Expected, QueryFilter, ScanFilter,
// KeyConditions, AttributeUpdates, AttributesToGet), translated onto the expression AST so
// that one evaluator serves both. Attribute names here are plain names: no placeholders, no
// reserved words, no nesting.
namespace cirrus::query {

// A translated tree and the values its slots refer to, owned.
template <typename Tree>
struct Translated {
  Tree tree;
  std::vector<AttributeValue> values;
  Values Bound() const {
    Values v;
    for (const AttributeValue& a : values) v.push_back(&a);
    return v;
  }
};

// One entry of Expected, QueryFilter, ScanFilter or KeyConditions.
struct LegacyCondition {
  std::string attribute;
  std::optional<std::string> comparison_operator;  // EQ, NE, LE, LT, GE, GT, NOT_NULL, NULL,
                                                    // CONTAINS, NOT_CONTAINS, BEGINS_WITH, IN, BETWEEN
  std::vector<AttributeValue> values;               // AttributeValueList
  std::optional<AttributeValue> value;              // Expected's Value
  std::optional<bool> exists;                       // Expected's Exists
};

// The entries joined by ConditionalOperator (AND unless `use_or`); nullopt for no entries.
Result<std::optional<Translated<Condition>>> TranslateConditions(
    const std::vector<LegacyCondition>& entries, bool use_or);

// KeyConditions: EQ on the partition key, one of EQ LE LT GE GT BEGINS_WITH BETWEEN on the
// sort key.
Result<KeyCondition> TranslateKeyConditions(const std::vector<LegacyCondition>& entries,
                                            const QueryKeys& keys);

// One entry of AttributeUpdates: Action PUT (default), DELETE or ADD.
struct LegacyUpdate {
  std::string attribute;
  std::string action = "PUT";
  std::optional<AttributeValue> value;
};
Result<Translated<UpdateExpression>> TranslateAttributeUpdates(
    const std::vector<LegacyUpdate>& updates, const std::vector<std::string>& key_attributes);

// AttributesToGet: top-level names as projection paths.
Result<std::vector<Path>> TranslateAttributesToGet(const std::vector<std::string>& names);

}  // namespace cirrus::query
