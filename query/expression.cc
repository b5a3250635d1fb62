#include "query/expression.h"

#include <algorithm>

#include "query/lexer.h"

namespace cirrus::query {

std::string_view ExpressionKindName(ExpressionKind kind) {
  switch (kind) {
    case ExpressionKind::kKeyCondition: return "KeyConditionExpression";
    case ExpressionKind::kCondition: return "ConditionExpression";
    case ExpressionKind::kFilter: return "FilterExpression";
    case ExpressionKind::kProjection: return "ProjectionExpression";
    case ExpressionKind::kUpdate: return "UpdateExpression";
  }
  return "Expression";
}

std::string_view ComparatorText(Comparator c) {
  switch (c) {
    case Comparator::kEq: return "=";
    case Comparator::kNe: return "<>";
    case Comparator::kLt: return "<";
    case Comparator::kLe: return "<=";
    case Comparator::kGt: return ">";
    case Comparator::kGe: return ">=";
  }
  return "?";
}

std::string_view FunctionName(Function f) {
  switch (f) {
    case Function::kAttributeExists: return "attribute_exists";
    case Function::kAttributeNotExists: return "attribute_not_exists";
    case Function::kAttributeType: return "attribute_type";
    case Function::kBeginsWith: return "begins_with";
    case Function::kContains: return "contains";
  }
  return "?";
}

std::string Path::ToString() const {
  std::string out;
  for (const PathStep& step : steps) {
    if (step.is_index) {
      out += "[" + std::to_string(step.index) + "]";
    } else {
      if (!out.empty()) out.push_back('.');
      out += step.name;
    }
  }
  return out;
}

const std::string* Placeholders::Name(std::string_view placeholder) {
  if (!names_) return nullptr;
  auto it = names_->find(placeholder);
  if (it == names_->end()) return nullptr;
  used_names_.push_back(it->first);
  return &it->second;
}

void Placeholders::UseNames(const PlaceholderUse& use) {
  for (const std::string& n : use.names) Name(n);
}

Result<Values> Placeholders::Bind(const PlaceholderUse& use, ExpressionKind kind) {
  Values values;
  values.reserve(use.values.size());
  for (const std::string& placeholder : use.values) {
    auto it = values_ ? values_->find(placeholder) : Item::const_iterator();
    if (!values_ || it == values_->end()) {
      return ValidationError("Invalid " + std::string(ExpressionKindName(kind)) +
                             ": An expression attribute value used in expression is not "
                             "defined; attribute value: " + placeholder);
    }
    used_values_.push_back(it->first);
    values.push_back(&it->second);
  }
  return values;
}

Status Placeholders::CheckAllUsed() const {
  auto unused = [](const auto& map, const std::vector<std::string_view>& used) {
    std::string keys;
    for (const auto& [key, value] : map) {
      if (std::find(used.begin(), used.end(), key) != used.end()) continue;
      if (!keys.empty()) keys += ", ";
      keys += key;
    }
    return keys;
  };
  if (names_) {
    std::string keys = unused(*names_, used_names_);
    if (!keys.empty()) {
      return ValidationError(
          "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + keys + "}");
    }
  }
  if (values_) {
    std::string keys = unused(*values_, used_values_);
    if (!keys.empty()) {
      return ValidationError(
          "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + keys +
          "}");
    }
  }
  return Status();
}

namespace {

// Recursive descent over the condition grammar, lowest precedence first:
//   or := and (OR and)*;  and := not (AND not)*;  not := NOT not | primary
//   primary := '(' or ')' | function | operand (comparator operand
//              | BETWEEN operand AND operand | IN '(' operand (',' operand)* ')')
class ConditionParser {
 public:
  ConditionParser(TokenStream& tokens, Placeholders& placeholders)
      : t_(tokens), placeholders_(placeholders) {}

  Result<Condition> Parse() {
    CIRRUS_ASSIGN_OR_RETURN(Condition c, ParseOr());
    if (!t_.AtEnd()) return t_.SyntaxError();
    return c;
  }

 private:
  static constexpr size_t kMaxInOperands = 100;

