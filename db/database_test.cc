#include "db/database.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <random>
#include <set>
#include <sys/wait.h>
#include <thread>

#include "db/item_codec.h"
#include "db/testing/temp_database.h"

namespace cirrus::db {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void Reopen() { db_.Reopen(); }

  std::shared_ptr<const Table> Create(const std::string& name, uint32_t partitions = 4) {
    TableDefinition def;
    def.name = name;
    def.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kN);
    def.partition_count = partitions;
    Result<std::shared_ptr<const Table>> t = db_->CreateTable(def);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? *t : nullptr;
  }

  static Item MakeItem(const std::string& pk, int sk, const std::string& payload = "v") {
    return {{"pk", AttributeValue::String(pk)},
            {"sk", AttributeValue::Number(std::to_string(sk))},
            {"data", AttributeValue::String(payload)}};
  }

  static ItemWrite PutWrite(const std::shared_ptr<const Table>& table, Item item) {
    ItemWrite w;
    w.table = table;
    EXPECT_TRUE(table->codec().EncodeKeyOf(item, &w.key).ok());
    size_t size = ItemSize(item);
    w.mutation = Mutation::Put(std::move(item), size);
    return w;
  }

  Status Put(const std::shared_ptr<const Table>& table, Item item) {
    WriteBatch batch;
    batch.writes.push_back(PutWrite(table, std::move(item)));
    return db_->WriteSync(&batch);
  }

  std::optional<Item> Get(const Table& table, const Item& key) {
    std::string stored;
    EXPECT_TRUE(table.codec().EncodeKey(key, &stored).ok());
    Result<ReadView> view = db_->Read();
    EXPECT_TRUE(view.ok());
    Result<std::optional<std::string_view>> value = view->Get(table, stored);
    EXPECT_TRUE(value.ok());
    if (!value.ok() || !value->has_value()) return std::nullopt;
    return *DecodeItem(**value);
  }

  static Item Key(const std::string& pk, int sk) {
    return {{"pk", AttributeValue::String(pk)}, {"sk", AttributeValue::Number(std::to_string(sk))}};
  }

  testing::TempDatabase db_;
};

TEST_F(DatabaseTest, PutGetDeleteKeepExactStatistics) {
  auto table = Create("T");
  ASSERT_TRUE(Put(table, MakeItem("a", 1, "xyz")).ok());
  ASSERT_TRUE(Put(table, MakeItem("a", 2)).ok());
  ASSERT_TRUE(Put(table, MakeItem("a", 1, "overwritten")).ok());
  EXPECT_EQ(Get(*table, Key("a", 1))->at("data"), AttributeValue::String("overwritten"));
  EXPECT_FALSE(Get(*table, Key("a", 3)).has_value());
  EXPECT_EQ(table->item_count(), 2);
  EXPECT_EQ(table->size_bytes(), static_cast<int64_t>(ItemSize(MakeItem("a", 1, "overwritten")) +
                                                      ItemSize(MakeItem("a", 2))));

  WriteBatch batch;
  ItemWrite del;
  del.table = table;
  ASSERT_TRUE(table->codec().EncodeKey(Key("a", 1), &del.key).ok());
  del.mutation = Mutation::Delete();
  del.want_old_image = true;
  batch.writes.push_back(std::move(del));
  ASSERT_TRUE(db_->WriteSync(&batch).ok());
  EXPECT_TRUE(batch.writes[0].existed);
  EXPECT_EQ(batch.writes[0].old_image->at("data"), AttributeValue::String("overwritten"));
  EXPECT_EQ(table->item_count(), 1);
  EXPECT_EQ(table->size_bytes(), static_cast<int64_t>(ItemSize(MakeItem("a", 2))));
}

TEST_F(DatabaseTest, FailedDecisionWritesNothingOfItsBatch) {
  auto table = Create("T");
  WriteBatch batch;
  batch.writes.push_back(PutWrite(table, MakeItem("a", 1)));
  ItemWrite conditional = PutWrite(table, MakeItem("a", 2));
  conditional.decide = [](const Item*) -> Result<Mutation> {
    return Status(ErrorKind::kConditionalCheckFailed, "The conditional request failed");
  };
  batch.writes.push_back(std::move(conditional));
  EXPECT_EQ(db_->WriteSync(&batch).kind(), ErrorKind::kConditionalCheckFailed);
  EXPECT_FALSE(Get(*table, Key("a", 1)).has_value());
  EXPECT_EQ(table->item_count(), 0);
}

