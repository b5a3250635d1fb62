#include "query/key_condition.h"

#include <vector>

namespace cirrus::query {
namespace {

Status KeyConditionError(std::string detail) {
  return ValidationError("Invalid KeyConditionExpression: " + std::move(detail));
}

// Flattens a tree of ANDs into its leaf conditions; anything else is not allowed.
Status CollectLeaves(const Condition& c, std::vector<const Condition*>* leaves) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
      CIRRUS_RETURN_IF_ERROR(CollectLeaves(c.children[0], leaves));
      return CollectLeaves(c.children[1], leaves);
    case Condition::Kind::kOr:
      return KeyConditionError("Invalid operator used in KeyConditionExpression: OR");
    case Condition::Kind::kNot:
      return KeyConditionError("Invalid operator used in KeyConditionExpression: NOT");
    case Condition::Kind::kIn:
      return KeyConditionError("Invalid operator used in KeyConditionExpression: IN");
    case Condition::Kind::kCompare:
      if (c.comparator == Comparator::kNe) {
        return KeyConditionError("Invalid operator used in KeyConditionExpression: <>");
      }
      break;
    case Condition::Kind::kFunction:
      if (c.function != Function::kBeginsWith) {
        return KeyConditionError("Invalid operator used in KeyConditionExpression: " +
                                 std::string(FunctionName(c.function)));
      }
      break;
    case Condition::Kind::kBetween:
      break;
  }
  leaves->push_back(&c);
  return Status();
}

}  // namespace

Result<KeyCondition> AnalyzeKeyCondition(const Condition& condition, const Values& values,
                                         const KeyAttributeRef& partition_key,
                                         const std::optional<KeyAttributeRef>& sort_key) {
  std::vector<const Condition*> leaves;
  CIRRUS_RETURN_IF_ERROR(CollectLeaves(condition, &leaves));

  const Condition* pk_condition = nullptr;
  const Condition* sk_condition = nullptr;
  bool non_key = false;  // a condition on an attribute of neither key
  for (const Condition* leaf : leaves) {
    // Exactly one operand names an attribute (a top-level one); the others are :values.
    const Path* path = nullptr;
    for (const Operand& operand : leaf->operands) {
      if (operand.kind == Operand::Kind::kSize) {
        return KeyConditionError("KeyConditionExpressions cannot contain nested operations");
      }
      if (operand.kind != Operand::Kind::kPath) continue;
      if (path) {
        return KeyConditionError(
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition");
      }
      path = &operand.path;
    }
    if (!path) return KeyConditionError("The expression does not contain a key attribute");
    if (path->steps.size() > 1) {
      return KeyConditionError("KeyConditionExpressions cannot have conditions on nested attributes");
    }
    const std::string& name = path->steps[0].name;
    const Condition** slot = nullptr;
    if (name == partition_key.name) {
      slot = &pk_condition;
    } else if (sort_key && name == sort_key->name) {
      slot = &sk_condition;
    } else {
      non_key = true;  // reported after a missing partition key (conformance fact M9)
      continue;
    }
    if (*slot) {
      return KeyConditionError("KeyConditionExpressions must only contain one condition per key");
    }
    *slot = leaf;
  }
  if (!pk_condition) {
    return ValidationError("Query condition missed key schema element: " + partition_key.name);
  }
  if (non_key) return ValidationError("Query key condition not supported");
  // Equality is the only condition a partition key takes ("pk = :v" or ":v = pk").
  if (pk_condition->kind != Condition::Kind::kCompare ||
      pk_condition->comparator != Comparator::kEq) {
    return ValidationError("Query key condition not supported");
  }

  auto value_of = [&](const Condition* c, size_t i) -> const AttributeValue& {
    return *values[c->operands[i].slot];
  };
  auto check_type = [](const AttributeValue& v, const KeyAttributeRef& key) -> Status {
    if (v.type() != key.type) {
      return ValidationError(
          "One or more parameter values were invalid: Condition parameter type does not match "
          "schema type");
    }
    return Status();
  };

  KeyCondition result;
  const size_t pk_value_index = pk_condition->operands[0].kind == Operand::Kind::kPath ? 1 : 0;
  result.partition_value = value_of(pk_condition, pk_value_index);
  CIRRUS_RETURN_IF_ERROR(check_type(result.partition_value, partition_key));

  if (sk_condition) {
    const Condition* c = sk_condition;
    switch (c->kind) {
      case Condition::Kind::kCompare: {
        bool path_first = c->operands[0].kind == Operand::Kind::kPath;
        result.sort_value = value_of(c, path_first ? 1 : 0);
        // ":v < sk" is "sk > :v".
        Comparator op = c->comparator;
        if (!path_first) {
          if (op == Comparator::kLt) op = Comparator::kGt;
          else if (op == Comparator::kLe) op = Comparator::kGe;
          else if (op == Comparator::kGt) op = Comparator::kLt;
          else if (op == Comparator::kGe) op = Comparator::kLe;
        }
        switch (op) {
          case Comparator::kEq: result.sort_op = KeyCondition::SortOp::kEq; break;
          case Comparator::kLt: result.sort_op = KeyCondition::SortOp::kLt; break;
          case Comparator::kLe: result.sort_op = KeyCondition::SortOp::kLe; break;
          case Comparator::kGt: result.sort_op = KeyCondition::SortOp::kGt; break;
          case Comparator::kGe: result.sort_op = KeyCondition::SortOp::kGe; break;
          case Comparator::kNe: break;  // rejected above
        }
        break;
      }
      case Condition::Kind::kBetween:
        if (c->operands[0].kind != Operand::Kind::kPath) {
          return ValidationError("Query key condition not supported");
        }
        result.sort_op = KeyCondition::SortOp::kBetween;
        result.sort_value = value_of(c, 1);
        result.sort_value2 = value_of(c, 2);
        CIRRUS_RETURN_IF_ERROR(check_type(result.sort_value2, *sort_key));
        break;
      case Condition::Kind::kFunction:  // begins_with(sk, :prefix)
        if (c->operands[0].kind != Operand::Kind::kPath) {
          return ValidationError("Query key condition not supported");
        }
        result.sort_op = KeyCondition::SortOp::kBeginsWith;
        result.sort_value = value_of(c, 1);
        if (sort_key->type == ValueType::kN) {
          return KeyConditionError(
              "Incorrect operand type for operator or function; operator or function: "
              "begins_with, operand type: N");
        }
        break;
      default:
        break;
    }
    CIRRUS_RETURN_IF_ERROR(check_type(result.sort_value, *sort_key));
  }
  return result;
}

Result<KeyCondition> ParseKeyCondition(std::string_view text, Placeholders& placeholders,
                                       const KeyAttributeRef& partition_key,
                                       const std::optional<KeyAttributeRef>& sort_key) {
  CIRRUS_ASSIGN_OR_RETURN(ParsedCondition parsed,
                          ParseCondition(text, ExpressionKind::kKeyCondition, placeholders));
  CIRRUS_ASSIGN_OR_RETURN(Values values, placeholders.Bind(parsed.use, ExpressionKind::kKeyCondition));
  CIRRUS_RETURN_IF_ERROR(CheckConditionValues(parsed.tree, values, ExpressionKind::kKeyCondition));
  return AnalyzeKeyCondition(parsed.tree, values, partition_key, sort_key);
}

}  // namespace cirrus::query
