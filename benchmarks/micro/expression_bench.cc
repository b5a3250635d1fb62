// The expression language's costs on a request's path: parsing (a cache miss), the cached
// path (lookup, bind, value checks) and evaluation. Baseline in the same run:
// BM_ParsePutItemRequest (codec_bench.cc), what every write pays to parse its JSON.
#include <benchmark/benchmark.h>

#include "db/item_codec.h"
#include "query/cache.h"
#include "query/evaluate.h"
#include "query/expression.h"

namespace cirrus {
namespace {

const std::map<std::string, std::string, std::less<>> kNames{{"#st", "status"}};
const Item kValues{{":s", AttributeValue::String("open")},
                   {":v", AttributeValue::Number("42")},
                   {":one", AttributeValue::Number("1")},
                   {":tags", AttributeValue::StringSet({"x", "y"})},
                   {":c", AttributeValue::String("Paris")}};

Item SampleItem() {
  return {{"pk", AttributeValue::String("order#1842")},
          {"status", AttributeValue::String("open")},
          {"version", AttributeValue::Number("41")},
          {"count", AttributeValue::Number("7")},
          {"tags", AttributeValue::StringSet({"a", "b"})},
          {"address", AttributeValue::Map({{"city", AttributeValue::String("London")},
                                           {"zip", AttributeValue::Number("12345")}})},
          {"parts", AttributeValue::List({AttributeValue::String(std::string(60, 'l')),
                                          AttributeValue::String(std::string(60, 'm'))})},
          {"notes", AttributeValue::String(std::string(200, 'n'))}};
}

constexpr std::string_view kCondition =
    "attribute_exists(pk) AND #st = :s AND version < :v AND NOT contains(tags, :s)";
constexpr std::string_view kUpdate =
    "SET version = version + :one, address.city = :c, #st = :s REMOVE parts[0] ADD tags :tags";

// Parsing a typical condition from its text, as on a cache miss.
void BM_ParseCondition(benchmark::State& state) {
  for (auto _ : state) {
    query::Placeholders p(&kNames, &kValues);
    benchmark::DoNotOptimize(query::ParseCondition(kCondition, query::ExpressionKind::kCondition, p));
  }
}
BENCHMARK(BM_ParseCondition);

// What a request repeating an expression pays: the cache lookup, binding its values and
// DynamoDB's checks of them.
void BM_ParseConditionCachedAndBind(benchmark::State& state) {
  for (auto _ : state) {
    query::Placeholders p(&kNames, &kValues);
    auto parsed = query::ParseConditionCached(kCondition, query::ExpressionKind::kCondition, p);
    auto values = p.Bind((*parsed)->use, query::ExpressionKind::kCondition);
    benchmark::DoNotOptimize(query::CheckConditionValues((*parsed)->tree, *values,
                                                         query::ExpressionKind::kCondition));
  }
}
BENCHMARK(BM_ParseConditionCachedAndBind);

void BM_ParseUpdate(benchmark::State& state) {
  for (auto _ : state) {
    query::Placeholders p(&kNames, &kValues);
    benchmark::DoNotOptimize(query::ParseUpdate(kUpdate, p));
  }
}
BENCHMARK(BM_ParseUpdate);

void BM_ParseUpdateCachedAndBind(benchmark::State& state) {
  for (auto _ : state) {
    query::Placeholders p(&kNames, &kValues);
    auto parsed = query::ParseUpdateCached(kUpdate, p);
    auto values = p.Bind((*parsed)->use, query::ExpressionKind::kUpdate);
    benchmark::DoNotOptimize(query::CheckUpdate((*parsed)->tree, *values, {"pk"}));
  }
}
BENCHMARK(BM_ParseUpdateCachedAndBind);

void BM_EvaluateCondition(benchmark::State& state) {
  query::Placeholders p(&kNames, &kValues);
  query::ParsedCondition c = *query::ParseCondition(kCondition, query::ExpressionKind::kCondition, p);
  query::Values values = *p.Bind(c.use, query::ExpressionKind::kCondition);
  Item item = SampleItem();
  for (auto _ : state) benchmark::DoNotOptimize(query::Matches(c.tree, values, item));
}
BENCHMARK(BM_EvaluateCondition);

// ApplyUpdate on a copy of the item, as UpdateItem does in the writer.
void BM_ApplyUpdate(benchmark::State& state) {
  query::Placeholders p(&kNames, &kValues);
  query::ParsedUpdate u = *query::ParseUpdate(kUpdate, p);
  query::Values values = *p.Bind(u.use, query::ExpressionKind::kUpdate);
  Item item = SampleItem();
  for (auto _ : state) {
    Item copy = item;
    benchmark::DoNotOptimize(query::ApplyUpdate(u.tree, values, &copy));
  }
}
BENCHMARK(BM_ApplyUpdate);

// A FilterExpression over a stored item: decoding only what the filter reads (what Query and
// Scan do) against decoding all of it.
void BM_FilterStoredItemPartialDecode(benchmark::State& state) {
  query::Placeholders p(&kNames, &kValues);
  query::ParsedCondition c = *query::ParseCondition("#st = :s AND version < :v", query::ExpressionKind::kFilter, p);
  query::Values values = *p.Bind(c.use, query::ExpressionKind::kFilter);
  std::set<std::string, std::less<>> names;
  query::AddAttributeNames(c.tree, &names);
  Item item = SampleItem();
  std::string stored;
  db::EncodeItem(item, ItemSize(item), &stored);
  for (auto _ : state) {
    benchmark::DoNotOptimize(query::Matches(c.tree, values, *db::DecodeItemAttributes(stored, names)));
  }
}
BENCHMARK(BM_FilterStoredItemPartialDecode);

void BM_FilterStoredItemFullDecode(benchmark::State& state) {
  query::Placeholders p(&kNames, &kValues);
  query::ParsedCondition c = *query::ParseCondition("#st = :s AND version < :v", query::ExpressionKind::kFilter, p);
  query::Values values = *p.Bind(c.use, query::ExpressionKind::kFilter);
  Item item = SampleItem();
  std::string stored;
  db::EncodeItem(item, ItemSize(item), &stored);
  for (auto _ : state) benchmark::DoNotOptimize(query::Matches(c.tree, values, *db::DecodeItem(stored)));
}
BENCHMARK(BM_FilterStoredItemFullDecode);

}  // namespace
}  // namespace cirrus