TEST_F(DatabaseTest, BatchSettingsCommitWithItsItemsOrNotAtAll) {
  auto table = Create("T");
  ASSERT_TRUE(db_->WriteSettings({{"tok/old", "x"}}).ok());
  WriteBatch refused;
  ItemWrite conditional = PutWrite(table, MakeItem("a", 1));
  conditional.check = [](const Item*) {
    return Status(ErrorKind::kConditionalCheckFailed, "The conditional request failed");
  };
  refused.writes.push_back(std::move(conditional));
  refused.settings = {{"tok/a", "1"}, {"tok/old", std::nullopt}};
  EXPECT_EQ(db_->WriteSync(&refused).kind(), ErrorKind::kConditionalCheckFailed);
  {
    Result<ReadView> view = db_->Read();
    EXPECT_FALSE(*view->GetSetting("tok/a"));
    EXPECT_TRUE(*view->GetSetting("tok/old"));
  }

  WriteBatch batch;
  batch.writes.push_back(PutWrite(table, MakeItem("a", 1)));
  batch.settings = {{"tok/a", "1"}, {"tok/old", std::nullopt}, {"tok/never", std::nullopt}};
  ASSERT_TRUE(db_->WriteSync(&batch).ok());
  Reopen();
  Result<ReadView> view = db_->Read();
  EXPECT_EQ(**view->GetSetting("tok/a"), "1");
  EXPECT_FALSE(*view->GetSetting("tok/old"));
}

TEST_F(DatabaseTest, ListSettingsPagesInKeyOrder) {
  std::vector<std::pair<std::string, std::optional<std::string>>> settings;
  for (int i = 0; i < 25; ++i) settings.emplace_back("p/" + std::to_string(100 + i), "v");
  settings.emplace_back("q/0", "other prefix");
  ASSERT_TRUE(db_->WriteSettings(settings).ok());
  Result<ReadView> view = db_->Read();
  std::vector<std::string> seen;
  std::string after;
  for (;;) {
    auto page = view->ListSettings("p/", 10, after);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    EXPECT_LE(page->size(), 10u);
    for (const auto& [key, value] : *page) seen.push_back(key);
    after = page->back().first;
  }
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.front(), "p/100");
  EXPECT_EQ(view->ListSettings("p/", 0)->size(), 0u);
  EXPECT_EQ(view->ListSettings("p/", 5, "p/123")->size(), 1u);
}

TEST_F(DatabaseTest, DecideEveryRecordsEachWritesOwnDecisionAndWritesNothing) {
  auto table = Create("T");
  ASSERT_TRUE(Put(table, MakeItem("a", 1)).ok());
  WriteBatch batch;
  batch.decide_every = true;
  batch.writes.push_back(PutWrite(table, MakeItem("a", 2)));
  auto refuse = [](ErrorKind kind) {
    return [kind](const Item* current) -> Status {
      return current ? Status(kind, "refused") : Status();
    };
  };
  ItemWrite first = PutWrite(table, MakeItem("a", 1));
  first.check = refuse(ErrorKind::kConditionalCheckFailed);
  first.want_old_image = true;
  batch.writes.push_back(std::move(first));
  batch.writes.push_back(PutWrite(table, MakeItem("a", 3)));
  EXPECT_EQ(db_->WriteSync(&batch).kind(), ErrorKind::kConditionalCheckFailed);
  EXPECT_TRUE(batch.writes[0].decision.ok());
  EXPECT_EQ(batch.writes[1].decision.kind(), ErrorKind::kConditionalCheckFailed);
  ASSERT_TRUE(batch.writes[1].old_image.has_value());  // the item the condition saw
  EXPECT_TRUE(batch.writes[2].decision.ok());  // decided although an earlier one failed
  EXPECT_FALSE(Get(*table, Key("a", 2)).has_value());
  EXPECT_FALSE(Get(*table, Key("a", 3)).has_value());
  EXPECT_EQ(table->item_count(), 1);
}

TEST_F(DatabaseTest, DecideSeesTheCurrentItemAndEarlierWritesOfTheGroup) {
  auto table = Create("T");
  ASSERT_TRUE(Put(table, MakeItem("counter", 0, "0")).ok());
  // Concurrent read-modify-write increments: none may be lost.
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch batch;
        ItemWrite w;
        w.table = table;
        ASSERT_TRUE(table->codec().EncodeKey(Key("counter", 0), &w.key).ok());
        w.decide = [](const Item* current) -> Result<Mutation> {
          Item next = *current;
          int n = std::stoi(next.at("data").scalar());
          next["data"] = AttributeValue::String(std::to_string(n + 1));
          size_t size = ItemSize(next);
          return Mutation::Put(std::move(next), size);
        };
        batch.writes.push_back(std::move(w));
        ASSERT_TRUE(db_->WriteSync(&batch).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Get(*table, Key("counter", 0))->at("data").scalar(),
            std::to_string(kThreads * kPerThread));
}

