#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/attribute_value.h"
#include "db/item/status.h"

namespace cirrus::query {

// Which request parameter an expression came from; DynamoDB names it in error messages.
enum class ExpressionKind : uint8_t {
  kKeyCondition,
  kCondition,
  kFilter,
  kProjection,
  kUpdate,
};
std::string_view ExpressionKindName(ExpressionKind kind);  // "KeyConditionExpression", ...

constexpr size_t kMaxExpressionBytes = 4096;
constexpr size_t kMaxPathDepth = 32;  // the attribute plus at most 31 dereferences

// One step of a document path: a name (attribute or map key) or a list index.
struct PathStep {
  std::string name;
  uint32_t index = 0;
  bool is_index = false;
  friend bool operator==(const PathStep&, const PathStep&) = default;
};

// A document path with placeholders resolved: a.b[3].c is {a, b, [3], c}.
struct Path {
  std::vector<PathStep> steps;  // steps[0] is always a name
  std::string ToString() const;
  friend bool operator==(const Path&, const Path&) = default;
};

// A value in an expression. Conditions use paths, :values and size(path); update
// expressions also if_not_exists(path, v), list_append(a, b), a + b and a - b.
// A :value is a slot, bound to the request's value at evaluation (Values below), so that a
// parsed tree depends only on the text and ExpressionAttributeNames and can be reused.
struct Operand {
  enum class Kind : uint8_t { kPath, kValue, kSize, kIfNotExists, kListAppend, kPlus, kMinus };
  Kind kind = Kind::kPath;
  Path path;                  // kPath, kSize, kIfNotExists (the path tested)
  uint32_t slot = 0;          // kValue: index into the expression's Values
  std::vector<Operand> args;  // kIfNotExists: {fallback}; kListAppend, kPlus, kMinus: {a, b}
};

// The values of an expression's slots. The pointers go into ExpressionAttributeValues (or a
// legacy parameter's values) and are valid while those live.
using Values = std::vector<const AttributeValue*>;

// The placeholders one parsed expression uses: its value slots ("slot i is :v") and its
// #names. Together with the tree, what a cached parse keeps.
struct PlaceholderUse {
  std::vector<std::string> values;  // slot -> ":v"
  std::vector<std::string> names;   // "#n", each once
};

template <typename Tree>
struct Parsed {
  Tree tree;
  PlaceholderUse use;
};

enum class Comparator : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
std::string_view ComparatorText(Comparator c);  // "=", "<>", ...

enum class Function : uint8_t {
  kAttributeExists,
  kAttributeNotExists,
  kAttributeType,
  kBeginsWith,
  kContains,
};
std::string_view FunctionName(Function f);

// A ConditionExpression, FilterExpression or KeyConditionExpression tree.
struct Condition {
  enum class Kind : uint8_t { kCompare, kBetween, kIn, kFunction, kAnd, kOr, kNot };
  Kind kind = Kind::kCompare;
  Comparator comparator = Comparator::kEq;  // kCompare
  Function function = Function::kAttributeExists;  // kFunction
  std::vector<Operand> operands;  // kCompare: 2; kBetween: 3; kIn: 1 + candidates; kFunction
  std::vector<Condition> children;  // kAnd, kOr: 2; kNot: 1
};

// An UpdateExpression: its actions in the order written, SET before REMOVE, ADD and DELETE
// as DynamoDB applies them.
struct UpdateAction {
  enum class Kind : uint8_t { kSet, kRemove, kAdd, kDelete };
  Kind kind = Kind::kSet;
  Path path;
  Operand value;  // kSet: the new value; kAdd, kDelete: the :value operand
};
struct UpdateExpression {
  std::vector<UpdateAction> actions;
  // Translated from AttributeUpdates: an ADD or DELETE of the wrong type says "Type mismatch
  // for attribute to update", as DynamoDB words it for that parameter.
  bool legacy = false;
};

using ParsedCondition = Parsed<Condition>;
using ParsedUpdate = Parsed<UpdateExpression>;
using ParsedProjection = Parsed<std::vector<Path>>;

// A request's ExpressionAttributeNames ("#n" -> name) and ExpressionAttributeValues
// (":v" -> value), and which of them the request's expressions used: DynamoDB rejects
// undefined and unused entries. Lives as long as the parse calls that use it.
class Placeholders {
 public:
  Placeholders() = default;
  Placeholders(const std::map<std::string, std::string, std::less<>>* names, const Item* values)
      : names_(names), values_(values) {}

  // The name a #placeholder stands for, nullptr when undefined; marks it used.
  const std::string* Name(std::string_view placeholder);
  // Marks the #names of an expression parsed earlier (a cached one) as used.
  void UseNames(const PlaceholderUse& use);
  // This request's values for an expression's slots, marking them used. kValidation
  // "Invalid <Kind>: An expression attribute value used in expression is not defined;
  // attribute value: :v" when one is missing.
  Result<Values> Bind(const PlaceholderUse& use, ExpressionKind kind);

  // "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}".
  Status CheckAllUsed() const;

  const std::map<std::string, std::string, std::less<>>* names() const { return names_; }

 private:
  const std::map<std::string, std::string, std::less<>>* names_ = nullptr;
  const Item* values_ = nullptr;
  // Keys of the maps above (views into them), in use order, repeats allowed: cheaper than a
  // set for the handful of placeholders a request has.
  std::vector<std::string_view> used_names_;
  std::vector<std::string_view> used_values_;
};

// Parses a condition (the grammar of
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html),
// resolving its #names. kValidation with DynamoDB's message ("Invalid ConditionExpression: Syntax error;
// token: ...") for bad syntax, reserved words, undefined #names, misused functions,
// over-long expressions.
Result<ParsedCondition> ParseCondition(std::string_view text, ExpressionKind kind,
                                       Placeholders& placeholders);
// What DynamoDB checks of a condition's values before evaluating it: literal operand types
// (begins_with, attribute_type's type names), BETWEEN bounds in order and of one type.
Status CheckConditionValues(const Condition& condition, const Values& values,
                            ExpressionKind kind);

// Parses a ProjectionExpression: comma-separated paths, none overlapping or conflicting.
Result<ParsedProjection> ParseProjection(std::string_view text, Placeholders& placeholders);

// Parses an UpdateExpression (SET, REMOVE, ADD, DELETE, each at most once): function use,
// overlapping or conflicting paths.
Result<ParsedUpdate> ParseUpdate(std::string_view text, Placeholders& placeholders);
// What DynamoDB checks of an update before reading the item: `key_attributes` (the table's)
// never targeted, literal operand types (+, -, list_append, ADD, DELETE).
Status CheckUpdate(const UpdateExpression& update, const Values& values,
                   const std::vector<std::string>& key_attributes);

// "Two document paths overlap with each other; ..." when one path is a prefix of the other,
// "... conflict ..." when they differ only by a map key against a list index at one step.
// `kind` names the expression in the message.
Status CheckPathsDisjoint(const std::vector<const Path*>& paths, ExpressionKind kind);

// Operators and functions an expression may hold (conditions, filters, updates).
constexpr size_t kMaxOperators = 300;

}  // namespace cirrus::query
