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
                                         const QueryKeys& keys) {
  std::vector<const Condition*> leaves;
  CIRRUS_RETURN_IF_ERROR(CollectLeaves(condition, &leaves));

  // The condition on each key attribute, by position in keys.partition_keys / sort_keys.
  std::vector<const Condition*> pk_conditions(keys.partition_keys.size());
  std::vector<const Condition*> sk_conditions(keys.sort_keys.size());
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
    for (size_t i = 0; i < keys.partition_keys.size() && !slot; ++i) {
      if (keys.partition_keys[i].name == name) slot = &pk_conditions[i];
    }
    for (size_t i = 0; i < keys.sort_keys.size() && !slot; ++i) {
      if (keys.sort_keys[i].name == name) slot = &sk_conditions[i];
    }
    if (!slot) {
      non_key = true;  // reported after a missing partition key (conformance fact M9)
      continue;
    }
    if (*slot) {
      return KeyConditionError("KeyConditionExpressions must only contain one condition per key");
    }
    *slot = leaf;
  }
  // Equality is the only condition a partition key takes ("pk = :v" or ":v = pk").
  auto is_equality = [](const Condition* c) {
    return c && c->kind == Condition::Kind::kCompare && c->comparator == Comparator::kEq;
  };
  if (keys.partition_keys.size() == 1) {
    if (!pk_conditions[0]) {
      return ValidationError("Query condition missed key schema element: " +
                             keys.partition_keys[0].name);
    }
    if (non_key || !is_equality(pk_conditions[0])) {
      return ValidationError("Query key condition not supported");
    }
  } else {
    // A multi-attribute partition key: every attribute by equality. The service's text is
    // not known; ours names the attributes that lack it.
    std::string lacking;
    for (size_t i = 0; i < keys.partition_keys.size(); ++i) {
      if (!is_equality(pk_conditions[i])) {
        lacking += (lacking.empty() ? "" : ", ") + keys.partition_keys[i].name;
      }
    }
    if (!lacking.empty()) {
      return ValidationError("Query key condition not supported: HASH key attributes " + lacking +
                             " must have equality conditions specified in the query");
    }
    if (non_key) return ValidationError("Query key condition not supported");
  }
  // Sort key attributes: a leading run, equality on all but the last.
  size_t sort_count = 0;  // conditions cover sort_keys[0 .. sort_count-1]
  for (size_t i = 0; i < sk_conditions.size(); ++i) {
    if (sk_conditions[i]) sort_count = i + 1;
  }
  if (sort_count > 1) {
    std::string lacking;
    for (size_t i = 0; i + 1 < sort_count; ++i) {
      if (!is_equality(sk_conditions[i])) lacking += (lacking.empty() ? "" : ", ") + keys.sort_keys[i].name;
    }
    if (!lacking.empty()) {
      return ValidationError("Query key condition not supported: RANGE key attributes " + lacking +
                             " must have equality conditions specified in the query because a "
                             "condition is present on key attribute " +
                             keys.sort_keys[sort_count - 1].name);
    }
  }

  auto value_of = [&](const Condition* c, size_t i) -> const AttributeValue& {
    return *values[c->operands[i].slot];
  };
  // The value of "key = :v" or ":v = key".
  auto equal_value = [&](const Condition* c) -> const AttributeValue& {
    return value_of(c, c->operands[0].kind == Operand::Kind::kPath ? 1 : 0);
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
  for (size_t i = 0; i < keys.partition_keys.size(); ++i) {
    result.partition_values.push_back(equal_value(pk_conditions[i]));
    CIRRUS_RETURN_IF_ERROR(check_type(result.partition_values.back(), keys.partition_keys[i]));
  }
  for (size_t i = 0; i + 1 < sort_count; ++i) {
    result.sort_prefix.push_back(equal_value(sk_conditions[i]));
    CIRRUS_RETURN_IF_ERROR(check_type(result.sort_prefix.back(), keys.sort_keys[i]));
  }

  if (sort_count > 0) {
    const Condition* c = sk_conditions[sort_count - 1];
    const KeyAttributeRef& sort_key = keys.sort_keys[sort_count - 1];
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
        CIRRUS_RETURN_IF_ERROR(check_type(result.sort_value2, sort_key));
        break;
      case Condition::Kind::kFunction:  // begins_with(sk, :prefix)
        if (c->operands[0].kind != Operand::Kind::kPath) {
          return ValidationError("Query key condition not supported");
        }
        result.sort_op = KeyCondition::SortOp::kBeginsWith;
        result.sort_value = value_of(c, 1);
        if (sort_key.type == ValueType::kN) {
          return KeyConditionError(
              "Incorrect operand type for operator or function; operator or function: "
              "begins_with, operand type: N");
        }
        break;
      default:
        break;
    }
    CIRRUS_RETURN_IF_ERROR(check_type(result.sort_value, sort_key));
  }
  return result;
}

Result<KeyCondition> ParseKeyCondition(std::string_view text, Placeholders& placeholders,
                                       const QueryKeys& keys) {
  CIRRUS_ASSIGN_OR_RETURN(ParsedCondition parsed,
                          ParseCondition(text, ExpressionKind::kKeyCondition, placeholders));
  CIRRUS_ASSIGN_OR_RETURN(Values values, placeholders.Bind(parsed.use, ExpressionKind::kKeyCondition));
  CIRRUS_RETURN_IF_ERROR(CheckConditionValues(parsed.tree, values, ExpressionKind::kKeyCondition));
  return AnalyzeKeyCondition(parsed.tree, values, keys);
}

}  // namespace cirrus::query