  Result<Condition> ParseOr() {
    CIRRUS_ASSIGN_OR_RETURN(Condition left, ParseAnd());
    while (t_.AcceptKeyword("OR")) {
      CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
      CIRRUS_ASSIGN_OR_RETURN(Condition right, ParseAnd());
      left = Binary(Condition::Kind::kOr, std::move(left), std::move(right));
    }
    return left;
  }

  Result<Condition> ParseAnd() {
    CIRRUS_ASSIGN_OR_RETURN(Condition left, ParseNot());
    while (t_.AcceptKeyword("AND")) {
      CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
      CIRRUS_ASSIGN_OR_RETURN(Condition right, ParseNot());
      left = Binary(Condition::Kind::kAnd, std::move(left), std::move(right));
    }
    return left;
  }

  Result<Condition> ParseNot() {
    if (t_.AcceptKeyword("NOT")) {
      CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
      CIRRUS_RETURN_IF_ERROR(t_.Enter());
      Result<Condition> parsed = ParseNot();
      t_.Leave();
      CIRRUS_ASSIGN_OR_RETURN(Condition inner, std::move(parsed));
      Condition c;
      c.kind = Condition::Kind::kNot;
      c.children.push_back(std::move(inner));
      return c;
    }
    return ParsePrimary();
  }

  Result<Condition> ParsePrimary() {
    // '(' opens a condition, or an operand: "(a) = :v". Try the operand reading first.
    if (t_.Peek().Is("(")) {
      const size_t start = t_.position();
      Result<Operand> operand = ParseOperand();
      if (operand.ok() && IsComparison(t_.Peek())) return ParseComparison(std::move(*operand));
      t_.Rewind(start);
    }
    if (t_.Peek().Is("(")) {
      const size_t open = t_.position();
      t_.Next();
      CIRRUS_RETURN_IF_ERROR(t_.Enter());
      Result<Condition> parsed = ParseOr();
      t_.Leave();
      CIRRUS_ASSIGN_OR_RETURN(Condition inner, std::move(parsed));
      if (!t_.Accept(")")) return t_.SyntaxError();
      const size_t close = t_.position() - 1;
      // "((c))": DynamoDB rejects parentheses that wrap exactly another pair.
      if (std::find(parenthesized_.begin(), parenthesized_.end(), std::make_pair(open + 1, close - 1)) !=
          parenthesized_.end()) {
        return t_.Error("The expression has redundant parentheses;");
      }
      parenthesized_.emplace_back(open, close);
      return inner;
    }
    const Token& first = t_.Peek();
    if (first.type == Token::Type::kName && t_.Peek(1).Is("(") && first.text != "size") {
      std::string_view name = first.text;
      CIRRUS_ASSIGN_OR_RETURN(Condition function, ParseFunction());
      if (IsComparison(t_.Peek())) {
        return t_.Error("The function is not allowed to be used this way in an expression; "
                        "function: " + std::string(name));
      }
      return function;
    }
    CIRRUS_ASSIGN_OR_RETURN(Operand left, ParseOperand());
    return ParseComparison(std::move(left));
  }

  static bool IsComparison(const Token& t) {
    return t.IsKeyword("BETWEEN") || t.IsKeyword("IN") || t.Is("=") || t.Is("<>") ||
           t.Is("<") || t.Is("<=") || t.Is(">") || t.Is(">=");
  }

