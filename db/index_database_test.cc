// Secondary indexes through Database: maintenance in the write transaction, backfill,
// deletion, item collections, and a randomized model test against a full scan.
#include <unistd.h>

#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <thread>

#include "db/database.h"
#include "db/item_codec.h"
#include "db/testing/temp_database.h"

namespace cirrus::db {
namespace {

class IndexDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(int64_t collection_limit = int64_t{10} << 30) {
    Options options = db_.Defaults();
    options.item_collection_limit = collection_limit;
    options.backfill_chunk = 97;  // many chunks, interleaved with writes
    db_.Reopen(options);
  }

  static IndexDefinition Gsi(std::string name, std::string pk, std::optional<std::string> sk,
                             ProjectionType projection = ProjectionType::kAll) {
    IndexDefinition x;
    x.name = std::move(name);
    x.kind = IndexKind::kGlobal;
    x.key_schema.partition_keys = {{std::move(pk), ScalarType::kS}};
    if (sk) x.key_schema.sort_keys = {KeyAttribute{*sk, ScalarType::kN}};
    x.projection = projection;
    x.partition_count = 4;
    return x;
  }

  std::shared_ptr<const Table> CreateTable(std::vector<IndexDefinition> indexes) {
    TableDefinition def;
    def.name = "T";
    def.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kN);
    def.partition_count = 4;
    def.indexes = std::move(indexes);
    return *db_->CreateTable(def);
  }

  Status Put(Item item) {
    auto table = db_->FindTable("T");
    WriteBatch batch;
    ItemWrite w;
    w.table = table;
    CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKeyOf(item, &w.key));
    size_t size = ItemSize(item);
    w.mutation = Mutation::Put(std::move(item), size);
    batch.writes.push_back(std::move(w));
    return db_->WriteSync(&batch);
  }

  Status Delete(const Item& key) {
    auto table = db_->FindTable("T");
    WriteBatch batch;
    ItemWrite w;
    w.table = table;
    CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKey(key, &w.key));
    w.mutation = Mutation::Delete();
    batch.writes.push_back(std::move(w));
    return db_->WriteSync(&batch);
  }

  // Every entry of a key space: stored key -> item.
  std::map<std::string, Item> Dump(const KeySpace& space) {
    std::map<std::string, Item> out;
    Result<ReadView> view = db_->Read();
    for (uint32_t p = 0; p < space.partition_count(); ++p) {
      Result<PartitionCursor> c = view->OpenCursor(space, p);
      for (bool ok = c->SeekForward("", true); ok; ok = c->Next()) {
        out.emplace(std::string(c->key()), *DecodeItem(c->value()));
      }
    }
    return out;
  }

  // What an index should hold, computed from a full table scan.
  std::map<std::string, Item> Expected(const Table& table, const Index& index) {
    std::map<std::string, Item> out;
    for (const auto& [table_key, item] : Dump(table)) {
      if (!index.Validate(item).ok()) continue;
      if (std::optional<std::string> key = index.EntryKey(item, table_key)) {
        out.emplace(*key, index.Project(item));
      }
    }
    return out;
  }

  void ExpectIndexesMatchTable() {
    auto table = db_->FindTable("T");
    for (const auto& index : table->indexes()) {
      std::map<std::string, Item> expected = Expected(*table, *index);
      EXPECT_EQ(Dump(*index), expected) << index->name();
      int64_t size = 0;
      for (const auto& [k, item] : expected) size += static_cast<int64_t>(ItemSize(item));
      EXPECT_EQ(index->item_count(), static_cast<int64_t>(expected.size())) << index->name();
      EXPECT_EQ(index->size_bytes(), size) << index->name();
    }
  }

  static Item MakeItem(int pk, int sk, std::optional<std::string> status, std::optional<int> at) {
    Item item{{"pk", AttributeValue::String("p" + std::to_string(pk))},
              {"sk", AttributeValue::Number(std::to_string(sk))},
              {"payload", AttributeValue::String(std::string(static_cast<size_t>(sk % 7), 'x'))}};
    if (status) item["status"] = AttributeValue::String(*status);
    if (at) item["at"] = AttributeValue::Number(std::to_string(*at));
    return item;
  }

  static std::optional<std::string> statuses(int i) {
    if (i % 4 == 0) return std::nullopt;
    return std::string(1, static_cast<char>('a' + i % 3));
  }

  testing::TempDatabase db_;
};

