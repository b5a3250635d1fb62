// libFuzzer target for the expression language: parses the input as every expression kind
// and evaluates whatever parses against a sample item. Any crash, leak (ASan), undefined
// behaviour (UBSan) or hang (-timeout) is a bug. The first byte picks the kind.
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCIRRUS_FUZZ=ON
//   cmake --build build-fuzz --target expression_fuzz
//   build-fuzz/tests/expression_fuzz -max_total_time=60 CORPUS_DIR
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "query/evaluate.h"
#include "query/expression.h"
#include "query/key_condition.h"

namespace {

using namespace cirrus;

const std::map<std::string, std::string, std::less<>>& Names() {
  static const auto* names = new std::map<std::string, std::string, std::less<>>{
      {"#a", "a"}, {"#b", "b"}, {"#l", "l"}, {"#m", "m"}, {"#pk", "pk"}, {"#sk", "sk"}};
  return *names;
}

const Item& Values() {
  static const Item* values = new Item{
      {":s", AttributeValue::String("abc")},
      {":n", AttributeValue::Number("-1.5e3")},
      {":one", AttributeValue::Number("1")},
      {":big", AttributeValue::Number("9.9999999999999999999999999999999999999e125")},
      {":b", AttributeValue::Binary(std::string("\x00\xff", 2))},
      {":ss", AttributeValue::StringSet({"a", "b"})},
      {":ns", AttributeValue::NumberSet({"1", "2"})},
      {":l", AttributeValue::List({AttributeValue::Null(), AttributeValue::Bool(true)})},
      {":m", AttributeValue::Map({{"x", AttributeValue::String("y")}})},
      {":t", AttributeValue::String("SS")},
      {":null", AttributeValue::Null()}};
  return *values;
}

const Item& SampleItem() {
  static const Item* item = new Item{
      {"pk", AttributeValue::String("k")},
      {"sk", AttributeValue::Number("5")},
      {"a", AttributeValue::String("abcdef")},
      {"b", AttributeValue::Number("10")},
      {"l", AttributeValue::List({AttributeValue::Number("1"),
                                  AttributeValue::List({AttributeValue::String("x")}),
                                  AttributeValue::Map({{"m", AttributeValue::Bool(false)}})})},
      {"m", AttributeValue::Map({{"a", AttributeValue::StringSet({"a"})},
                                 {"l", AttributeValue::List({})}})}};
  return *item;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  query::Placeholders placeholders(&Names(), &Values());
  switch (data[0] % 4) {
    case 0: {
      constexpr auto kKind = query::ExpressionKind::kCondition;
      Result<query::ParsedCondition> c = query::ParseCondition(text, kKind, placeholders);
      if (!c.ok()) break;
      Result<query::Values> values = placeholders.Bind(c->use, kKind);
      if (!values.ok() || !query::CheckConditionValues(c->tree, *values, kKind).ok()) break;
      (void)query::Matches(c->tree, *values, SampleItem());
      (void)query::Matches(c->tree, *values, Item());
      break;
    }
    case 1: {
      Result<query::ParsedUpdate> u = query::ParseUpdate(text, placeholders);
      if (!u.ok()) break;
      Result<query::Values> values = placeholders.Bind(u->use, query::ExpressionKind::kUpdate);
      if (!values.ok() || !query::CheckUpdate(u->tree, *values, {"pk", "sk"}).ok()) break;
      Item copy = SampleItem();
      (void)query::ApplyUpdate(u->tree, *values, &copy);
      Item fresh{{"pk", AttributeValue::String("new")}};
      (void)query::ApplyUpdate(u->tree, *values, &fresh);
      break;
    }
    case 2: {
      Result<query::ParsedProjection> p = query::ParseProjection(text, placeholders);
      if (p.ok()) (void)query::Project(SampleItem(), p->tree);
      break;
    }
    case 3: {
      (void)query::ParseKeyCondition(text, placeholders,
                                     query::QueryKeys{{{"pk", ValueType::kS}}, {{"sk", ValueType::kN}}});
      break;
    }
  }
  (void)placeholders.CheckAllUsed();
  return 0;
}
