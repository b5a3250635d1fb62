#include "query/evaluate.h"

#include <algorithm>
#include <map>

namespace cirrus::query {
namespace {

// An operand's value: a pointer into the item or the expression, or a computed size().
class OperandValue {
 public:
  OperandValue() = default;
  explicit OperandValue(const AttributeValue* p) : ptr_(p) {}
  explicit OperandValue(AttributeValue v) : owned_(std::move(v)), has_owned_(true) {}
  const AttributeValue* get() const { return has_owned_ ? &owned_ : ptr_; }

 private:
  const AttributeValue* ptr_ = nullptr;
  AttributeValue owned_;
  bool has_owned_ = false;
};

// UTF-16 code units of UTF-8 text: 4-byte sequences are surrogate pairs.
size_t Utf16Length(std::string_view s) {
  size_t units = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

std::optional<size_t> SizeOf(const AttributeValue& v) {
  switch (v.type()) {
    case ValueType::kS: return Utf16Length(v.scalar());
    case ValueType::kB: return v.scalar().size();
    case ValueType::kSS:
    case ValueType::kNS:
    case ValueType::kBS: return v.set().size();
    case ValueType::kL: return v.list().size();
    case ValueType::kM: return v.map().size();
    default: return std::nullopt;  // N, BOOL, NULL have no size
  }
}

OperandValue Evaluate(const Operand& operand, const Values& values, const Item& item) {
  switch (operand.kind) {
    case Operand::Kind::kPath:
      return OperandValue(Resolve(item, operand.path));
    case Operand::Kind::kValue:
      return OperandValue(values[operand.slot]);
    case Operand::Kind::kSize: {
      const AttributeValue* v =
          operand.args.empty() ? Resolve(item, operand.path) : values[operand.args[0].slot];
      std::optional<size_t> size = v ? SizeOf(*v) : std::nullopt;
      if (!size) return OperandValue();
      return OperandValue(AttributeValue::NumberFromNormalized(std::to_string(*size)));
    }
    default:
      return OperandValue();  // update-only operands never reach conditions (parser)
  }
}

bool Ordered(ValueType t) { return t == ValueType::kS || t == ValueType::kN || t == ValueType::kB; }

// <0, 0, >0. REQUIRES: same type, Ordered.
int CompareOrdered(const AttributeValue& a, const AttributeValue& b) {
  if (a.is(ValueType::kN)) return CompareNormalizedNumbers(a.scalar(), b.scalar());
  int c = a.scalar().compare(b.scalar());  // bytes, unsigned
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool Compare(Comparator op, const AttributeValue* a, const AttributeValue* b) {
  if (op == Comparator::kEq) return a && b && *a == *b;
  if (op == Comparator::kNe) return !(a && b && *a == *b);
  if (!a || !b || a->type() != b->type() || !Ordered(a->type())) return false;
  int c = CompareOrdered(*a, *b);
  switch (op) {
    case Comparator::kLt: return c < 0;
    case Comparator::kLe: return c <= 0;
    case Comparator::kGt: return c > 0;
    case Comparator::kGe: return c >= 0;
    default: return false;
  }
}

bool Contains(const AttributeValue& haystack, const AttributeValue& needle) {
  switch (haystack.type()) {
    case ValueType::kS:
    case ValueType::kB:
      return needle.type() == haystack.type() &&
             haystack.scalar().find(needle.scalar()) != std::string::npos;
    case ValueType::kSS:
    case ValueType::kNS:
    case ValueType::kBS: {
      ValueType element = haystack.is(ValueType::kSS)   ? ValueType::kS
                          : haystack.is(ValueType::kNS) ? ValueType::kN
                                                        : ValueType::kB;
      if (needle.type() != element) return false;
      const auto& set = haystack.set();
      return std::find(set.begin(), set.end(), needle.scalar()) != set.end();
    }
    case ValueType::kL:
      return std::any_of(haystack.list().begin(), haystack.list().end(),
                         [&](const AttributeValue& e) { return e == needle; });
    default:
      return false;
  }
}

bool EvaluateFunction(const Condition& c, const Values& values, const Item& item) {
  switch (c.function) {
    case Function::kAttributeExists:
      return Resolve(item, c.operands[0].path) != nullptr;
    case Function::kAttributeNotExists:
      return Resolve(item, c.operands[0].path) == nullptr;
    case Function::kAttributeType: {  // of a path, or of a literal (conformance fact E1)
      OperandValue v = Evaluate(c.operands[0], values, item);
      return v.get() && TypeName(v.get()->type()) == values[c.operands[1].slot]->scalar();
    }
    case Function::kBeginsWith: {
      OperandValue a = Evaluate(c.operands[0], values, item), b = Evaluate(c.operands[1], values, item);
      if (!a.get() || !b.get() || a.get()->type() != b.get()->type()) return false;
      if (!a.get()->is(ValueType::kS) && !a.get()->is(ValueType::kB)) return false;
      return a.get()->scalar().rfind(b.get()->scalar(), 0) == 0;
    }
    case Function::kContains: {
      OperandValue a = Evaluate(c.operands[0], values, item), b = Evaluate(c.operands[1], values, item);
      return a.get() && b.get() && Contains(*a.get(), *b.get());
    }
  }
  return false;
}

// --- Updates ------------------------------------------------------------------------------

Status InvalidPath() {
  return ValidationError("The document path provided in the update expression is invalid for update");
}
Status MissingOperand() {
  return ValidationError("The provided expression refers to an attribute that does not exist in the item");
}
Status WrongType() {
  return ValidationError("An operand in the update expression has an incorrect data type");
}

// The value of a SET right-hand side, read from the item before the update.
Result<AttributeValue> EvaluateSetValue(const Operand& operand, const Values& values,
                                        const Item& original) {
  switch (operand.kind) {
    case Operand::Kind::kPath: {
      const AttributeValue* v = Resolve(original, operand.path);
      if (!v) return MissingOperand();
      return *v;
    }
    case Operand::Kind::kValue:
      return *values[operand.slot];
    case Operand::Kind::kIfNotExists: {
      const AttributeValue* v = Resolve(original, operand.path);
      if (v) return *v;
      return EvaluateSetValue(operand.args[0], values, original);
    }
    case Operand::Kind::kListAppend: {
      CIRRUS_ASSIGN_OR_RETURN(AttributeValue a, EvaluateSetValue(operand.args[0], values, original));
      CIRRUS_ASSIGN_OR_RETURN(AttributeValue b, EvaluateSetValue(operand.args[1], values, original));
      if (!a.is(ValueType::kL) || !b.is(ValueType::kL)) return WrongType();
      std::vector<AttributeValue> joined = a.list();
      joined.insert(joined.end(), b.list().begin(), b.list().end());
      return AttributeValue::List(std::move(joined));
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      CIRRUS_ASSIGN_OR_RETURN(AttributeValue a, EvaluateSetValue(operand.args[0], values, original));
      CIRRUS_ASSIGN_OR_RETURN(AttributeValue b, EvaluateSetValue(operand.args[1], values, original));
      if (!a.is(ValueType::kN) || !b.is(ValueType::kN)) return WrongType();
      Decimal x = *Decimal::Parse(a.scalar()), y = *Decimal::Parse(b.scalar());
      CIRRUS_ASSIGN_OR_RETURN(Decimal r, operand.kind == Operand::Kind::kPlus
                                             ? Decimal::Add(x, y)
                                             : Decimal::Subtract(x, y));
      return AttributeValue::Number(r);
    }
    case Operand::Kind::kSize:
      break;
  }
  return WrongType();
}

// The container that holds the last step of `path`, created nowhere: every step before the
// last must exist and be the right container. nullptr: invalid for update.
AttributeValue* ParentOf(Item* item, const Path& path, Item** map_parent) {
  *map_parent = nullptr;
  if (path.steps.size() == 1) {
    *map_parent = item;
    return nullptr;
  }
  auto it = item->find(path.steps[0].name);
  if (it == item->end()) return nullptr;
  AttributeValue* v = &it->second;
  for (size_t i = 1; i + 1 < path.steps.size(); ++i) {
    const PathStep& step = path.steps[i];
    if (step.is_index) {
      if (!v->is(ValueType::kL) || step.index >= v->list().size()) return nullptr;
      v = &v->mutable_list()[step.index];
    } else {
      if (!v->is(ValueType::kM)) return nullptr;
      auto m = v->mutable_map().find(step.name);
      if (m == v->mutable_map().end()) return nullptr;
      v = &m->second;
    }
  }
  const PathStep& last = path.steps.back();
  if (last.is_index ? !v->is(ValueType::kL) : !v->is(ValueType::kM)) return nullptr;
  if (!last.is_index) *map_parent = &v->mutable_map();
  return v;
}

// The value at `path` for modification; nullptr when absent.
AttributeValue* MutableAt(Item* item, const Path& path) {
  Item* map_parent;
  AttributeValue* parent = ParentOf(item, path, &map_parent);
  const PathStep& last = path.steps.back();
  if (map_parent) {
    auto it = map_parent->find(last.name);
    return it == map_parent->end() ? nullptr : &it->second;
  }
  if (!parent || last.index >= parent->list().size()) return nullptr;
  return &parent->mutable_list()[last.index];
}

Status SetAt(Item* item, const Path& path, AttributeValue value) {
  Item* map_parent;
  AttributeValue* parent = ParentOf(item, path, &map_parent);
  if (map_parent) {
    map_parent->insert_or_assign(path.steps.back().name, std::move(value));
    return Status();
  }
  if (!parent) return InvalidPath();
  std::vector<AttributeValue>& list = parent->mutable_list();
  uint32_t index = path.steps.back().index;
  if (index < list.size()) {
    list[index] = std::move(value);
  } else {
    list.push_back(std::move(value));  // past the end: appended, as DynamoDB does
  }
  return Status();
}

Status RemoveAt(Item* item, const Path& path) {
  Item* map_parent;
  AttributeValue* parent = ParentOf(item, path, &map_parent);
  if (map_parent) {
    map_parent->erase(path.steps.back().name);
    return Status();
  }
  if (!parent) {
    // A nested path whose parent is missing or not the right container: invalid, as for SET
    // (conformance fact E7; a missing leaf under the right parent is a no-op).
    return InvalidPath();
  }
  std::vector<AttributeValue>& list = parent->mutable_list();
  uint32_t index = path.steps.back().index;
  if (index < list.size()) list.erase(list.begin() + index);
  return Status();
}

std::vector<std::string> Union(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out = a;
  for (const std::string& e : b) {
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  return out;
}

Status Add(Item* item, const UpdateAction& action, const Values& values) {
  const AttributeValue& operand = *values[action.value.slot];
  AttributeValue* current = MutableAt(item, action.path);
  if (!current) return SetAt(item, action.path, operand);  // missing: 0 + n, or {} + set
  if (current->type() != operand.type()) return WrongType();
  if (operand.is(ValueType::kN)) {
    CIRRUS_ASSIGN_OR_RETURN(Decimal sum, Decimal::Add(*Decimal::Parse(current->scalar()),
                                                      *Decimal::Parse(operand.scalar())));
    *current = AttributeValue::Number(sum);
    return Status();
  }
  current->mutable_set() = Union(current->set(), operand.set());
  return Status();
}

Status Delete(Item* item, const UpdateAction& action, const Values& values) {
  const AttributeValue& operand = *values[action.value.slot];
  AttributeValue* current = MutableAt(item, action.path);
  if (!current) return Status();
  if (current->type() != operand.type()) return WrongType();
  std::vector<std::string>& set = current->mutable_set();
  for (const std::string& e : operand.set()) {
    auto it = std::find(set.begin(), set.end(), e);
    if (it != set.end()) set.erase(it);
  }
  if (set.empty()) return RemoveAt(item, action.path);  // no empty sets
  return Status();
}

// --- Projection ---------------------------------------------------------------------------

// The projection as a tree: inner nodes are maps (by name) or lists (by index), leaves copy
// the item's values.
struct ProjectionNode {
  std::map<std::string, ProjectionNode> fields;
  std::map<uint32_t, ProjectionNode> elements;
  const AttributeValue* leaf = nullptr;

  AttributeValue Build() const {
    if (leaf) return *leaf;
    if (!elements.empty()) {
      std::vector<AttributeValue> list;
      for (const auto& [index, node] : elements) list.push_back(node.Build());
      return AttributeValue::List(std::move(list));
    }
    Item map;
    for (const auto& [name, node] : fields) map.emplace(name, node.Build());
    return AttributeValue::Map(std::move(map));
  }
};

}  // namespace

const AttributeValue* Resolve(const Item& item, const Path& path) {
  auto it = item.find(path.steps[0].name);
  if (it == item.end()) return nullptr;
  const AttributeValue* v = &it->second;
  for (size_t i = 1; i < path.steps.size(); ++i) {
    const PathStep& step = path.steps[i];
    if (step.is_index) {
      if (!v->is(ValueType::kL) || step.index >= v->list().size()) return nullptr;
      v = &v->list()[step.index];
    } else {
      if (!v->is(ValueType::kM)) return nullptr;
      auto m = v->map().find(step.name);
      if (m == v->map().end()) return nullptr;
      v = &m->second;
    }
  }
  return v;
}

bool Matches(const Condition& c, const Values& values, const Item& item) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
      return Matches(c.children[0], values, item) && Matches(c.children[1], values, item);
    case Condition::Kind::kOr:
      return Matches(c.children[0], values, item) || Matches(c.children[1], values, item);
    case Condition::Kind::kNot:
      return !Matches(c.children[0], values, item);
    case Condition::Kind::kCompare: {
      OperandValue a = Evaluate(c.operands[0], values, item), b = Evaluate(c.operands[1], values, item);
      return Compare(c.comparator, a.get(), b.get());
    }
    case Condition::Kind::kBetween: {
      OperandValue v = Evaluate(c.operands[0], values, item), lo = Evaluate(c.operands[1], values, item),
                   hi = Evaluate(c.operands[2], values, item);
      return Compare(Comparator::kGe, v.get(), lo.get()) && Compare(Comparator::kLe, v.get(), hi.get());
    }
    case Condition::Kind::kIn: {
      OperandValue v = Evaluate(c.operands[0], values, item);
      if (!v.get()) return false;
      for (size_t i = 1; i < c.operands.size(); ++i) {
        OperandValue candidate = Evaluate(c.operands[i], values, item);
        if (candidate.get() && *candidate.get() == *v.get()) return true;
      }
      return false;
    }
    case Condition::Kind::kFunction:
      return EvaluateFunction(c, values, item);
  }
  return false;
}

namespace {
Status ApplyActions(const UpdateExpression& update, const Values& values, Item* item) {
  const Item original = *item;
  // SET right-hand sides all read the original item.
  std::vector<std::pair<const UpdateAction*, AttributeValue>> sets;
  for (const UpdateAction& a : update.actions) {
    if (a.kind != UpdateAction::Kind::kSet) continue;
    CIRRUS_ASSIGN_OR_RETURN(AttributeValue v, EvaluateSetValue(a.value, values, original));
    sets.emplace_back(&a, std::move(v));
  }
  // New list indexes append in index order (paths are disjoint, so the relative order of
  // other actions does not matter: sort by (is index, index)).
  auto index_key = [](const UpdateAction* a) {
    const PathStep& last = a->path.steps.back();
    return std::make_pair(last.is_index, last.index);
  };
  std::stable_sort(sets.begin(), sets.end(), [&](const auto& x, const auto& y) {
    return index_key(x.first) < index_key(y.first);
  });
  for (auto& [action, value] : sets) CIRRUS_RETURN_IF_ERROR(SetAt(item, action->path, std::move(value)));
  // REMOVE by original position: paths in descending order (indexes compared as numbers), so
  // that removing a list element never shifts an element a later removal names.
  std::vector<const UpdateAction*> removes;
  for (const UpdateAction& a : update.actions) {
    if (a.kind == UpdateAction::Kind::kRemove) removes.push_back(&a);
  }
  auto path_less = [](const Path& x, const Path& y) {
    for (size_t i = 0; i < x.steps.size() && i < y.steps.size(); ++i) {
      const PathStep& a = x.steps[i];
      const PathStep& b = y.steps[i];
      if (a.is_index != b.is_index) return a.is_index < b.is_index;
      if (a.is_index && a.index != b.index) return a.index < b.index;
      if (!a.is_index && a.name != b.name) return a.name < b.name;
    }
    return x.steps.size() < y.steps.size();
  };
  std::sort(removes.begin(), removes.end(), [&](const UpdateAction* x, const UpdateAction* y) {
    return path_less(y->path, x->path);
  });
  // ADD and DELETE before REMOVE: they shift nothing, and must find the original positions.
  for (const UpdateAction& a : update.actions) {
    if (a.kind == UpdateAction::Kind::kAdd) CIRRUS_RETURN_IF_ERROR(Add(item, a, values));
    if (a.kind == UpdateAction::Kind::kDelete) CIRRUS_RETURN_IF_ERROR(Delete(item, a, values));
  }
  for (const UpdateAction* a : removes) CIRRUS_RETURN_IF_ERROR(RemoveAt(item, a->path));
  return Status();
}

}  // namespace

Status ApplyUpdate(const UpdateExpression& update, const Values& values, Item* item) {
  Status s = ApplyActions(update, values, item);
  // AttributeUpdates words a type error its own way (conformance fact L6).
  if (!s.ok() && update.legacy && s.message() == WrongType().message()) {
    return ValidationError("Type mismatch for attribute to update");
  }
  return s;
}

Item Project(const Item& item, const std::vector<Path>& paths) {
  ProjectionNode root;
  for (const Path& path : paths) {
    const AttributeValue* v = Resolve(item, path);
    if (!v) continue;
    ProjectionNode* node = &root;
    for (const PathStep& step : path.steps) {
      node = step.is_index ? &node->elements[step.index] : &node->fields[step.name];
    }
    node->leaf = v;
  }
  Item out;
  for (const auto& [name, node] : root.fields) out.emplace(name, node.Build());
  return out;
}

void AddAttributeNames(const Condition& c, std::set<std::string, std::less<>>* names) {
  for (const Operand& o : c.operands) {
    // size() of a literal (args set) names no attribute.
    if (o.kind == Operand::Kind::kPath || (o.kind == Operand::Kind::kSize && o.args.empty())) {
      names->insert(o.path.steps[0].name);
    }
  }
  for (const Condition& child : c.children) AddAttributeNames(child, names);
}

void AddAttributeNames(const std::vector<Path>& paths, std::set<std::string, std::less<>>* names) {
  for (const Path& p : paths) names->insert(p.steps[0].name);
}

}  // namespace cirrus::query