TEST_F(DatabaseTest, GroupCommitCarriesManyBatchesPerTransaction) {
  auto table = Create("T");
  constexpr int kBatches = 2000;
  std::vector<WriteBatch> batches(kBatches);
  std::atomic<int> done{0}, failed{0};
  Database::WriterStats before = db_->writer_stats();
  for (int i = 0; i < kBatches; ++i) {
    batches[i].writes.push_back(PutWrite(table, MakeItem("k" + std::to_string(i), i)));
    db_->Write(&batches[i], [&](Status s) {
      if (!s.ok()) failed++;
      done++;
    });
  }
  while (done.load() < kBatches) std::this_thread::yield();
  EXPECT_EQ(failed.load(), 0);
  Database::WriterStats after = db_->writer_stats();
  EXPECT_EQ(after.batches - before.batches, static_cast<uint64_t>(kBatches));
  EXPECT_LT(after.commits - before.commits, static_cast<uint64_t>(kBatches));
  EXPECT_EQ(table->item_count(), kBatches);
  for (int i = 0; i < kBatches; i += 97) EXPECT_TRUE(Get(*table, Key("k" + std::to_string(i), i)));
}

TEST_F(DatabaseTest, RestartKeepsTablesItemsAndStatistics) {
  auto table = Create("Keep", 2);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(Put(table, MakeItem("p" + std::to_string(i % 7), i)).ok());
  int64_t size = table->size_bytes();
  table.reset();
  Reopen();
  auto reopened = db_->FindTable("Keep");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->partition_count(), 2u);
  EXPECT_EQ(reopened->item_count(), 100);
  EXPECT_EQ(reopened->size_bytes(), size);
  EXPECT_TRUE(Get(*reopened, Key("p3", 10)).has_value());
}

TEST_F(DatabaseTest, CatalogErrorsAndRecreation) {
  auto table = Create("T");
  TableDefinition again;
  again.name = "T";
  again.key_schema = KeySchema::PartitionOnly("pk", ScalarType::kS);
  EXPECT_EQ(db_->CreateTable(again).status().kind(), ErrorKind::kResourceInUse);
  EXPECT_EQ(db_->DeleteTable("missing").status().kind(), ErrorKind::kResourceNotFound);
  ASSERT_TRUE(Put(table, MakeItem("a", 1)).ok());
  ASSERT_TRUE(db_->DeleteTable("T").ok());
  EXPECT_EQ(db_->FindTable("T"), nullptr);
  // A reader still holding the old table reads its (now empty) partitions safely.
  EXPECT_FALSE(Get(*table, Key("a", 1)).has_value());
  table.reset();
  auto fresh = Create("T");
  EXPECT_EQ(fresh->item_count(), 0);
  EXPECT_FALSE(Get(*fresh, Key("a", 1)).has_value());
  EXPECT_EQ(db_->TableNames(), std::vector<std::string>{"T"});
}

TEST_F(DatabaseTest, ManyCreateDeleteCyclesReleaseTreeHandles) {
  // 8192 handles / 64 partitions: without releasing them this would run out by cycle 128.
  // The writer closes a deleted table's handles after its next job, once unreferenced.
  for (int i = 0; i < 300; ++i) {
    ASSERT_NE(Create("cycle", 64), nullptr) << i;
    ASSERT_TRUE(db_->DeleteTable("cycle").ok());
  }
}

