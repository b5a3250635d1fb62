// Codec microbenchmarks: what every request pays before and after the storage engine.
#include <benchmark/benchmark.h>

#include "db/item_codec.h"
#include "db/key_codec.h"
#include "server/wire/item_json.h"
#include "server/wire/json.h"

namespace cirrus {
namespace {

Item SampleItem() {
  return {{"pk", AttributeValue::String("user#1842")},
          {"sk", AttributeValue::Number("-12.5e3")},
          {"name", AttributeValue::String("Ada Lovelace")},
          {"tags", AttributeValue::StringSet({"admin", "beta"})},
          {"address", AttributeValue::Map({{"city", AttributeValue::String("London")},
                                           {"zip", AttributeValue::Number("12345")}})},
          {"data", AttributeValue::String(std::string(120, 'x'))}};
}

// EncodeKeyOf for an (S, N) key, paid by every Get/Put/Query.
// Baseline, same run: BM_CopyKeyBytes (a copy of as many bytes).
void BM_EncodeKey(benchmark::State& state) {
  db::KeyCodec codec(db::KeySchema::PartitionAndSort("pk", db::ScalarType::kS, "sk", db::ScalarType::kN));
  Item item = SampleItem();
  std::string stored;
  for (auto _ : state) {
    stored.clear();
    benchmark::DoNotOptimize(codec.EncodeKeyOf(item, &stored));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeKey);

void BM_CopyKeyBytes(benchmark::State& state) {
  std::string source(30, 'k'), stored;
  for (auto _ : state) {
    stored.assign(source);
    benchmark::DoNotOptimize(stored.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CopyKeyBytes);

// Item -> stored bytes (every write) and back (conditional writes, ALL_OLD).
void BM_EncodeItem(benchmark::State& state) {
  Item item = SampleItem();
  size_t size = ItemSize(item);
  std::string stored;
  for (auto _ : state) {
    stored.clear();
    db::EncodeItem(item, size, &stored);
    benchmark::DoNotOptimize(stored.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stored.size()));
}
BENCHMARK(BM_EncodeItem);

void BM_DecodeItem(benchmark::State& state) {
  Item item = SampleItem();
  std::string stored;
  db::EncodeItem(item, ItemSize(item), &stored);
  for (auto _ : state) benchmark::DoNotOptimize(db::DecodeItem(stored));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stored.size()));
}
BENCHMARK(BM_DecodeItem);

// Stored bytes -> DynamoDB JSON, the read path's response serialisation.
void BM_StoredItemToJson(benchmark::State& state) {
  Item item = SampleItem();
  std::string stored, out;
  db::EncodeItem(item, ItemSize(item), &stored);
  for (auto _ : state) {
    out.clear();
    wire::JsonWriter w(&out);
    wire::StoredItemJsonWriter visitor(w);
    w.BeginObject();
    benchmark::DoNotOptimize(db::WalkStoredItem(stored, visitor));
    w.EndObject();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_StoredItemToJson);

// A PutItem body: parse (simdjson) and convert to an Item with full validation.
void BM_ParsePutItemRequest(benchmark::State& state) {
  const std::string body =
      R"({"TableName":"bench","Item":{"pk":{"S":"user#1842"},"sk":{"N":"-12.5e3"},)"
      R"("name":{"S":"Ada Lovelace"},"tags":{"SS":["admin","beta"]},)"
      R"("address":{"M":{"city":{"S":"London"},"zip":{"N":"12345"}}},"data":{"S":")" +
      std::string(120, 'x') + R"("}}})";
  wire::JsonParser parser;
  std::string copy;
  for (auto _ : state) {
    copy = body;
    Result<wire::JsonValue> root = parser.Parse(&copy);
    benchmark::DoNotOptimize(wire::ParseItem(*root->Find("Item")));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParsePutItemRequest);

}  // namespace
}  // namespace cirrus
