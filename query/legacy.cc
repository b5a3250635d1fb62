#include "query/legacy.h"

#include <algorithm>
#include <set>

namespace cirrus::query {
namespace {

Status Invalid(std::string detail) {
  return ValidationError("One or more parameter values were invalid: " + std::move(detail));
}

Operand PathOperand(const std::string& attribute) {
  Operand o;
  o.kind = Operand::Kind::kPath;
  o.path.steps.push_back(PathStep{attribute, 0, false});
  return o;
}

// A value operand whose slot is `v`, appended to *values.
Operand ValueOperand(const AttributeValue& v, std::vector<AttributeValue>* values) {
  Operand o;
  o.kind = Operand::Kind::kValue;
  o.slot = static_cast<uint32_t>(values->size());
  values->push_back(v);
  return o;
}

bool IsScalar(const AttributeValue& v) {
  return v.is(ValueType::kS) || v.is(ValueType::kN) || v.is(ValueType::kB);
}

Condition FunctionCondition(Function f, std::vector<Operand> operands) {
  Condition c;
  c.kind = Condition::Kind::kFunction;
  c.function = f;
  c.operands = std::move(operands);
  return c;
}

Condition Not(Condition inner) {
  Condition c;
  c.kind = Condition::Kind::kNot;
  c.children.push_back(std::move(inner));
  return c;
}

Result<Condition> Translate(const LegacyCondition& e, std::vector<AttributeValue>* slots) {
  // Expected's short form: {Value} means EQ, {Exists: false} means NULL.
  if (!e.comparison_operator) {
    if (e.exists.value_or(true)) {
      if (!e.value) {
        return Invalid("Value must be provided when Exists is true for Attribute: " + e.attribute);
      }
      Condition c;
      c.kind = Condition::Kind::kCompare;
      c.comparator = Comparator::kEq;
      c.operands = {PathOperand(e.attribute), ValueOperand(*e.value, slots)};
      return c;
    }
    if (e.value) {
      return Invalid("Value cannot be used when Exists is false for Attribute: " + e.attribute);
    }
    return FunctionCondition(Function::kAttributeNotExists, {PathOperand(e.attribute)});
  }
  if (e.exists) {
    return Invalid("Exists and ComparisonOperator cannot be used together for Attribute: " + e.attribute);
  }
  const std::string& op = *e.comparison_operator;
  std::vector<AttributeValue> values = e.values;
  if (e.value) values.push_back(*e.value);
  auto arity = [&](size_t n) -> Status {
    if (values.size() != n) {
      return Invalid("Invalid number of argument(s) for the " + op + " ComparisonOperator");
    }
    return Status();
  };
  auto scalar_only = [&]() -> Status {
    for (const AttributeValue& v : values) {
      if (!IsScalar(v)) {
        return Invalid("ComparisonOperator " + op + " is not valid for " +
                       std::string(TypeName(v.type())) + " AttributeValue type");
      }
    }
    return Status();
  };
  static const std::pair<std::string_view, Comparator> kComparators[] = {
      {"EQ", Comparator::kEq}, {"NE", Comparator::kNe}, {"LE", Comparator::kLe},
      {"LT", Comparator::kLt}, {"GE", Comparator::kGe}, {"GT", Comparator::kGt}};
  for (const auto& [name, comparator] : kComparators) {
    if (op != name) continue;
    CIRRUS_RETURN_IF_ERROR(arity(1));
    if (comparator != Comparator::kEq && comparator != Comparator::kNe) {
      CIRRUS_RETURN_IF_ERROR(scalar_only());
    }
    Condition c;
    c.kind = Condition::Kind::kCompare;
    c.comparator = comparator;
    c.operands = {PathOperand(e.attribute), ValueOperand(values[0], slots)};
    return c;
  }
  if (op == "NOT_NULL" || op == "NULL") {
    CIRRUS_RETURN_IF_ERROR(arity(0));
    return FunctionCondition(op == "NULL" ? Function::kAttributeNotExists : Function::kAttributeExists,
                             {PathOperand(e.attribute)});
  }
  if (op == "CONTAINS" || op == "NOT_CONTAINS" || op == "BEGINS_WITH") {
    CIRRUS_RETURN_IF_ERROR(arity(1));
    CIRRUS_RETURN_IF_ERROR(scalar_only());
    if (op == "BEGINS_WITH" && values[0].is(ValueType::kN)) {
      return Invalid("ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type");
    }
    Condition c = FunctionCondition(op == "BEGINS_WITH" ? Function::kBeginsWith : Function::kContains,
                                    {PathOperand(e.attribute), ValueOperand(values[0], slots)});
    if (op != "NOT_CONTAINS") return c;
    // NOT_CONTAINS is false on a missing attribute, as CONTAINS is (conformance fact L4).
    Condition both;
    both.kind = Condition::Kind::kAnd;
    both.children.push_back(FunctionCondition(Function::kAttributeExists, {PathOperand(e.attribute)}));
    both.children.push_back(Not(std::move(c)));
    return both;
  }
  if (op == "IN") {
    if (values.empty()) return Invalid("Invalid number of argument(s) for the IN ComparisonOperator");
    CIRRUS_RETURN_IF_ERROR(scalar_only());
    for (const AttributeValue& v : values) {  // conformance fact L3 (probable text)
      if (v.type() != values[0].type()) {
        return Invalid("AttributeValues inside AttributeValueList must be of same type");
      }
    }
    Condition c;
    c.kind = Condition::Kind::kIn;
    c.operands.push_back(PathOperand(e.attribute));
    for (const AttributeValue& v : values) c.operands.push_back(ValueOperand(v, slots));
    return c;
  }
  if (op == "BETWEEN") {
    CIRRUS_RETURN_IF_ERROR(arity(2));
    CIRRUS_RETURN_IF_ERROR(scalar_only());
    if (values[0].type() != values[1].type()) {
      return Invalid("AttributeValues inside AttributeValueList must all be of the same type");
    }
    int order = values[0].is(ValueType::kN)
                    ? CompareNormalizedNumbers(values[0].scalar(), values[1].scalar())
                    : values[0].scalar().compare(values[1].scalar());
    if (order > 0) {
      return ValidationError("The BETWEEN condition was provided a range where the lower bound "
                             "is greater than the upper bound");
    }
    Condition c;
    c.kind = Condition::Kind::kBetween;
    Operand low = ValueOperand(values[0], slots);
    Operand high = ValueOperand(values[1], slots);
    c.operands = {PathOperand(e.attribute), std::move(low), std::move(high)};
    return c;
  }
  return ValidationError("1 validation error detected: Value '" + op +
                         "' at 'comparisonOperator' failed to satisfy constraint: Member must "
                         "satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, "
                         "NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
}

}  // namespace

Result<std::optional<Translated<Condition>>> TranslateConditions(
    const std::vector<LegacyCondition>& entries, bool use_or) {
  std::optional<Translated<Condition>> all;
  std::vector<AttributeValue> slots;
  std::optional<Condition> tree;
  for (const LegacyCondition& e : entries) {
    CIRRUS_ASSIGN_OR_RETURN(Condition c, Translate(e, &slots));
    if (!tree) {
      tree = std::move(c);
      continue;
    }
    Condition joined;
    joined.kind = use_or ? Condition::Kind::kOr : Condition::Kind::kAnd;
    joined.children.push_back(std::move(*tree));
    joined.children.push_back(std::move(c));
    tree = std::move(joined);
  }
  if (tree) all = Translated<Condition>{std::move(*tree), std::move(slots)};
  return all;
}

Result<KeyCondition> TranslateKeyConditions(const std::vector<LegacyCondition>& entries,
                                            const QueryKeys& keys) {
  // Two for a table or index with one sort key; one per attribute of a multi-attribute key.
  const size_t max = std::max<size_t>(2, keys.partition_keys.size() + keys.sort_keys.size());
  if (entries.empty() || entries.size() > max) {
    return ValidationError("Conditions can be of length 1 or 2 only");
  }
  for (const LegacyCondition& e : entries) {
    if (!e.comparison_operator) return ValidationError("Query key condition not supported");
    static constexpr std::string_view kAllowed[] = {"EQ", "LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN"};
    if (std::find(std::begin(kAllowed), std::end(kAllowed), *e.comparison_operator) == std::end(kAllowed)) {
      return ValidationError("Attempted conditional constraint is not an indexable operation");
    }
  }
  CIRRUS_ASSIGN_OR_RETURN(std::optional<Translated<Condition>> c, TranslateConditions(entries, false));
  // Never empty for entries that are not (checked above); said here so that nothing relies
  // on it silently (and GCC's -O3 stops warning that c may be unset).
  if (!c) return ValidationError("Conditions can be of length 1 or 2 only");
  return AnalyzeKeyCondition(c->tree, c->Bound(), keys);
}

Result<Translated<UpdateExpression>> TranslateAttributeUpdates(
    const std::vector<LegacyUpdate>& updates, const std::vector<std::string>& key_attributes) {
  UpdateExpression update;
  update.legacy = true;
  std::vector<AttributeValue> slots;
  for (const LegacyUpdate& u : updates) {
    if (std::find(key_attributes.begin(), key_attributes.end(), u.attribute) != key_attributes.end()) {
      return Invalid("Cannot update attribute " + u.attribute + ". This attribute is part of the key");
    }
    UpdateAction action;
    action.path.steps.push_back(PathStep{u.attribute, 0, false});
    if (u.action == "PUT") {
      if (!u.value) return Invalid("Only DELETE action is allowed when no attribute value is specified");
      action.kind = UpdateAction::Kind::kSet;
      action.value = ValueOperand(*u.value, &slots);
    } else if (u.action == "DELETE") {
      if (!u.value) {
        action.kind = UpdateAction::Kind::kRemove;
      } else {
        ValueType t = u.value->type();
        if (t != ValueType::kSS && t != ValueType::kNS && t != ValueType::kBS) {
          return Invalid("DELETE action with value is not supported for the type " +
                         std::string(TypeName(t)));
        }
        action.kind = UpdateAction::Kind::kDelete;
        action.value = ValueOperand(*u.value, &slots);
      }
    } else if (u.action == "ADD") {
      if (!u.value) return Invalid("Only DELETE action is allowed when no attribute value is specified");
      ValueType t = u.value->type();
      if (t == ValueType::kL) {
        // Legacy ADD appends to a list: SET a = list_append(if_not_exists(a, []), v).
        Operand existing;
        existing.kind = Operand::Kind::kIfNotExists;
        existing.path = action.path;
        existing.args.push_back(ValueOperand(AttributeValue::List({}), &slots));
        action.kind = UpdateAction::Kind::kSet;
        action.value.kind = Operand::Kind::kListAppend;
        action.value.args.push_back(std::move(existing));
        action.value.args.push_back(ValueOperand(*u.value, &slots));
      } else if (t == ValueType::kN || t == ValueType::kSS || t == ValueType::kNS || t == ValueType::kBS) {
        action.kind = UpdateAction::Kind::kAdd;
        action.value = ValueOperand(*u.value, &slots);
      } else {
        return Invalid("ADD action is not supported for the type " + std::string(TypeName(t)));
      }
    } else {
      return ValidationError("1 validation error detected: Value '" + u.action +
                             "' at 'attributeUpdates." + u.attribute +
                             ".member.action' failed to satisfy constraint: Member must satisfy "
                             "enum value set: [ADD, PUT, DELETE]");
    }
    update.actions.push_back(std::move(action));
  }
  // SET before REMOVE, ADD, DELETE, as ParseUpdate orders them.
  std::stable_sort(update.actions.begin(), update.actions.end(),
                   [](const UpdateAction& a, const UpdateAction& b) { return a.kind < b.kind; });
  return Translated<UpdateExpression>{std::move(update), std::move(slots)};
}

Result<std::vector<Path>> TranslateAttributesToGet(const std::vector<std::string>& names) {
  std::set<std::string> seen;
  std::vector<Path> paths;
  for (const std::string& name : names) {
    if (!seen.insert(name).second) return Invalid("Duplicate value in attribute name: " + name);
    Path p;
    p.steps.push_back(PathStep{name, 0, false});
    paths.push_back(std::move(p));
  }
  return paths;
}

}  // namespace cirrus::query