TEST_F(DatabaseTest, UpdateTableKeepsStorage) {
  auto table = Create("T");
  ASSERT_TRUE(Put(table, MakeItem("a", 1)).ok());
  auto updated = db_->UpdateTable("T", [](TableDefinition& d) {
    d.billing_mode = BillingMode::kPayPerRequest;
    d.partition_count = 64;  // ignored: storage never changes
    return Status();
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ((*updated)->definition().billing_mode, BillingMode::kPayPerRequest);
  EXPECT_EQ((*updated)->partition_count(), 4u);
  EXPECT_EQ((*updated)->item_count(), 1);
  EXPECT_TRUE(Get(**updated, Key("a", 1)).has_value());
}

TEST_F(DatabaseTest, CursorsWalkAPartitionInKeyOrderBothWays) {
  auto table = Create("T", 1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put(table, MakeItem("a", i * 10)).ok());
  std::string prefix = table->codec().PartitionPrefix(AttributeValue::String("a"));
  std::string k30 = prefix;
  KeyCodec::AppendEncoded(AttributeValue::Number("30"), &k30);
  Result<ReadView> view = db_->Read();
  ASSERT_TRUE(view.ok());
  Result<PartitionCursor> cursor = view->OpenCursor(*table, 0);
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(cursor->SeekForward(k30, true));
  EXPECT_EQ(cursor->key(), k30);
  ASSERT_TRUE(cursor->SeekForward(k30, false));
  EXPECT_EQ(table->codec().DecodeKey(cursor->key())->at("sk").scalar(), "40");
  ASSERT_TRUE(cursor->SeekBackward(k30, false));
  EXPECT_EQ(table->codec().DecodeKey(cursor->key())->at("sk").scalar(), "20");
  ASSERT_TRUE(cursor->SeekBackward(k30, true));
  EXPECT_EQ(table->codec().DecodeKey(cursor->key())->at("sk").scalar(), "30");
  ASSERT_TRUE(cursor->SeekBackward(PrefixSuccessor(prefix), false));
  EXPECT_EQ(table->codec().DecodeKey(cursor->key())->at("sk").scalar(), "90");
  int n = 1;
  while (cursor->Prev()) ++n;
  EXPECT_EQ(n, 10);
}

}  // namespace
}  // namespace cirrus::db

namespace cirrus::db {
namespace {

// Keys over 480 bytes take the digest form in the B-tree (tree_key.h); cursors must still
// return every partition's items in stored-key order, both ways, from any seek position.
TEST_F(DatabaseTest, LongKeysKeepDynamoDbOrder) {
  TableDefinition def;
  def.name = "long";
  def.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kS);
  def.partition_count = 1;
  auto table = *db_->CreateTable(def);
  std::mt19937_64 rng(11);
  const std::string long_pk(2048, 'p');
  std::vector<std::string> stored;
  std::set<std::string> sort_keys;
  // Sort keys around the 480-byte boundary that share long prefixes, and short ones.
  while (sort_keys.size() < 300) {
    size_t len = rng() % 3 == 0 ? 1 + rng() % 20 : 400 + rng() % 625;
    std::string sk(len, 'a');
    for (size_t i = len > 30 ? len - 3 : 0; i < len; ++i)
      sk[i] = static_cast<char>('a' + rng() % 3);
    if (len > 1024) continue;
    sort_keys.insert(sk);
  }
  WriteBatch batch;
  for (const std::string& sk : sort_keys) {
    for (const std::string& pk : {long_pk, std::string("short")}) {
      Item item{{"pk", AttributeValue::String(pk)}, {"sk", AttributeValue::String(sk)}};
      ItemWrite w = PutWrite(table, item);
      if (pk == long_pk) stored.push_back(w.key);
      batch.writes.push_back(std::move(w));
    }
  }
  ASSERT_TRUE(db_->WriteSync(&batch).ok());
  std::sort(stored.begin(), stored.end());
  EXPECT_EQ(table->item_count(), 600);

  Result<ReadView> view = db_->Read();
  ASSERT_TRUE(view.ok());
  // Point reads of long keys.
  for (size_t i = 0; i < stored.size(); i += 7) {
    Result<std::optional<std::string_view>> got = view->Get(*table, stored[i]);
    ASSERT_TRUE(got.ok() && got->has_value()) << i;
  }
  const std::string prefix = table->codec().PartitionPrefix(AttributeValue::String(long_pk));
  const std::string end = PrefixSuccessor(prefix);
  // Full walks, forward and backward.
  std::vector<std::string> forward, backward;
  Result<PartitionCursor> c = view->OpenCursor(*table, 0);
  for (bool ok = c->SeekForward(prefix, true); ok && c->key() < end; ok = c->Next()) {
    forward.emplace_back(c->key());
  }
  ASSERT_TRUE(c->status().ok()) << c->status().message();
  EXPECT_EQ(forward, stored);
  Result<PartitionCursor> b = view->OpenCursor(*table, 0);
  for (bool ok = b->SeekBackward(end, false); ok && b->key() >= prefix; ok = b->Prev()) {
    backward.emplace_back(b->key());
  }
  std::reverse(backward.begin(), backward.end());
  EXPECT_EQ(backward, stored);
  // Seeks from every position, exclusive and inclusive.
  for (size_t i = 0; i < stored.size(); i += 13) {
    Result<PartitionCursor> s = view->OpenCursor(*table, 0);
    ASSERT_TRUE(s->SeekForward(stored[i], false) || i + 1 == stored.size());
    if (i + 1 < stored.size()) {
      EXPECT_EQ(s->key(), stored[i + 1]) << i;
    }
    ASSERT_TRUE(s->SeekForward(stored[i], true));
    EXPECT_EQ(s->key(), stored[i]);
    Result<PartitionCursor> r = view->OpenCursor(*table, 0);
    if (i > 0) {
      ASSERT_TRUE(r->SeekBackward(stored[i], false));
      EXPECT_EQ(r->key(), stored[i - 1]) << i;
    }
    ASSERT_TRUE(r->SeekBackward(stored[i], true));
    EXPECT_EQ(r->key(), stored[i]);
  }
}

}  // namespace
}  // namespace cirrus::db

