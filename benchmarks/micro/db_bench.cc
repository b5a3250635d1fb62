// db/ point gets and range scans against raw LMDB on the same data: the engine's overhead
// over the B-tree it stands on. Setup (100k items of ~200 bytes) stays out of the loops.
#include <benchmark/benchmark.h>
#include <lmdb.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "db/database.h"
#include "db/item_codec.h"

namespace cirrus {
namespace {

constexpr int kItems = 100000;

struct Fixture {
  std::string dir;
  std::unique_ptr<db::Database> db;
  std::shared_ptr<const db::Table> table;
  std::vector<std::string> keys;

  Fixture() {
    char tmpl[] = "/tmp/cirrus-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    db::Options options;
    options.path = dir;
    options.sync = false;
    options.map_size = size_t{4} << 30;
    db = std::move(*db::Database::Open(options));
    db::TableDefinition def;
    def.name = "bench";
    def.key_schema = db::KeySchema::PartitionAndSort("pk", db::ScalarType::kS, "sk", db::ScalarType::kN);
    def.partition_count = 4;
    table = *db->CreateTable(def);
    for (int start = 0; start < kItems; start += 1000) {
      db::WriteBatch batch;
      for (int i = start; i < start + 1000; ++i) {
        Item item{{"pk", AttributeValue::String("user#" + std::to_string(i / 100))},
                  {"sk", AttributeValue::Number(std::to_string(i % 100))},
                  {"data", AttributeValue::String(std::string(170, 'x'))}};
        db::ItemWrite w;
        w.table = table;
        (void)table->codec().EncodeKeyOf(item, &w.key);
        keys.push_back(w.key);
        size_t size = ItemSize(item);
        w.mutation = db::Mutation::Put(std::move(item), size);
        batch.writes.push_back(std::move(w));
      }
      (void)db->WriteSync(&batch);
    }
  }
  ~Fixture() {
    table.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
};

Fixture& Shared() {
  static Fixture* f = new Fixture();  // lives for the process
  return *f;
}

// Read snapshot + point get through db/ (what GetItem pays below the protocol).
void BM_DbGet(benchmark::State& state) {
  Fixture& f = Shared();
  std::mt19937 rng(1);
  for (auto _ : state) {
    const std::string& key = f.keys[rng() % f.keys.size()];
    Result<db::ReadView> view = f.db->Read();
    benchmark::DoNotOptimize(view->Get(*f.table, key));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DbGet);

// Baseline: the same lookups with raw mdb_txn_begin/mdb_get/mdb_txn_abort on the same file.
// The fixture's data opened with LMDB alone, read-only: the ceiling db/ is measured against
// (its partition B-trees by name, one reset read transaction to renew). LMDB must not open
// one environment twice in a process, so this opens a copy of the fixture's data file, once.
struct RawLmdb {
  std::string dir;
  MDB_env* env = nullptr;
  MDB_txn* txn = nullptr;
  std::vector<MDB_dbi> dbis = std::vector<MDB_dbi>(4);
  explicit RawLmdb(const std::string& source) : dir(source + "-raw") {
    std::filesystem::create_directory(dir);
    std::filesystem::copy_file(source + "/data.mdb", dir + "/data.mdb",
                               std::filesystem::copy_options::overwrite_existing);
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 16);
    mdb_env_open(env, dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0644);
    mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    for (int p = 0; p < 4; ++p) mdb_dbi_open(txn, ("p:1:" + std::to_string(p)).c_str(), 0, &dbis[p]);
    mdb_txn_commit(txn);  // publishes the handles
    mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    mdb_txn_reset(txn);
  }
  ~RawLmdb() {
    mdb_txn_abort(txn);
    mdb_env_close(env);
    std::filesystem::remove_all(dir);
  }
};

RawLmdb& Raw() {
  static RawLmdb raw(Shared().dir);
  return raw;
}

void BM_RawLmdbGet(benchmark::State& state) {
  Fixture& f = Shared();
  RawLmdb& raw = Raw();
  std::mt19937 rng(1);
  int64_t misses = 0;
  for (auto _ : state) {
    const std::string& key = f.keys[rng() % f.keys.size()];
    mdb_txn_renew(raw.txn);
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
    misses += mdb_get(raw.txn, raw.dbis[f.table->PartitionOfKey(key)], &k, &v) != 0;
    mdb_txn_reset(raw.txn);
  }
  if (misses) state.SkipWithError("raw lookups failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawLmdbGet);

// A Query-sized range scan: the 100 items of one partition key through db/ cursors.
void BM_DbRangeScan100(benchmark::State& state) {
  Fixture& f = Shared();
  std::mt19937 rng(2);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string prefix = f.table->codec().PartitionPrefix(
        AttributeValue::String("user#" + std::to_string(rng() % (kItems / 100))));
    Result<db::ReadView> view = f.db->Read();
    Result<db::PartitionCursor> cursor = view->OpenCursor(*f.table, f.table->PartitionOfKey(prefix));
    std::string end = db::PrefixSuccessor(prefix);
    for (bool ok = cursor->SeekForward(prefix, true); ok && cursor->key() < end; ok = cursor->Next()) {
      bytes += cursor->value().size();
    }
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_DbRangeScan100);

// The same 100 items with an LMDB cursor alone (stored keys this short are the tree keys).
void BM_RawLmdbRangeScan100(benchmark::State& state) {
  Fixture& f = Shared();
  RawLmdb& raw = Raw();
  std::mt19937 rng(2);
  size_t bytes = 0, items = 0;
  for (auto _ : state) {
    std::string prefix = f.table->codec().PartitionPrefix(
        AttributeValue::String("user#" + std::to_string(rng() % (kItems / 100))));
    std::string end = db::PrefixSuccessor(prefix);
    mdb_txn_renew(raw.txn);
    MDB_cursor* cursor;
    mdb_cursor_open(raw.txn, raw.dbis[f.table->PartitionOfKey(prefix)], &cursor);
    MDB_val k{prefix.size(), prefix.data()}, v;
    for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
         rc == 0 && std::string_view(static_cast<char*>(k.mv_data), k.mv_size) < end;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      bytes += v.mv_size;
      ++items;
    }
    mdb_cursor_close(cursor);
    mdb_txn_reset(raw.txn);
  }
  benchmark::DoNotOptimize(bytes);
  if (items != static_cast<size_t>(state.iterations()) * 100) state.SkipWithError("raw scans did not find 100 items each");
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_RawLmdbRangeScan100);

// The durable-write ceiling: LMDB alone committing (fsync) transactions of G overwrites of
// random ~200-byte items among 100k, as the server's group commit forms them (G batches per
// commit); the same flags as db/ (WRITEMAP). Items/s is the most PutItem could reach.
void BM_LmdbDurableCommit(benchmark::State& state) {
  const int group = static_cast<int>(state.range(0));
  char tmpl[] = "/tmp/cirrus-ceiling-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  MDB_env* env;
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, size_t{1} << 30);
  mdb_env_open(env, dir.c_str(), MDB_WRITEMAP | MDB_NOTLS | MDB_NORDAHEAD, 0644);
  MDB_txn* txn;
  MDB_dbi dbi;
  std::string value(200, 'x');
  auto key_of = [](int i) { return "user#" + std::to_string(i); };
  mdb_txn_begin(env, nullptr, 0, &txn);
  mdb_dbi_open(txn, nullptr, 0, &dbi);
  for (int i = 0; i < kItems; ++i) {
    std::string key = key_of(i);
    MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
    mdb_put(txn, dbi, &k, &v, 0);
  }
  mdb_txn_commit(txn);
  std::mt19937 rng(3);
  int failures = 0;
  for (auto _ : state) {
    mdb_txn_begin(env, nullptr, 0, &txn);
    for (int g = 0; g < group; ++g) {
      std::string key = key_of(static_cast<int>(rng() % kItems));
      value[rng() % value.size()] = static_cast<char>('a' + rng() % 26);
      MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
      failures += mdb_put(txn, dbi, &k, &v, 0) != 0;
    }
    failures += mdb_txn_commit(txn) != 0;  // fsync
  }
  if (failures) state.SkipWithError("LMDB writes failed");
  mdb_env_close(env);
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(state.iterations() * group);
}
// The group sizes cirrusd forms (GET /cirrus/stats): run.sh compares at the measured one.
BENCHMARK(BM_LmdbDurableCommit)->RangeMultiplier(2)->Range(1, 64)->UseRealTime();

}  // namespace
}  // namespace cirrus

BENCHMARK_MAIN();
