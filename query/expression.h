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
struct Operand {
  enum class Kind : uint8_t { kPath, kValue, kSize, kIfNotExists, kListAppend, kPlus, kMinus };
  Kind kind = Kind::kPath;
  Path path;                  // kPath, kSize, kIfNotExists (the path tested)
  std::string placeholder;    // kValue: ":v", for messages
  AttributeValue value;       // kValue
  std::vector<Operand> args;  // kIfNotExists: {fallback}; kListAppend, kPlus, kMinus: {a, b}
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
};

// A request's ExpressionAttributeNames ("#n" -> name) and ExpressionAttributeValues
// (":v" -> value), and which of them the request's expressions used: DynamoDB rejects
// undefined and unused entries. Lives as long as the parse calls that use it.
class Placeholders {
 public:
  Placeholders() = default;
  Placeholders(const std::map<std::string, std::string, std::less<>>* names, const Item* values)
      : names_(names), values_(values) {}

  // nullptr when undefined; marks the entry used.
  const std::string* Name(std::string_view placeholder);
  const AttributeValue* Value(std::string_view placeholder);

  // "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}".
  Status CheckAllUsed() const;

 private:
  const std::map<std::string, std::string, std::less<>>* names_ = nullptr;
  const Item* values_ = nullptr;
  std::set<std::string, std::less<>> used_names_;
  std::set<std::string, std::less<>> used_values_;
};

// Parses a condition (the grammar of ../shared/spec/expressions.md section 2) and resolves
// its placeholders. kValidation with DynamoDB's message ("Invalid ConditionExpression:
// Syntax error; token: ...") for bad syntax, reserved words, undefined placeholders,
// misused functions, over-long expressions.
Result<Condition> ParseCondition(std::string_view text, ExpressionKind kind,
                                 Placeholders& placeholders);

// Parses a ProjectionExpression: comma-separated paths, none overlapping or conflicting.
Result<std::vector<Path>> ParseProjection(std::string_view text, Placeholders& placeholders);

// Parses an UpdateExpression (SET, REMOVE, ADD, DELETE, each at most once) and checks what
// DynamoDB checks before reading the item: operand types of literal values, function use,
// overlapping or conflicting paths, and `key_attributes` (the table's) never targeted.
Result<UpdateExpression> ParseUpdate(std::string_view text, Placeholders& placeholders,
                                     const std::vector<std::string>& key_attributes);

// "Two document paths overlap with each other; ..." when one path is a prefix of the other,
// "... conflict ..." when they differ only by a map key against a list index at one step.
// `kind` names the expression in the message.
Status CheckPathsDisjoint(const std::vector<const Path*>& paths, ExpressionKind kind);

// Operators and functions an expression may hold (conditions, filters, updates).
constexpr size_t kMaxOperators = 300;

}  // namespace cirrus::query
