// Lambda event filtering (FilterCriteria) for event source mappings: EventBridge-style
// patterns compiled into a small tree, matched against one stream record at a time.
//
// Hand-written: no Debian package implements EventBridge patterns (AWS's own engine,
// aws/event-ruler, is Java). Where AWS's docs are silent we follow event-ruler's rule
// compiler (which operand shapes are valid); see filter.h for the semantics.
// GCC 12 at -O2 reports std::variant's inactive members as maybe-uninitialized when
// patterns are moved (a known false positive, GCC bugs 105593 and 107138).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "streams/filter.h"

#include <simdjson.h>

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace cirrus::streams {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Lambda's message for every pattern it cannot compile, whatever the reason.
constexpr std::string_view kInvalidPattern = "Invalid filter pattern definition.";

Status InvalidPattern() { return ValidationError(std::string(kInvalidPattern)); }

// --- The compiled tree ----------------------------------------------------------------

// A string comparison: exact ("x", {"equals-ignore-case":"x"}), {"prefix":...}, {"suffix":...}.
struct StringTest {
  enum class Where : uint8_t { kWhole, kPrefix, kSuffix };
  Where where = Where::kWhole;
  bool ignore_case = false;  // ASCII letters only
  std::string text;
};
// An exact number (12): JSON numbers only, compared as doubles.
struct NumberEquals {
  double value = 0;
};
struct BoolEquals {
  bool value = false;
};
struct IsNull {};
// {"numeric":[...]}: JSON numbers and strings holding a number. Unbounded sides are infinite.
struct NumericRange {
  double low = -std::numeric_limits<double>::infinity();
  bool low_open = false;
  double high = std::numeric_limits<double>::infinity();
  bool high_open = false;
};

// A test of one leaf value (string, number, bool or null).
using ValueTest = std::variant<StringTest, NumberEquals, BoolEquals, IsNull, NumericRange>;

// {"anything-but":...}: a leaf value that passes none of `excluded`.
struct AnythingBut {
  std::vector<ValueTest> excluded;
};
// {"exists":true|false}: whether the key has at least one leaf value.
struct Exists {
  bool present = true;
};

// One element of a pattern's matcher array.
using Matcher = std::variant<ValueTest, AnythingBut, Exists>;

// One key of a pattern object: a leaf (matchers, OR'ed) or a nested object (fields, AND'ed).
struct Field {
  std::string name;
  bool is_leaf = true;
  std::vector<Matcher> matchers;  // REQUIRES is_leaf: non-empty
  std::vector<Field> fields;      // REQUIRES !is_leaf: non-empty
};

}  // namespace

struct FilterSet::Pattern {
  std::vector<Field> fields;  // the top-level object, non-empty
};