  // After the left operand: comparator operand | BETWEEN operand AND operand | IN (...)
  Result<Condition> ParseComparison(Operand left) {
    Condition c;
    c.operands.push_back(std::move(left));
    const Token& op = t_.Peek();
    if (op.IsKeyword("BETWEEN") || op.IsKeyword("IN") || op.type == Token::Type::kPunct) {
      CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
    }
    if (op.IsKeyword("BETWEEN")) {
      t_.Next();
      c.kind = Condition::Kind::kBetween;
      CIRRUS_ASSIGN_OR_RETURN(Operand low, ParseOperand());
      if (!t_.AcceptKeyword("AND")) return t_.SyntaxError();
      CIRRUS_ASSIGN_OR_RETURN(Operand high, ParseOperand());
      c.operands.push_back(std::move(low));
      c.operands.push_back(std::move(high));
      return c;
    }
    if (op.IsKeyword("IN")) {
      t_.Next();
      c.kind = Condition::Kind::kIn;
      if (!t_.Accept("(")) return t_.SyntaxError();
      do {
        CIRRUS_ASSIGN_OR_RETURN(Operand candidate, ParseOperand());
        c.operands.push_back(std::move(candidate));
      } while (t_.Accept(","));
      if (!t_.Accept(")")) return t_.SyntaxError();
      if (c.operands.size() - 1 > kMaxInOperands) {
        return t_.Error(
            "The IN operator is provided with too many operands; number of operands: " +
            std::to_string(c.operands.size() - 1));
      }
      return c;
    }
    static constexpr std::pair<std::string_view, Comparator> kComparators[] = {
        {"=", Comparator::kEq}, {"<>", Comparator::kNe}, {"<", Comparator::kLt},
        {"<=", Comparator::kLe}, {">", Comparator::kGt}, {">=", Comparator::kGe}};
    for (const auto& [text, comparator] : kComparators) {
      if (op.Is(text)) {
        t_.Next();
        c.kind = Condition::Kind::kCompare;
        c.comparator = comparator;
        CIRRUS_ASSIGN_OR_RETURN(Operand right, ParseOperand());
        c.operands.push_back(std::move(right));
        // A path compared with itself (conformance fact E10, DynamoDB Local's text).
        if (c.operands[0].kind == Operand::Kind::kPath && c.operands[1].kind == Operand::Kind::kPath &&
            c.operands[0].path == c.operands[1].path) {
          return t_.Error("The first operand must be distinct from the remaining operands for "
                          "this operator or function; operator: " + std::string(text) +
                          ", first operand: [" + c.operands[0].path.ToString() + "]");
        }
        return c;
      }
    }
    if (c.operands[0].kind == Operand::Kind::kSize) {
      return t_.Error("The function is not allowed to be used this way in an expression; function: size");
    }
    return t_.SyntaxError();
  }

  // operand := path | :value | size '(' path ')' | '(' operand ')'
  Result<Operand> ParseOperand() {
    if (t_.Accept("(")) {
      CIRRUS_RETURN_IF_ERROR(t_.Enter());
      Result<Operand> inner = ParseOperand();
      t_.Leave();
      if (inner.ok() && !t_.Accept(")")) return t_.SyntaxError();
      return inner;
    }
    const Token& t = t_.Peek();
    Operand operand;
    if (t.type == Token::Type::kValuePlaceholder) return t_.ParseValue();
    if (t.type == Token::Type::kName && t_.Peek(1).Is("(")) {
      if (t.text != "size") {
        if (IsBooleanFunction(t.text)) {
          return t_.Error("The function is not allowed to be used this way in an expression; "
                          "function: " + std::string(t.text));
        }
        return UnknownFunction(t.text);
      }
      t_.Next();
      t_.Next();
      CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
      operand.kind = Operand::Kind::kSize;
      CIRRUS_ASSIGN_OR_RETURN(std::vector<Operand> args, ParseArguments());
      if (args.size() != 1) {
        return t_.Error("Incorrect number of operands for operator or function; operator or "
                        "function: size, number of operands: " + std::to_string(args.size()));
      }
      if (args[0].kind == Operand::Kind::kValue) {
        operand.args.push_back(std::move(args[0]));  // its size, or an error (by its type)
      } else if (args[0].kind != Operand::Kind::kPath) {
        return t_.Error(
            "Incorrect operand type for operator or function; operator or function: size, "
            "operand type: N");
      }
      operand.path = std::move(args[0].path);
      return operand;
    }
    CIRRUS_ASSIGN_OR_RETURN(operand.path, t_.ParsePath(placeholders_));
    operand.kind = Operand::Kind::kPath;
    return operand;
  }

  // After "name(": operand (',' operand)* ')'
  Result<std::vector<Operand>> ParseArguments() {
    std::vector<Operand> args;
    if (t_.Accept(")")) return args;
    do {
      CIRRUS_ASSIGN_OR_RETURN(Operand arg, ParseOperand());
      args.push_back(std::move(arg));
    } while (t_.Accept(","));
    if (!t_.Accept(")")) return t_.SyntaxError();
    return args;
  }