TEST_F(IndexDatabaseTest, WritesMaintainIndexesSparselyAndMoveChangedKeys) {
  CreateTable({Gsi("byStatus", "status", "at"),
               Gsi("keys", "status", std::nullopt, ProjectionType::kKeysOnly)});
  ASSERT_TRUE(Put(MakeItem(1, 1, "open", 5)).ok());
  ASSERT_TRUE(Put(MakeItem(1, 2, "open", 5)).ok());        // equal index keys coexist
  ASSERT_TRUE(Put(MakeItem(2, 1, std::nullopt, 5)).ok());  // sparse: not indexed
  ExpectIndexesMatchTable();
  auto table = db_->FindTable("T");
  EXPECT_EQ(table->FindIndex("byStatus")->item_count(), 2);
  ASSERT_TRUE(Put(MakeItem(1, 1, "closed", 6)).ok());      // the entry moves
  ASSERT_TRUE(Put(MakeItem(1, 2, std::nullopt, 6)).ok());  // leaves the index
  ExpectIndexesMatchTable();
  EXPECT_EQ(table->FindIndex("byStatus")->item_count(), 1);
  ASSERT_TRUE(
      Delete({{"pk", AttributeValue::String("p1")}, {"sk", AttributeValue::Number("1")}}).ok());
  ExpectIndexesMatchTable();
  EXPECT_EQ(table->FindIndex("byStatus")->item_count(), 0);
}

TEST_F(IndexDatabaseTest, WrongTypedIndexKeyIsRejectedAndWritesNothing) {
  CreateTable({Gsi("byStatus", "status", "at")});
  Item bad = MakeItem(1, 1, "open", 5);
  bad["status"] = AttributeValue::Number("3");
  Status s = Put(bad);
  EXPECT_EQ(s.kind(), ErrorKind::kValidation);
  EXPECT_EQ(db_->FindTable("T")->item_count(), 0);
}

// A long random sequence of puts and deletes; then every index equals the one computed from
// a full scan, and survives a restart.
TEST_F(IndexDatabaseTest, RandomizedModel) {
  IndexDefinition lsi;
  lsi.name = "local";
  lsi.kind = IndexKind::kLocal;
  lsi.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "at", ScalarType::kN);
  lsi.projection = ProjectionType::kInclude;
  lsi.non_key_attributes = {"payload"};
  lsi.partition_count = 4;
  CreateTable({Gsi("byStatus", "status", "at"),
               Gsi("byStatusOnly", "status", std::nullopt, ProjectionType::kKeysOnly), lsi});
  std::mt19937 rng(2024);
  const char* statuses[] = {"a", "b", "c"};
  for (int i = 0; i < 3000; ++i) {
    int pk = static_cast<int>(rng() % 20), sk = static_cast<int>(rng() % 10);
    if (rng() % 4 == 0) {
      ASSERT_TRUE(Delete({{"pk", AttributeValue::String("p" + std::to_string(pk))},
                          {"sk", AttributeValue::Number(std::to_string(sk))}})
                      .ok());
      continue;
    }
    std::optional<std::string> status;
    if (rng() % 5) status = statuses[rng() % 3];
    std::optional<int> at;
    if (rng() % 5) at = static_cast<int>(rng() % 4);
    ASSERT_TRUE(Put(MakeItem(pk, sk, status, at)).ok());
  }
  ExpectIndexesMatchTable();
  Reopen();
  ExpectIndexesMatchTable();
}