namespace {

// --- Compiling a pattern --------------------------------------------------------------
// Compiling and matching recurse over JSON nesting, which simdjson's parser caps at 1024.

// Code points in UTF-8 `text` (continuation bytes not counted). Invalid UTF-8 is left to the
// JSON parser.
size_t CountChars(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Typed views of an element. REQUIRES: the matching type. They return by value because a
// range-for over `e.get_array().value_unsafe()` would iterate a destroyed temporary.
std::string_view StringOf(element e) {
  std::string_view s;
  [[maybe_unused]] auto error = e.get_string().get(s);
  assert(error == simdjson::SUCCESS);
  return s;
}
array ArrayOf(element e) {
  array a;
  [[maybe_unused]] auto error = e.get_array().get(a);
  assert(error == simdjson::SUCCESS);
  return a;
}
object ObjectOf(element e) {
  object o;
  [[maybe_unused]] auto error = e.get_object().get(o);
  assert(error == simdjson::SUCCESS);
  return o;
}
bool BoolOf(element e) {
  bool b = false;
  [[maybe_unused]] auto error = e.get_bool().get(b);
  assert(error == simdjson::SUCCESS);
  return b;
}

bool IsNumber(element e) {
  element_type t = e.type();
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

// REQUIRES: IsNumber(e).
double NumberOf(element e) {
  switch (e.type()) {
    case element_type::INT64:
      return static_cast<double>(e.get_int64().value_unsafe());
    case element_type::UINT64:
      return static_cast<double>(e.get_uint64().value_unsafe());
    default:
      return e.get_double().value_unsafe();
  }
}

// The only member of a one-member object; nullopt for any other object.
std::optional<std::pair<std::string_view, element>> OnlyMember(object o) {
  if (o.size() != 1) return std::nullopt;
  auto member = *o.begin();
  return std::make_pair(member.key, member.value);
}

// A string operand, or {"equals-ignore-case":"x"} where `allow_ignore_case` (prefix, suffix).
Result<StringTest> CompileStringOperand(element operand, StringTest::Where where,
                                        bool allow_ignore_case) {
  StringTest test{where, false, {}};
  if (allow_ignore_case && operand.is_object()) {
    auto only = OnlyMember(ObjectOf(operand));
    if (!only || only->first != "equals-ignore-case") return InvalidPattern();
    test.ignore_case = true;
    operand = only->second;
  }
  if (!operand.is_string()) return InvalidPattern();
  test.text = std::string(StringOf(operand));
  return test;
}

// {"numeric":[op, n]} or {"numeric":[">"|">=", n, "<"|"<=", m]} with n < m.
Result<NumericRange> CompileNumeric(element operand) {
  if (!operand.is_array()) return InvalidPattern();
  std::vector<element> terms;
  for (element term : ArrayOf(operand)) terms.push_back(term);
  if (terms.size() != 2 && terms.size() != 4) return InvalidPattern();
  for (size_t i = 0; i < terms.size(); i += 2) {
    if (!terms[i].is_string() || !IsNumber(terms[i + 1])) return InvalidPattern();
  }
  std::string_view op = StringOf(terms[0]);
  double value = NumberOf(terms[1]);
  NumericRange range;
  if (op == "=" || op == "<" || op == "<=") {
    if (terms.size() != 2) return InvalidPattern();
    range.high = value;
    range.high_open = op == "<";
    if (op == "=") range.low = value;
    return range;
  }
  if (op != ">" && op != ">=") return InvalidPattern();
  range.low = value;
  range.low_open = op == ">";
  if (terms.size() == 4) {
    std::string_view top_op = StringOf(terms[2]);
    if (top_op != "<" && top_op != "<=") return InvalidPattern();
    range.high = NumberOf(terms[3]);
    range.high_open = top_op == "<";
    if (!(range.low < range.high)) return InvalidPattern();  // as event-ruler: bottom < top
  }
  return range;
}

// "x" | 12 | ["x",...] | [1,...] (not mixed) | {"prefix"|"suffix": "x"} |
// {"equals-ignore-case": "x" | ["x",...]}.
Result<AnythingBut> CompileAnythingBut(element operand) {
  AnythingBut result;
  if (operand.is_object()) {
    auto only = OnlyMember(ObjectOf(operand));
    if (!only) return InvalidPattern();
    auto [op, value] = *only;
    if (op == "prefix" || op == "suffix") {
      if (!value.is_string() || StringOf(value).empty()) {
        return InvalidPattern();
      }
      auto where = op == "prefix" ? StringTest::Where::kPrefix : StringTest::Where::kSuffix;
      result.excluded.push_back(StringTest{where, false, std::string(StringOf(value))});
      return result;
    }
    if (op != "equals-ignore-case") return InvalidPattern();
    std::vector<element> values;
    if (value.is_array()) {
      for (element v : ArrayOf(value)) values.push_back(v);
    } else {
      values.push_back(value);
    }
    if (values.empty()) return InvalidPattern();
    for (element v : values) {
      if (!v.is_string()) return InvalidPattern();
      result.excluded.push_back(
          StringTest{StringTest::Where::kWhole, true, std::string(StringOf(v))});
    }
    return result;
  }
  std::vector<element> values;
  if (operand.is_array()) {
    for (element v : ArrayOf(operand)) values.push_back(v);
  } else {
    values.push_back(operand);
  }
  size_t strings = 0;
  size_t numbers = 0;
  for (element v : values) {
    if (v.is_string()) {
      ++strings;
      result.excluded.push_back(
          StringTest{StringTest::Where::kWhole, false, std::string(StringOf(v))});
    } else if (IsNumber(v)) {
      ++numbers;
      result.excluded.push_back(NumberEquals{NumberOf(v)});
    } else {
      return InvalidPattern();  // null, bool, nested array or object
    }
  }
  if ((strings == 0) == (numbers == 0)) return InvalidPattern();  // empty or mixed
  return result;
}

// An operator object: exactly one member naming a known operator.
Result<Matcher> CompileOperator(object o) {
  auto only = OnlyMember(o);
  if (!only) return InvalidPattern();
  auto [op, operand] = *only;
  if (op == "prefix" || op == "suffix") {
    auto where = op == "prefix" ? StringTest::Where::kPrefix : StringTest::Where::kSuffix;
    CIRRUS_ASSIGN_OR_RETURN(StringTest test, CompileStringOperand(operand, where, true));
    return Matcher(ValueTest(std::move(test)));
  }
  if (op == "equals-ignore-case") {
    CIRRUS_ASSIGN_OR_RETURN(StringTest test,
                            CompileStringOperand(operand, StringTest::Where::kWhole, false));
    test.ignore_case = true;
    return Matcher(ValueTest(std::move(test)));
  }
  if (op == "numeric") {
    CIRRUS_ASSIGN_OR_RETURN(NumericRange range, CompileNumeric(operand));
    return Matcher(ValueTest(range));
  }
  if (op == "exists") {
    if (!operand.is_bool()) return InvalidPattern();
    return Matcher(Exists{BoolOf(operand)});
  }
  if (op == "anything-but") {
    CIRRUS_ASSIGN_OR_RETURN(AnythingBut anything_but, CompileAnythingBut(operand));
    return Matcher(std::move(anything_but));
  }
  return InvalidPattern();  // unknown, or one Lambda does not offer (wildcard, cidr, $or)
}

// A matcher array: non-empty; exact strings, numbers, booleans, null, or operator objects.
Result<std::vector<Matcher>> CompileMatchers(array values) {
  std::vector<Matcher> matchers;
  for (element v : values) {
    switch (v.type()) {
      case element_type::STRING:
        matchers.push_back(
            ValueTest(StringTest{StringTest::Where::kWhole, false, std::string(StringOf(v))}));
        break;
      case element_type::INT64:
      case element_type::UINT64:
      case element_type::DOUBLE:
        matchers.push_back(ValueTest(NumberEquals{NumberOf(v)}));
        break;
      case element_type::BOOL:
        matchers.push_back(ValueTest(BoolEquals{BoolOf(v)}));
        break;
      case element_type::NULL_VALUE:
        matchers.push_back(ValueTest(IsNull{}));
        break;
      case element_type::OBJECT: {
        CIRRUS_ASSIGN_OR_RETURN(Matcher m, CompileOperator(ObjectOf(v)));
        matchers.push_back(std::move(m));
        break;
      }
      case element_type::ARRAY:
        return InvalidPattern();
    }
  }
  if (matchers.empty()) return InvalidPattern();
  return matchers;
}

// A pattern object: non-empty; each value an object (nested) or an array (leaf). A repeated
// leaf key replaces the earlier one (as event-ruler); repeated nested keys are AND'ed.
Result<std::vector<Field>> CompileObject(object o) {
  std::vector<Field> fields;
  for (auto [key, value] : o) {
    Field field;
    field.name = std::string(key);
    if (value.is_object()) {
      field.is_leaf = false;
      CIRRUS_ASSIGN_OR_RETURN(field.fields, CompileObject(ObjectOf(value)));
    } else if (value.is_array()) {
      CIRRUS_ASSIGN_OR_RETURN(field.matchers, CompileMatchers(ArrayOf(value)));
      std::erase_if(fields, [&](const Field& f) { return f.is_leaf && f.name == field.name; });
    } else {
      return InvalidPattern();
    }
    fields.push_back(std::move(field));
  }
  if (fields.empty()) return InvalidPattern();
  return fields;
}

// --- Matching a record ----------------------------------------------------------------

bool IsLeafValue(element e) { return !e.is_object() && !e.is_array(); }

// Whether `e` is a leaf value or an array holding one (nested arrays flattened).
bool HasLeafValue(element e) {
  if (e.is_array()) {
    for (element child : ArrayOf(e)) {
      if (HasLeafValue(child)) return true;
    }
    return false;
  }
  return IsLeafValue(e);
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsFolded(std::string_view a, std::string_view b, bool ignore_case) {
  if (a.size() != b.size()) return false;
  if (!ignore_case) return a == b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

bool Test(const StringTest& test, std::string_view s) {
  size_t n = test.text.size();
  if (s.size() < n) return false;
  switch (test.where) {
    case StringTest::Where::kWhole:
      return EqualsFolded(s, test.text, test.ignore_case);
    case StringTest::Where::kPrefix:
      return EqualsFolded(s.substr(0, n), test.text, test.ignore_case);
    case StringTest::Where::kSuffix:
      return EqualsFolded(s.substr(s.size() - n), test.text, test.ignore_case);
  }
  return false;
}

// The number in a JSON number, or in a string that is entirely a finite decimal number
// (DynamoDB's "N" values); nullopt otherwise.
std::optional<double> NumericValue(element e) {
  if (IsNumber(e)) return NumberOf(e);
  if (!e.is_string()) return std::nullopt;
  std::string_view s = StringOf(e);
  double d = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (error != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

bool Test(const NumericRange& range, element e) {
  std::optional<double> d = NumericValue(e);
  if (!d) return false;
  bool above_low = range.low_open ? *d > range.low : *d >= range.low;
  bool below_high = range.high_open ? *d < range.high : *d <= range.high;
  return above_low && below_high;
}

// REQUIRES: IsLeafValue(e).
bool Test(const ValueTest& test, element e) {
  if (const auto* t = std::get_if<StringTest>(&test)) {
    return e.is_string() && Test(*t, StringOf(e));
  }
  if (const auto* t = std::get_if<NumberEquals>(&test)) {
    return IsNumber(e) && NumberOf(e) == t->value;
  }
  if (const auto* t = std::get_if<BoolEquals>(&test)) {
    return e.is_bool() && BoolOf(e) == t->value;
  }
  if (std::holds_alternative<IsNull>(test)) return e.is_null();
  return Test(std::get<NumericRange>(test), e);
}

// Whether a value test or anything-but admits one of the leaf values in `e` (the value
// itself, or an array's elements, nested arrays flattened).
bool AnyLeafPasses(const Matcher& matcher, element e) {
  if (e.is_array()) {
    for (element child : ArrayOf(e)) {
      if (AnyLeafPasses(matcher, child)) return true;
    }
    return false;
  }
  if (!IsLeafValue(e)) return false;
  if (const auto* test = std::get_if<ValueTest>(&matcher)) return Test(*test, e);
  for (const ValueTest& excluded : std::get<AnythingBut>(matcher).excluded) {
    if (Test(excluded, e)) return false;
  }
  return true;
}

// `value`: the record's value at the key, nullptr when absent.
bool LeafMatches(const std::vector<Matcher>& matchers, const element* value) {
  bool present = value != nullptr && HasLeafValue(*value);
  for (const Matcher& matcher : matchers) {
    if (const auto* exists = std::get_if<Exists>(&matcher)) {
      if (exists->present == present) return true;
    } else if (present && AnyLeafPasses(matcher, *value)) {
      return true;
    }
  }
  return false;
}

bool FieldsMatch(const std::vector<Field>& fields, const element* value);

// Whether some object in array `a` (nested arrays flattened) matches `fields`; sets
// *saw_object when `a` holds any object.
bool SomeObjectMatches(const std::vector<Field>& fields, array a, bool* saw_object) {
  for (element child : a) {
    if (child.is_array()) {
      if (SomeObjectMatches(fields, ArrayOf(child), saw_object)) return true;
    } else if (child.is_object()) {
      *saw_object = true;
      if (FieldsMatch(fields, &child)) return true;
    }
  }
  return false;
}

// A nested pattern against the record's value at its key (nullptr when absent). No object
// there means every key below is absent: only {"exists":false} leaves can still match.
bool NestedMatches(const std::vector<Field>& fields, const element* value) {
  if (value != nullptr && value->is_array()) {
    bool saw_object = false;
    if (SomeObjectMatches(fields, ArrayOf(*value), &saw_object)) return true;
    if (saw_object) return false;
    return FieldsMatch(fields, nullptr);
  }
  if (value != nullptr && value->is_object()) return FieldsMatch(fields, value);
  return FieldsMatch(fields, nullptr);
}

// All `fields` against `value`, an object or nullptr (absent).
bool FieldsMatch(const std::vector<Field>& fields, const element* value) {
  for (const Field& field : fields) {
    element child;
    const element* child_ptr = nullptr;
    if (value != nullptr && value->is_object() &&
        ObjectOf(*value).at_key(field.name).get(child) == simdjson::SUCCESS) {
      child_ptr = &child;
    }
    bool ok = field.is_leaf ? LeafMatches(field.matchers, child_ptr)
                            : NestedMatches(field.fields, child_ptr);
    if (!ok) return false;
  }
  return true;
}

// Matches is const and runs on any worker thread: one parser per thread reuses its buffers.
// Documents it returns live until the thread's next parse.
simdjson::dom::parser& ThreadRecordParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace

FilterSet::FilterSet() = default;
FilterSet::~FilterSet() = default;
FilterSet::FilterSet(const FilterSet&) = default;
FilterSet& FilterSet::operator=(const FilterSet&) = default;
FilterSet::FilterSet(FilterSet&&) noexcept = default;
FilterSet& FilterSet::operator=(FilterSet&&) noexcept = default;

Result<FilterSet> FilterSet::Parse(const std::vector<std::string>& patterns) {
  if (patterns.size() > kMaxFilters) {
    return ValidationError(
        "1 validation error detected: Value at 'filterCriteria.filters' failed to satisfy "
        "constraint: Member must have length less than or equal to " +
        std::to_string(kMaxFilters));
  }
  FilterSet set;
  simdjson::dom::parser parser;
  for (size_t i = 0; i < patterns.size(); ++i) {
    const std::string& text = patterns[i];
    if (CountChars(text) > kMaxPatternChars) {
      return ValidationError("1 validation error detected: Value at 'filterCriteria.filters." +
                             std::to_string(i + 1) +
                             ".member.pattern' failed to satisfy constraint: Member must have "
                             "length less than or equal to " +
                             std::to_string(kMaxPatternChars));
    }
    element root;
    if (parser.parse(text).get(root) != simdjson::SUCCESS || !root.is_object()) {
      return InvalidPattern();
    }
    CIRRUS_ASSIGN_OR_RETURN(std::vector<Field> fields, CompileObject(ObjectOf(root)));
    set.patterns_.push_back(Pattern{std::move(fields)});
  }
  return set;
}

bool FilterSet::empty() const { return patterns_.empty(); }

bool FilterSet::Matches(std::string_view record_json) const {
  if (patterns_.empty()) return true;
  element root;
  if (ThreadRecordParser().parse(record_json.data(), record_json.size()).get(root) !=
          simdjson::SUCCESS ||
      !root.is_object()) {
    return false;
  }
  for (const Pattern& pattern : patterns_) {
    if (FieldsMatch(pattern.fields, &root)) return true;
  }
  return false;
}

}  // namespace cirrus::streams