  static bool IsBooleanFunction(std::string_view name) {
    return name == "attribute_exists" || name == "attribute_not_exists" ||
           name == "attribute_type" || name == "begins_with" || name == "contains";
  }

  Result<Condition> ParseFunction() {
    CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
    std::string_view name = t_.Next().text;
    t_.Next();  // '('
    Condition c;
    c.kind = Condition::Kind::kFunction;
    size_t arity;
    if (name == "attribute_exists") {
      c.function = Function::kAttributeExists, arity = 1;
    } else if (name == "attribute_not_exists") {
      c.function = Function::kAttributeNotExists, arity = 1;
    } else if (name == "attribute_type") {
      c.function = Function::kAttributeType, arity = 2;
    } else if (name == "begins_with") {
      c.function = Function::kBeginsWith, arity = 2;
    } else if (name == "contains") {
      c.function = Function::kContains, arity = 2;
    } else {
      return UnknownFunction(name);
    }
    CIRRUS_ASSIGN_OR_RETURN(c.operands, ParseArguments());
    if (c.operands.size() != arity) {
      return t_.Error("Incorrect number of operands for operator or function; operator or "
                      "function: " + std::string(name) + ", number of operands: " +
                      std::to_string(c.operands.size()));
    }
    // attribute_type's first operand may also be a literal (its type is tested).
    const bool needs_path = c.function == Function::kAttributeExists ||
                            c.function == Function::kAttributeNotExists;
    const bool path_or_value = c.function == Function::kAttributeType &&
                               c.operands[0].kind == Operand::Kind::kValue;
    if ((needs_path || c.function == Function::kAttributeType) && !path_or_value &&
        c.operands[0].kind != Operand::Kind::kPath) {
      return t_.Error("Operator or function requires a document path; operator or function: " +
                      std::string(name));
    }
    if (c.function == Function::kAttributeType && c.operands[1].kind != Operand::Kind::kValue) {
      return t_.Error("Incorrect operand type for operator or function; operator or function: "
                      "attribute_type, operand type: PATH");
    }
    if (c.function == Function::kBeginsWith) {
      for (const Operand& operand : c.operands) {
        if (operand.kind == Operand::Kind::kSize) {
          return t_.Error("Incorrect operand type for operator or function; operator or "
                          "function: begins_with, operand type: N");
        }
      }
    }
    if (c.function == Function::kContains && c.operands[0].kind == Operand::Kind::kPath &&
        c.operands[1].kind == Operand::Kind::kPath && c.operands[0].path == c.operands[1].path) {
      return t_.Error("The first operand must be distinct from the remaining operands for this "
                      "operator or function; operator: contains, first operand: [" +
                      c.operands[0].path.ToString() + "]");
    }
    return c;
  }

  static Condition Binary(Condition::Kind kind, Condition left, Condition right) {
    Condition c;
    c.kind = kind;
    c.children.push_back(std::move(left));
    c.children.push_back(std::move(right));
    return c;
  }

  // A name before "(" that no condition function has: the update-only functions are "not
  // allowed" (conformance fact E4), anything else is not a function at all.
  Status UnknownFunction(std::string_view name) {
    if (name == "if_not_exists" || name == "list_append") {
      return t_.Error("The function is not allowed in a condition expression; function: " +
                      std::string(name));
    }
    return t_.Error("Invalid function name; function: " + std::string(name));
  }