namespace cirrus::db {
namespace {

// The map starts small and doubles as data arrives, while readers keep reading; past the
// largest size a write fails cleanly and the data written so far stays.
TEST_F(DatabaseTest, MapGrowsUnderConcurrentReadsUpToItsLimit) {
  Options options = db_.Defaults();
  options.initial_map_size = size_t{1} << 20;
  options.map_size = size_t{16} << 20;
  db_.Reopen(options);
  auto table = Create("grow");
  ASSERT_TRUE(Put(table, MakeItem("first", 0)).ok());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0};
  std::thread reader([&] {
    while (!stop) {
      std::optional<Item> item = Get(
          *table, {{"pk", AttributeValue::String("first")}, {"sk", AttributeValue::Number("0")}});
      ASSERT_TRUE(item.has_value());
      ++reads;
    }
  });
  const std::string payload(4000, 'x');
  int written = 0;
  Status s;
  for (; written < 10000; ++written) {
    WriteBatch batch;
    for (int k = 0; k < 10; ++k)
      batch.writes.push_back(PutWrite(table, MakeItem("p", written * 10 + k, payload)));
    if (!(s = db_->WriteSync(&batch)).ok()) break;
  }
  stop = true;
  reader.join();
  EXPECT_GT(written * 10 * 4000, 8 << 20);  // grew well past the first megabyte
  EXPECT_LT(written, 10000);                // and stopped at 16 MB
  EXPECT_NE(s.message().find("MDB_MAP_FULL"), std::string::npos) << s.message();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(table->item_count(), 1 + written * 10);
  db_.Reopen(options);  // reopens at the grown size
  EXPECT_EQ(db_->FindTable("grow")->item_count(), 1 + written * 10);
}

// A long snapshot (a backup being written) holds up map growth, but not the reads that
// come meanwhile: the writer steps aside for them, and grows the map once it ends.
TEST_F(DatabaseTest, LongSnapshotDelaysGrowthButNotOtherReads) {
  Options options = db_.Defaults();
  options.initial_map_size = size_t{1} << 20;
  options.map_size = size_t{64} << 20;
  db_.Reopen(options);
  auto table = Create("long");
  ASSERT_TRUE(Put(table, MakeItem("first", 0)).ok());
  std::optional<Result<ReadView>> held(db_->Read());  // the long snapshot
  ASSERT_TRUE(held->ok());
  std::atomic<bool> written{false};
  std::thread writer([&] {
    const std::string payload(4000, 'x');
    for (int i = 0; i < 100; ++i) {  // 4 MB: past the first megabyte
      WriteBatch batch;
      for (int k = 0; k < 10; ++k) batch.writes.push_back(PutWrite(table, MakeItem("p", i * 10 + k, payload)));
      ASSERT_TRUE(db_->WriteSync(&batch).ok());
    }
    written = true;
  });
  // Reads go on while the writer waits for the held snapshot.
  int reads = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(Get(*table, {{"pk", AttributeValue::String("first")}, {"sk", AttributeValue::Number("0")}}));
    ++reads;
  }
  EXPECT_GT(reads, 10);
  EXPECT_FALSE(written.load());  // still waiting to grow
  held.reset();
  writer.join();
  EXPECT_TRUE(written.load());
  EXPECT_EQ(table->item_count(), 1001);
}

