#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "query/expression.h"

namespace cirrus::query {

// A key attribute of the table or index being queried.
struct KeyAttributeRef {
  std::string name;
  ValueType type = ValueType::kS;  // S, N or B
};

// The key of the table or index being queried: a partition key and an optional sort key, or a
// GSI's multi-attribute key (1-4 partition key and 0-4 sort key attributes, in order).
struct QueryKeys {
  std::vector<KeyAttributeRef> partition_keys;
  std::vector<KeyAttributeRef> sort_keys;
};

// What a KeyConditionExpression selects: one value per partition key attribute and a range of
// sort key tuples: equality on the first sort key attributes, then at most one condition on
// the next.
struct KeyCondition {
  enum class SortOp : uint8_t { kNone, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  std::vector<AttributeValue> partition_values;  // in QueryKeys::partition_keys order
  std::vector<AttributeValue> sort_prefix;       // sort_keys[0 .. n-1] = these
  SortOp sort_op = SortOp::kNone;                // on sort_keys[sort_prefix.size()]
  AttributeValue sort_value;   // the bound (kBetween: lower bound, kBeginsWith: prefix)
  AttributeValue sort_value2;  // kBetween: upper bound
};

// Checks a parsed KeyConditionExpression against the key as DynamoDB does: equality on every
// partition key attribute; on the sort key attributes, conditions on a leading run of them,
// equality on all but the last, which may also be <, <=, >, >=, BETWEEN or begins_with; one
// condition per attribute, joined by AND; values of the key's type.
// `values`: the condition's bound slots.
Result<KeyCondition> AnalyzeKeyCondition(const Condition& condition, const Values& values,
                                         const QueryKeys& keys);

// ParseCondition, Bind, CheckConditionValues and AnalyzeKeyCondition.
Result<KeyCondition> ParseKeyCondition(std::string_view text, Placeholders& placeholders,
                                       const QueryKeys& keys);

}  // namespace cirrus::query
