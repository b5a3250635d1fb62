// ProjectionExpression and UpdateExpression: the grammars of
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html and
// Expressions.UpdateExpressions.html on the shared lexer, and DynamoDB's checks that need no item.
#include <algorithm>

#include "query/expression.h"
#include "query/lexer.h"

namespace cirrus::query {
namespace {

// DynamoDB's names for value types in ADD/DELETE operand errors.
std::string_view UpdateTypeName(ValueType t) {
  switch (t) {
    case ValueType::kS: return "STRING";
    case ValueType::kN: return "NUMBER";
    case ValueType::kB: return "BINARY";
    case ValueType::kBool: return "BOOLEAN";
    case ValueType::kNull: return "NULL";
    case ValueType::kM: return "MAP";
    case ValueType::kL: return "LIST";
    case ValueType::kSS: return "STRING_SET";
    case ValueType::kNS: return "NUMBER_SET";
    case ValueType::kBS: return "BINARY_SET";
  }
  return "?";
}

bool IsSet(ValueType t) { return t == ValueType::kSS || t == ValueType::kNS || t == ValueType::kBS; }

class UpdateParser {
 public:
  UpdateParser(TokenStream& tokens, Placeholders& placeholders)
      : t_(tokens), placeholders_(placeholders) {}

  // update ::= clause+ ; each keyword at most once.
  Result<UpdateExpression> Parse() {
    UpdateExpression update;
    std::vector<UpdateAction> sets, removes, adds, deletes;
    bool seen[4] = {false, false, false, false};
    while (!t_.AtEnd()) {
      const Token& keyword = t_.Peek();
      int section = keyword.IsKeyword("SET") ? 0
                    : keyword.IsKeyword("REMOVE") ? 1
                    : keyword.IsKeyword("ADD") ? 2
                    : keyword.IsKeyword("DELETE") ? 3
                                                  : -1;
      if (section < 0) return t_.SyntaxError();
      if (seen[section]) {
        static constexpr const char* kNames[] = {"SET", "REMOVE", "ADD", "DELETE"};
        return t_.Error(std::string("The \"") + kNames[section] +
                        "\" section can only be used once in an update expression;");
      }
      seen[section] = true;
      t_.Next();
      do {
        UpdateAction action;
        action.kind = static_cast<UpdateAction::Kind>(section);
        CIRRUS_ASSIGN_OR_RETURN(action.path, t_.ParsePath(placeholders_));
        switch (action.kind) {
          case UpdateAction::Kind::kSet: {
            if (!t_.Accept("=")) return t_.SyntaxError();
            CIRRUS_ASSIGN_OR_RETURN(action.value, ParseSetValue());
            sets.push_back(std::move(action));
            break;
          }
          case UpdateAction::Kind::kRemove:
            removes.push_back(std::move(action));
            break;
          case UpdateAction::Kind::kAdd:
          case UpdateAction::Kind::kDelete: {
            if (t_.Peek().type != Token::Type::kValuePlaceholder) return t_.SyntaxError();
            action.value = t_.ParseValue();
            (action.kind == UpdateAction::Kind::kAdd ? adds : deletes).push_back(std::move(action));
            break;
          }
        }
        CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
      } while (t_.Accept(","));
    }
    for (auto* group : {&sets, &removes, &adds, &deletes}) {
      for (UpdateAction& a : *group) update.actions.push_back(std::move(a));
    }
    return update;
  }

 private:
  // set_value ::= set_operand [ ('+' | '-') set_operand ]
  Result<Operand> ParseSetValue() {
    CIRRUS_ASSIGN_OR_RETURN(Operand left, ParseSetOperand());
    const Token& op = t_.Peek();
    if (!op.Is("+") && !op.Is("-")) return left;
    const bool plus = op.Is("+");
    t_.Next();
    CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
    CIRRUS_ASSIGN_OR_RETURN(Operand right, ParseSetOperand());
    Operand result;
    result.kind = plus ? Operand::Kind::kPlus : Operand::Kind::kMinus;
    result.args.push_back(std::move(left));
    result.args.push_back(std::move(right));
    return result;
  }