TEST_F(DatabaseTest, SecondWriterOnTheSameDirectoryIsRefused) {
  Options options = db_.Defaults();
  Result<std::unique_ptr<Database>> second = Database::Open(options);
  EXPECT_EQ(second.status().kind(), ErrorKind::kResourceInUse);
  options.exclusive = false;  // a reader is let in
  EXPECT_TRUE(Database::Open(options).ok());
}

// Another process (cirrus import) writing the owner's data directory: run in a process of
// its own by the test below, which execs this binary with CIRRUS_FOREIGN_DIR set.
TEST(ForeignProcess, ChildWrites) {
  const char* dir = std::getenv("CIRRUS_FOREIGN_DIR");
  if (!dir) GTEST_SKIP() << "run by DatabaseTest.AnotherProcessesWritesReachTheOwner";
  Options options;
  options.path = dir;
  options.sync = false;
  options.exclusive = false;
  options.initial_map_size = size_t{4} << 20;
  options.map_size = size_t{1} << 30;
  Result<std::unique_ptr<Database>> db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status().message();
  TableDefinition def;
  def.name = "foreign";
  def.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kN);
  def.partition_count = 2;
  Result<std::shared_ptr<const Table>> foreign = (*db)->CreateTable(def);
  ASSERT_TRUE(foreign.ok()) << foreign.status().message();
  std::shared_ptr<const Table> shared = (*db)->FindTable("shared");
  ASSERT_NE(shared, nullptr);
  auto put = [](const std::shared_ptr<const Table>& table, Item item) {
    ItemWrite w;
    w.table = table;
    EXPECT_TRUE(table->codec().EncodeKeyOf(item, &w.key).ok());
    size_t size = ItemSize(item);
    w.mutation = Mutation::Put(std::move(item), size);
    return w;
  };
  // 20,000 items of 1 KB: more than the owner's 4 MB map, which must adopt the new size.
  for (int b = 0; b < 20; ++b) {
    WriteBatch batch;
    for (int i = 0; i < 1000; ++i) {
      batch.writes.push_back(
          put(*foreign, {{"pk", AttributeValue::String("f" + std::to_string(b))},
                         {"sk", AttributeValue::Number(std::to_string(i))},
                         {"data", AttributeValue::String(std::string(1000, 'x'))}}));
    }
    ASSERT_TRUE((*db)->WriteSync(&batch).ok());
  }
  WriteBatch batch;
  for (int i = 100; i < 200; ++i) {
    batch.writes.push_back(put(shared, {{"pk", AttributeValue::String("s")},
                                        {"sk", AttributeValue::Number(std::to_string(i))}}));
  }
  ASSERT_TRUE((*db)->WriteSync(&batch).ok());
}

TEST_F(DatabaseTest, AnotherProcessesWritesReachTheOwner) {
  Options options = db_.Defaults();
  options.initial_map_size = size_t{4} << 20;
  db_.Reopen(options);
  auto shared = Create("shared");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put(shared, Key("s", i)).ok());

  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("CIRRUS_FOREIGN_DIR", db_.dir().c_str(), 1);
    if (FILE* null = std::fopen("/dev/null", "w")) dup2(fileno(null), STDOUT_FILENO);
    execl("/proc/self/exe", "db_test", "--gtest_filter=ForeignProcess.ChildWrites", nullptr);
    _exit(127);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child failed: " << status;

  // A table the owner does not know is looked up again at once; its data lies past the
  // owner's map, which the owner grows to the other process's size.
  std::shared_ptr<const Table> foreign = db_->FindTable("foreign");
  ASSERT_NE(foreign, nullptr);
  // The idle writer may have reloaded while the child was writing; it looks again within
  // kPollInterval (250 ms).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((db_->FindTable("foreign")->item_count() != 20000 ||
          db_->FindTable("shared")->item_count() != 110) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  foreign = db_->FindTable("foreign");
  EXPECT_EQ(foreign->item_count(), 20000);
  EXPECT_EQ(db_->FindTable("shared")->item_count(), 110);
  std::optional<Item> item = Get(*foreign, Key("f19", 999));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->at("data").scalar().size(), 1000u);
  // Statistics written by both processes add up.
  ASSERT_TRUE(Put(shared, Key("s", 1000)).ok());
  EXPECT_EQ(db_->FindTable("shared")->item_count(), 111);
  Reopen();
  EXPECT_EQ(db_->FindTable("shared")->item_count(), 111);
  EXPECT_EQ(db_->FindTable("foreign")->item_count(), 20000);
}

}  // namespace
}  // namespace cirrus::db
