// What secondary indexes cost in db/: writes to a table with two GSIs against a table without
// indexes, and the online backfill of a new GSI over a loaded table.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "db/database.h"

namespace cirrus {
namespace {

// ~200-byte items: a user key, a status and a time for the indexes, a payload.
Item MakeItem(int64_t i, uint32_t salt) {
  return Item{{"pk", AttributeValue::String("user#" + std::to_string(i))},
              {"status", AttributeValue::String("s" + std::to_string((i + salt) % 16))},
              {"at", AttributeValue::Number(std::to_string(i * 7 + salt))},
              {"data", AttributeValue::String(std::string(150, 'x'))}};
}

db::IndexDefinition Gsi(std::string name, std::string pk, std::optional<std::string> sk) {
  db::IndexDefinition x;
  x.name = std::move(name);
  x.kind = db::IndexKind::kGlobal;
  x.key_schema.partition_keys = {{std::move(pk), db::ScalarType::kS}};
  if (sk) x.key_schema.sort_keys = {db::KeyAttribute{*sk, db::ScalarType::kN}};
  x.projection = db::ProjectionType::kAll;  // the costliest: every entry is a whole item
  x.partition_count = 4;
  return x;
}

struct Db {
  std::string dir;
  std::unique_ptr<db::Database> db;

  Db() {
    char tmpl[] = "/tmp/cirrus-index-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    db::Options options;
    options.path = dir;
    options.sync = false;  // the CPU cost of a write; fsync is the same with or without indexes
    options.map_size = size_t{8} << 30;
    db = std::move(*db::Database::Open(options));
  }
  ~Db() {
    db.reset();
    std::filesystem::remove_all(dir);
  }

  std::shared_ptr<const db::Table> Create(std::vector<db::IndexDefinition> indexes) {
    db::TableDefinition def;
    def.name = "bench";
    def.key_schema = db::KeySchema::PartitionOnly("pk", db::ScalarType::kS);
    def.partition_count = 4;
    def.indexes = std::move(indexes);
    return *db->CreateTable(def);
  }

  // Writes items [from, to) in batches of `batch_size`, `salt` varying their index keys.
  void Load(const std::shared_ptr<const db::Table>& table, int64_t from, int64_t to,
            uint32_t salt, int64_t batch_size) {
    for (int64_t start = from; start < to; start += batch_size) {
      db::WriteBatch batch;
      for (int64_t i = start; i < std::min(to, start + batch_size); ++i) {
        Item item = MakeItem(i, salt);
        db::ItemWrite w;
        w.table = table;
        (void)table->codec().EncodeKeyOf(item, &w.key);
        size_t size = ItemSize(item);
        w.mutation = db::Mutation::Put(std::move(item), size);
        batch.writes.push_back(std::move(w));
      }
      (void)db->WriteSync(&batch);
    }
  }
};

// PutItem's work below the protocol, per item: 100 puts per transaction over a loaded key
// space, so that most are overwrites whose index entries move. Arg: GSIs on the table (0, 2).
void BM_PutWithIndexes(benchmark::State& state) {
  constexpr int64_t kKeys = 100000, kBatch = 100;
  Db d;
  std::vector<db::IndexDefinition> indexes;
  if (state.range(0) >= 1) indexes.push_back(Gsi("byStatus", "status", "at"));
  if (state.range(0) >= 2) indexes.push_back(Gsi("byStatusOnly", "status", std::nullopt));
  auto table = d.Create(indexes);
  d.Load(table, 0, kKeys, 0, 1000);
  std::mt19937_64 rng(7);
  uint32_t salt = 1;
  for (auto _ : state) {
    db::WriteBatch batch;
    for (int64_t k = 0; k < kBatch; ++k) {
      Item item = MakeItem(static_cast<int64_t>(rng() % kKeys), salt++);
      db::ItemWrite w;
      w.table = table;
      (void)table->codec().EncodeKeyOf(item, &w.key);
      size_t size = ItemSize(item);
      w.mutation = db::Mutation::Put(std::move(item), size);
      batch.writes.push_back(std::move(w));
    }
    // Keys may repeat within a batch; the batch then holds both writes (allowed by db for
    // distinct ItemWrites only), so drop the duplicates first.
    std::sort(batch.writes.begin(), batch.writes.end(),
              [](const db::ItemWrite& a, const db::ItemWrite& b) { return a.key < b.key; });
    batch.writes.erase(std::unique(batch.writes.begin(), batch.writes.end(),
                                   [](const db::ItemWrite& a, const db::ItemWrite& b) { return a.key == b.key; }),
                       batch.writes.end());
    state.counters["items"] += static_cast<double>(batch.writes.size());
    if (!d.db->WriteSync(&batch).ok()) state.SkipWithError("write failed");
  }
  state.counters["items"] = benchmark::Counter(state.counters["items"], benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PutWithIndexes)->Arg(0)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

// A GSI created on a table of N items: from CreateIndex to ACTIVE, with no other writes.
void BM_Backfill(benchmark::State& state) {
  const int64_t items = state.range(0);
  Db d;
  auto table = d.Create({});
  d.Load(table, 0, items, 0, 5000);
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    if (!d.db->CreateIndex("bench", Gsi("byStatus", "status", "at")).ok()) {
      state.SkipWithError("CreateIndex failed");
      break;
    }
    while (d.db->FindTable("bench")->FindIndex("byStatus")->definition().status !=
           db::IndexStatus::kActive) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (d.db->FindTable("bench")->FindIndex("byStatus")->item_count() != items) {
      state.SkipWithError("the index does not hold every item");
    }
  }
  state.SetItemsProcessed(state.iterations() * items);
}
BENCHMARK(BM_Backfill)->Arg(1000000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cirrus