  // set_operand ::= path | :value | if_not_exists(path, set_operand)
  //               | list_append(set_operand, set_operand) | '(' set_value ')'
  // (DynamoDB takes a parenthesized sum: ElectroDB's add and subtract send
  // "SET #a = (if_not_exists(#a, :d) - :v)".)
  Result<Operand> ParseSetOperand() {
    CIRRUS_RETURN_IF_ERROR(t_.Enter());
    Result<Operand> operand = ParseSetOperandAt();
    t_.Leave();
    return operand;
  }

  Result<Operand> ParseSetOperandAt() {
    const Token& t = t_.Peek();
    if (t.Is("(")) {
      t_.Next();
      CIRRUS_ASSIGN_OR_RETURN(Operand inner, ParseSetValue());
      if (!t_.Accept(")")) return t_.SyntaxError();
      return inner;
    }
    if (t.type == Token::Type::kValuePlaceholder) return t_.ParseValue();
    if (t.type == Token::Type::kName && t_.Peek(1).Is("(")) return ParseFunction();
    Operand operand;
    CIRRUS_ASSIGN_OR_RETURN(operand.path, t_.ParsePath(placeholders_));
    return operand;
  }

  Result<Operand> ParseFunction() {
    std::string name(t_.Next().text);
    t_.Next();  // '('
    CIRRUS_RETURN_IF_ERROR(t_.CountOperator());
    if (name != "if_not_exists" && name != "list_append") {
      static constexpr std::string_view kConditionFunctions[] = {
          "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with",
          "contains", "size"};
      if (std::find(std::begin(kConditionFunctions), std::end(kConditionFunctions), name) !=
          std::end(kConditionFunctions)) {
        return t_.Error("The function is not allowed in an update expression; function: " + name);
      }
      return t_.Error("Invalid function name; function: " + name);
    }
    std::vector<Operand> args;
    if (!t_.Accept(")")) {
      do {
        CIRRUS_ASSIGN_OR_RETURN(Operand arg, ParseSetOperand());
        args.push_back(std::move(arg));
      } while (t_.Accept(","));
      if (!t_.Accept(")")) return t_.SyntaxError();
    }
    if (args.size() != 2) {
      return t_.Error("Incorrect number of operands for operator or function; operator or "
                      "function: " + name + ", number of operands: " + std::to_string(args.size()));
    }
    Operand result;
    if (name == "if_not_exists") {
      if (args[0].kind != Operand::Kind::kPath) {
        return t_.Error("Operator or function requires a document path; operator or function: "
                        "if_not_exists");
      }
      result.kind = Operand::Kind::kIfNotExists;
      result.path = std::move(args[0].path);
      result.args.push_back(std::move(args[1]));
      return result;
    }
    result.kind = Operand::Kind::kListAppend;
    result.args = std::move(args);
    return result;
  }

  TokenStream& t_;
  Placeholders& placeholders_;
};

}  // namespace

Status CheckPathsDisjoint(const std::vector<const Path*>& paths, ExpressionKind kind) {
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Path& a = *paths[j];
      const Path& b = *paths[i];
      size_t common = std::min(a.steps.size(), b.steps.size());
      size_t k = 0;
      while (k < common && a.steps[k] == b.steps[k]) ++k;
      std::string which;
      if (k == common) {
        which = "overlap";
      } else if (a.steps[k].is_index != b.steps[k].is_index) {
        which = "conflict";
      } else {
        continue;
      }
      return ValidationError("Invalid " + std::string(ExpressionKindName(kind)) +
                             ": Two document paths " + which +
                             " with each other; must remove or rewrite one of these paths; path "
                             "one: " + PathForMessage(a) + ", path two: " + PathForMessage(b));
    }
  }
  return Status();
}

