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

struct Operand {
  enum class Kind : uint8_t { kPath, kValue, kSize };
  Kind kind = Kind::kPath;
  Path path;                // kPath; kSize: the path whose size is taken
  std::string placeholder;  // kValue: ":v", for messages
  AttributeValue value;     // kValue
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

}  // namespace cirrus::query
