#pragma once

#include <set>
#include <string>
#include <vector>

#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "query/expression.h"

// Evaluation of parsed expressions over the item model, with DynamoDB's semantics
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html,
// Expressions.UpdateExpressions.html). Pure functions; thread-safe.
namespace cirrus::query {

// The value at `path` in `item`; nullptr when a step is missing or is not the container the
// next step needs (a.b on a list, [3] on a map or past the end).
const AttributeValue* Resolve(const Item& item, const Path& path);

// Evaluates a ConditionExpression or FilterExpression with its bound `values`. A missing item
// is evaluated as {}. REQUIRES: CheckConditionValues passed.
bool Matches(const Condition& condition, const Values& values, const Item& item);

// Applies an UpdateExpression to *item (the current item, or only its key when it is new).
// Right-hand sides read the item as it was before the update. kValidation with DynamoDB's
// message when the item does not fit the expression (a missing operand, a wrong type, an
// invalid path, arithmetic out of range). On error *item is left partly updated.
// REQUIRES: CheckUpdate passed.
Status ApplyUpdate(const UpdateExpression& update, const Values& values, Item* item);

// `item` reduced to `paths` (a ProjectionExpression), nesting rebuilt: a.b[2] yields
// {a: {M: {b: {L: [element 2]}}}}, list elements in their relative order. Missing paths are
// left out. REQUIRES: the paths are disjoint (ParseProjection checks).
Item Project(const Item& item, const std::vector<Path>& paths);

// The top-level attribute names an expression reads, so that a caller can decode only those.
void AddAttributeNames(const Condition& condition, std::set<std::string, std::less<>>* names);
void AddAttributeNames(const std::vector<Path>& paths, std::set<std::string, std::less<>>* names);

}  // namespace cirrus::query