  TokenStream& t_;
  Placeholders& placeholders_;
  std::vector<std::pair<size_t, size_t>> parenthesized_;  // token positions of ( and ) pairs
};

}  // namespace

Result<ParsedCondition> ParseCondition(std::string_view text, ExpressionKind kind,
                                       Placeholders& placeholders) {
  CIRRUS_ASSIGN_OR_RETURN(TokenStream stream, OpenExpression(text, kind));
  ConditionParser parser(stream, placeholders);
  CIRRUS_ASSIGN_OR_RETURN(Condition tree, parser.Parse());
  return ParsedCondition{std::move(tree), stream.TakeUse()};
}

namespace {

std::string ValueText(const AttributeValue& v) {
  return "AttributeValue: {" + std::string(TypeName(v.type())) + ":" + v.scalar() + "}";
}

Status CheckValuesIn(const Condition& c, const Values& values, ExpressionKind kind) {
  auto error = [&](std::string detail) {
    return ValidationError("Invalid " + std::string(ExpressionKindName(kind)) + ": " + detail);
  };
  auto value_of = [&](const Operand& o) -> const AttributeValue* {
    return o.kind == Operand::Kind::kValue ? values[o.slot] : nullptr;
  };
  for (const Operand& o : c.operands) {
    // size() of a literal is the literal's size (conformance fact E3), if it has one.
    if (o.kind == Operand::Kind::kSize && !o.args.empty()) {
      const ValueType t = value_of(o.args[0])->type();
      if (t == ValueType::kN || t == ValueType::kBool || t == ValueType::kNull) {
        return error("Incorrect operand type for operator or function; operator or function: "
                     "size, operand type: " + std::string(TypeName(t)));
      }
    }
  }
  // Ordering comparisons of a literal that has no order (L, M, sets, BOOL, NULL) fail the
  // request before anything is evaluated; the same type read from the item is only false.
  const bool ordering = (c.kind == Condition::Kind::kCompare && c.comparator != Comparator::kEq &&
                         c.comparator != Comparator::kNe) ||
                        c.kind == Condition::Kind::kBetween;
  if (ordering) {
    for (const Operand& o : c.operands) {
      const AttributeValue* v = value_of(o);
      if (v && !v->is(ValueType::kS) && !v->is(ValueType::kN) && !v->is(ValueType::kB)) {
        return error("Incorrect operand type for operator or function; operator or function: " +
                     std::string(c.kind == Condition::Kind::kBetween ? "BETWEEN"
                                                                     : ComparatorText(c.comparator)) +
                     ", operand type: " + std::string(TypeName(v->type())));
      }
    }
  }
  if (c.kind == Condition::Kind::kFunction && c.function == Function::kAttributeType) {
    const AttributeValue* type = value_of(c.operands[1]);
    if (!type->is(ValueType::kS)) {
      return error("Incorrect operand type for operator or function; operator or function: "
                   "attribute_type, operand type: " + std::string(TypeName(type->type())));
    }
    static constexpr std::string_view kTypes[] = {"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"};
    if (std::find(std::begin(kTypes), std::end(kTypes), type->scalar()) == std::end(kTypes)) {
      return error("Invalid attribute type name found; type: " + type->scalar() +
                   ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
    }
  }
  if (c.kind == Condition::Kind::kFunction && c.function == Function::kBeginsWith) {
    for (const Operand& o : c.operands) {
      const AttributeValue* v = value_of(o);
      if (v && !v->is(ValueType::kS) && !v->is(ValueType::kB)) {
        return error("Incorrect operand type for operator or function; operator or function: "
                     "begins_with, operand type: " + std::string(TypeName(v->type())));
      }
    }
  }
  if (c.kind == Condition::Kind::kBetween) {
    // Literal bounds must be of one type and in order.
    const AttributeValue* low = value_of(c.operands[1]);
    const AttributeValue* high = value_of(c.operands[2]);
    if (low && high) {
      if (low->type() != high->type()) {
        return error("The BETWEEN operator requires same data type for lower and upper bounds; "
                     "lower bound operand: " + ValueText(*low) + ", upper bound operand: " +
                     ValueText(*high));
      }
      int cmp = 0;
      if (low->is(ValueType::kN)) {
        cmp = CompareNormalizedNumbers(low->scalar(), high->scalar());
      } else if (low->is(ValueType::kS) || low->is(ValueType::kB)) {
        cmp = low->scalar().compare(high->scalar());
      }
      if (cmp > 0) {
        return error("The BETWEEN operator requires upper bound to be greater than or equal to "
                     "lower bound; lower bound operand: " + ValueText(*low) +
                     ", upper bound operand: " + ValueText(*high));
      }
    }
  }
  for (const Condition& child : c.children) CIRRUS_RETURN_IF_ERROR(CheckValuesIn(child, values, kind));
  return Status();
}

}  // namespace

Status CheckConditionValues(const Condition& condition, const Values& values, ExpressionKind kind) {
  return CheckValuesIn(condition, values, kind);
}

}  // namespace cirrus::query