TEST_F(IndexDatabaseTest, CreateIndexBackfillsWhileWritesGoOn) {
  CreateTable({});
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(Put(MakeItem(i % 50, i, statuses(i), i % 9)).ok());
  auto created = db_->CreateIndex("T", Gsi("byStatus", "status", "at"));
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ((*created)->FindIndex("byStatus")->definition().status, IndexStatus::kCreating);
  // Writes interleave with the backfill chunks (97 items each).
  for (int i = 0; i < 500; ++i) {
    if (i % 3 == 0) {
      ASSERT_TRUE(Delete({{"pk", AttributeValue::String("p" + std::to_string(i % 50))},
                          {"sk", AttributeValue::Number(std::to_string(i))}})
                      .ok());
    } else {
      Status put = Put(MakeItem(i % 50, i, statuses(i + 1), i % 5));
      ASSERT_TRUE(put.ok()) << static_cast<int>(put.kind()) << " " << put.message() << " i=" << i;
    }
  }
  // The backfill finishes on the writer thread; wait for the index to be active.
  for (int i = 0; i < 2000 && db_->FindTable("T")->FindIndex("byStatus")->definition().status !=
                                  IndexStatus::kActive;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(db_->FindTable("T")->FindIndex("byStatus")->definition().status, IndexStatus::kActive);
  ExpectIndexesMatchTable();
  // Deleting: kDeleting, then gone, entries dropped.
  auto deleting = db_->DeleteIndex("T", "byStatus");
  ASSERT_TRUE(deleting.ok());
  for (int i = 0; i < 2000 && db_->FindTable("T")->FindIndex("byStatus"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(db_->FindTable("T")->FindIndex("byStatus"), nullptr);
  EXPECT_EQ(db_->DeleteIndex("T", "byStatus").status().kind(), ErrorKind::kResourceNotFound);
}

TEST_F(IndexDatabaseTest, LocalIndexTablesBoundTheirItemCollections) {
  Reopen(/*collection_limit=*/200);
  IndexDefinition lsi;
  lsi.name = "local";
  lsi.kind = IndexKind::kLocal;
  lsi.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "at", ScalarType::kN);
  lsi.projection = ProjectionType::kKeysOnly;
  lsi.partition_count = 4;
  CreateTable({lsi});
  Status s;
  int written = 0;
  for (; written < 50 && (s = Put(MakeItem(1, written, "open", written))).ok(); ++written) {
  }
  EXPECT_EQ(s.kind(), ErrorKind::kItemCollectionSizeLimitExceeded);
  EXPECT_GT(written, 2);
  EXPECT_TRUE(Put(MakeItem(2, 0, "open", 0)).ok());  // another partition key has room
  // Deleting frees room.
  ASSERT_TRUE(
      Delete({{"pk", AttributeValue::String("p1")}, {"sk", AttributeValue::Number("0")}}).ok());
  EXPECT_TRUE(Put(MakeItem(1, 0, "open", 0)).ok());
}

TEST_F(IndexDatabaseTest, LocalIndexEntriesCountAgainstTheItemSizeLimit) {
  IndexDefinition lsi;
  lsi.name = "local";
  lsi.kind = IndexKind::kLocal;
  lsi.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "at", ScalarType::kN);
  lsi.projection = ProjectionType::kAll;
  lsi.partition_count = 4;
  CreateTable({lsi});
  Item big = MakeItem(1, 1, "open", 1);
  big["payload"] = AttributeValue::String(std::string(250 * 1024, 'x'));
  EXPECT_EQ(Put(big).kind(), ErrorKind::kValidation);  // 250 KB twice
  big.erase("at");                                     // sparse: no entry, fits
  EXPECT_TRUE(Put(big).ok());
  EXPECT_EQ(db_->FindTable("T")->FindIndex("local")->item_count(), 0);
}

}  // namespace
}  // namespace cirrus::db
