#include "db/backup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "db/item_codec.h"
#include "db/testing/temp_database.h"

namespace cirrus::db {
namespace {

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TableDefinition def;
    def.name = "Src";
    def.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kN);
    def.partition_count = 4;
    IndexDefinition gsi;
    gsi.name = "byColor";
    gsi.key_schema = KeySchema::PartitionOnly("color", ScalarType::kS);
    def.indexes.push_back(gsi);
    def.SyncAttributeDefinitions();
    auto created = db_->CreateTable(def);
    ASSERT_TRUE(created.ok()) << created.status().message();
    source_ = *created;
  }
  std::shared_ptr<const Table> MakeTarget(const TableDefinition& from) {
    TableDefinition def = from;
    def.name = "Dst";
    def.storage_id = 0;
    def.table_id = NewTableId();
    for (IndexDefinition& x : def.indexes) x.storage_id = 0;
    auto created = db_->CreateTable(def);
    EXPECT_TRUE(created.ok()) << created.status().message();
    return created.ok() ? *created : nullptr;
  }
  void Put(const std::shared_ptr<const Table>& table, Item item) {
    WriteBatch batch;
    ItemWrite w;
    w.table = table;
    ASSERT_TRUE(table->codec().EncodeKeyOf(item, &w.key).ok());
    size_t size = ItemSize(item);
    w.mutation = Mutation::Put(std::move(item), size);
    batch.writes.push_back(std::move(w));
    ASSERT_TRUE(db_->WriteSync(&batch).ok());
  }
  static Item Row(int i) {
    return {{"pk", AttributeValue::String("p" + std::to_string(i % 7))},
            {"sk", AttributeValue::Number(std::to_string(i))},
            {"color", AttributeValue::String(i % 2 ? "red" : "blue")},
            {"blob", AttributeValue::Binary(std::string(static_cast<size_t>(i % 50), '\0'))}};
  }
  std::string path() const { return db_.dir() + "/b.cbk"; }

  testing::TempDatabase db_;
  std::shared_ptr<const Table> source_;
};

TEST_F(BackupTest, RestoresTheSnapshotNotLaterWrites) {
  for (int i = 0; i < 3000; ++i) Put(source_, Row(i));
  Result<ReadView> view = db_->Read();
  ASSERT_TRUE(view.ok());
  Put(source_, Row(5000));  // after the snapshot: not in the backup
  Result<BackupStats> written = WriteBackupFile(*view, *source_, source_->definition(), path());
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->items, 3000u);

  BackupStats stats;
  Result<TableDefinition> definition = VerifyBackupFile(path(), &stats);
  ASSERT_TRUE(definition.ok()) << definition.status().message();
  EXPECT_EQ(definition->name, "Src");
  EXPECT_EQ(definition->indexes.size(), 1u);
  EXPECT_EQ(stats.items, 3000u);
  EXPECT_EQ(stats.item_bytes, written->item_bytes);
  EXPECT_EQ(stats.file_bytes, written->file_bytes);

  std::shared_ptr<const Table> target = MakeTarget(*definition);
  ASSERT_TRUE(target);
  ASSERT_TRUE(RestoreBackupFile(*db_, path(), target, 128).ok());
  target = db_->FindTable("Dst");
  EXPECT_EQ(target->item_count(), 3000);
  EXPECT_EQ(target->size_bytes(), source_->size_bytes() - static_cast<int64_t>(ItemSize(Row(5000))));
  EXPECT_EQ(target->FindIndex("byColor")->item_count(), 3000);  // the index is filled too

  Result<ReadView> after = db_->Read();
  for (int i : {0, 1, 2999}) {
    std::string key;
    ASSERT_TRUE(target->StoredKeyOf(Row(i), &key).ok());
    auto got = after->Get(*target, key);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ(*DecodeItem(**got), Row(i));
  }
  std::string key;
  ASSERT_TRUE(target->StoredKeyOf(Row(5000), &key).ok());
  EXPECT_FALSE(after->Get(*target, key)->has_value());
}

TEST_F(BackupTest, DamagedOrTruncatedFilesAreRefused) {
  for (int i = 0; i < 100; ++i) Put(source_, Row(i));
  {
    Result<ReadView> view = db_->Read();
    ASSERT_TRUE(WriteBackupFile(*view, *source_, source_->definition(), path()).ok());
  }
  std::string bytes;
  {
    std::ifstream in(path(), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& b) {
    std::ofstream out(path(), std::ios::binary | std::ios::trunc);
    out << b;
  };
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x01;
  write(flipped);
  EXPECT_EQ(VerifyBackupFile(path()).status().kind(), ErrorKind::kInternal);
  write(bytes.substr(0, bytes.size() - 3));
  EXPECT_EQ(VerifyBackupFile(path()).status().kind(), ErrorKind::kInternal);
  write(bytes + "x");
  EXPECT_EQ(VerifyBackupFile(path()).status().kind(), ErrorKind::kInternal);
  write(bytes);
  EXPECT_TRUE(VerifyBackupFile(path()).ok());
  EXPECT_FALSE(VerifyBackupFile(db_.dir() + "/missing.cbk").ok());
}

TEST_F(BackupTest, CancelledBackupLeavesNoFile) {
  for (int i = 0; i < 2100; ++i) Put(source_, Row(i));
  std::atomic<bool> cancel{true};
  Result<ReadView> view = db_->Read();
  EXPECT_FALSE(WriteBackupFile(*view, *source_, source_->definition(), path(), &cancel).ok());
  EXPECT_FALSE(std::filesystem::exists(path()));
  EXPECT_FALSE(std::filesystem::exists(path() + ".tmp"));
}

}  // namespace
}  // namespace cirrus::db