Result<ParsedProjection> ParseProjection(std::string_view text, Placeholders& placeholders) {
  CIRRUS_ASSIGN_OR_RETURN(TokenStream t, OpenExpression(text, ExpressionKind::kProjection));
  std::vector<Path> paths;
  do {
    CIRRUS_ASSIGN_OR_RETURN(Path p, t.ParsePath(placeholders));
    paths.push_back(std::move(p));
  } while (t.Accept(","));
  if (!t.AtEnd()) return t.SyntaxError();
  std::vector<const Path*> all;
  for (const Path& p : paths) all.push_back(&p);
  CIRRUS_RETURN_IF_ERROR(CheckPathsDisjoint(all, ExpressionKind::kProjection));
  return ParsedProjection{std::move(paths), t.TakeUse()};
}

Result<ParsedUpdate> ParseUpdate(std::string_view text, Placeholders& placeholders) {
  CIRRUS_ASSIGN_OR_RETURN(TokenStream t, OpenExpression(text, ExpressionKind::kUpdate));
  UpdateParser parser(t, placeholders);
  CIRRUS_ASSIGN_OR_RETURN(UpdateExpression update, parser.Parse());
  std::vector<const Path*> targets;
  for (const UpdateAction& a : update.actions) targets.push_back(&a.path);
  CIRRUS_RETURN_IF_ERROR(CheckPathsDisjoint(targets, ExpressionKind::kUpdate));
  return ParsedUpdate{std::move(update), t.TakeUse()};
}

namespace {

Status OperandTypeError(std::string_view what, const AttributeValue& v) {
  return ValidationError("Invalid UpdateExpression: Incorrect operand type for operator or "
                         "function; operator or function: " + std::string(what) +
                         ", operand type: " + std::string(TypeName(v.type())));
}

// Literal operands of +, - (numbers) and list_append (lists), anywhere in a SET value.
Status CheckSetOperand(const Operand& o, const Values& values) {
  if (o.kind == Operand::Kind::kPlus || o.kind == Operand::Kind::kMinus ||
      o.kind == Operand::Kind::kListAppend) {
    for (const Operand& arg : o.args) {
      if (arg.kind != Operand::Kind::kValue) continue;
      const AttributeValue& v = *values[arg.slot];
      if (o.kind == Operand::Kind::kListAppend && !v.is(ValueType::kL)) {
        return OperandTypeError("list_append", v);
      }
      if (o.kind != Operand::Kind::kListAppend && !v.is(ValueType::kN)) {
        return OperandTypeError(o.kind == Operand::Kind::kPlus ? "+" : "-", v);
      }
    }
  }
  for (const Operand& arg : o.args) CIRRUS_RETURN_IF_ERROR(CheckSetOperand(arg, values));
  return Status();
}

}  // namespace

Status CheckUpdate(const UpdateExpression& update, const Values& values,
                   const std::vector<std::string>& key_attributes) {
  for (const UpdateAction& a : update.actions) {
    const std::string& attribute = a.path.steps[0].name;
    if (std::find(key_attributes.begin(), key_attributes.end(), attribute) != key_attributes.end()) {
      return ValidationError("One or more parameter values were invalid: Cannot update attribute " +
                             attribute + ". This attribute is part of the key");
    }
  }
  for (const UpdateAction& a : update.actions) {
    if (a.kind == UpdateAction::Kind::kSet) {
      CIRRUS_RETURN_IF_ERROR(CheckSetOperand(a.value, values));
    } else if (a.kind == UpdateAction::Kind::kAdd || a.kind == UpdateAction::Kind::kDelete) {
      ValueType type = values[a.value.slot]->type();
      bool add = a.kind == UpdateAction::Kind::kAdd;
      if ((add && (type == ValueType::kN || IsSet(type))) || (!add && IsSet(type))) continue;
      return ValidationError(std::string("Invalid UpdateExpression: Incorrect operand type for "
                                         "operator or function; operator: ") +
                             (add ? "ADD" : "DELETE") + ", operand type: " +
                             std::string(UpdateTypeName(type)) + ", typeSet: " +
                             (add ? "ALLOWED_FOR_ADD_OPERAND" : "ALLOWED_FOR_DELETE_OPERAND"));
    }
  }
  return Status();
}

}  // namespace cirrus::query
