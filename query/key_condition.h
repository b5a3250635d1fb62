#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "query/expression.h"

namespace cirrus::query {

// A key attribute of the table or index being queried.
struct KeyAttributeRef {
  std::string name;
  ValueType type = ValueType::kS;  // S, N or B
};

// What a KeyConditionExpression selects: one partition key value and an optional range of
// sort key values.
struct KeyCondition {
  enum class SortOp : uint8_t { kNone, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  AttributeValue partition_value;
  SortOp sort_op = SortOp::kNone;
  AttributeValue sort_value;   // the bound (kBetween: lower bound, kBeginsWith: prefix)
  AttributeValue sort_value2;  // kBetween: upper bound
};

// Checks a parsed KeyConditionExpression against the key schema as DynamoDB does:
// equality on the partition key, at most one condition on the sort key (=, <, <=, >, >=,
// BETWEEN, begins_with), joined by AND; values of the key's type.
// `values`: the condition's bound slots.
Result<KeyCondition> AnalyzeKeyCondition(const Condition& condition, const Values& values,
                                         const KeyAttributeRef& partition_key,
                                         const std::optional<KeyAttributeRef>& sort_key);

// ParseCondition, Bind, CheckConditionValues and AnalyzeKeyCondition.
Result<KeyCondition> ParseKeyCondition(std::string_view text, Placeholders& placeholders,
                                       const KeyAttributeRef& partition_key,
                                       const std::optional<KeyAttributeRef>& sort_key);

}  // namespace cirrus::query
