#include "db/usage.h"

#include <gtest/gtest.h>

#include "db/item_codec.h"
#include "db/testing/temp_database.h"

namespace cirrus::db {
namespace {

constexpr int64_t kHourStart = 1'800'000'000 / 3600 * 3600;

TEST(UsageRecordTest, RoundTripsAndRefusesGarbage) {
  UsageCounters c;
  c.read_units = 12.5;
  c.write_units = 3;
  c.stream_read_units = 7;
  c.storage_bytes = 123456789012;
  c.indexes["by-email"] = {0.5, 2};
  c.indexes["gsi.2"] = {0, 1};
  Result<UsageCounters> back = DecodeUsage(EncodeUsage(c));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, c);
  EXPECT_FALSE(DecodeUsage("").ok());
  EXPECT_FALSE(DecodeUsage("u 1 2 x 4\n").ok());
  EXPECT_FALSE(DecodeUsage("u 1 2 3 4\nz\n").ok());
  EXPECT_EQ(UsageKey(kHourStart, "T"), "usage/00" + std::to_string(kHourStart) + "/T");
}

TEST(UsageRecordTest, AddsUnitsAndKeepsTheLaterStorageSample) {
  UsageCounters a, b;
  a.read_units = 1;
  a.storage_bytes = 10;
  a.indexes["i"] = {1, 0};
  b.read_units = 2.5;
  b.write_units = 4;
  b.indexes["i"] = {0.5, 3};
  a.Add(b);
  EXPECT_EQ(a.read_units, 3.5);
  EXPECT_EQ(a.write_units, 4);
  EXPECT_EQ(a.storage_bytes, 10);  // b had no sample
  EXPECT_EQ(a.indexes["i"], std::make_pair(1.5, 3.0));
  b.storage_bytes = 20;
  a.Add(b);
  EXPECT_EQ(a.storage_bytes, 20);
}

class UsageMeterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TableDefinition def;
    def.name = "T";
    def.key_schema = KeySchema::PartitionOnly("pk", ScalarType::kS);
    ASSERT_TRUE(db_->CreateTable(def).ok());
  }
  std::vector<UsageRecord> Stored() {
    Result<ReadView> view = db_->Read();
    EXPECT_TRUE(view.ok());
    Result<std::vector<UsageRecord>> records = ReadUsage(*view);
    EXPECT_TRUE(records.ok()) << records.status().message();
    return records.ok() ? *records : std::vector<UsageRecord>();
  }

  testing::TempDatabase db_;
  int64_t now_ = kHourStart + 10;
};

TEST_F(UsageMeterTest, FlushAddsToTheHoursRecordsDurably) {
  UsageMeter meter(db_.get(), [this] { return now_; });
  meter.AddRead("T", "", 0.5);
  meter.AddRead("T", "by-x", 1);
  meter.AddWrite("T", "", 2);
  meter.AddStreamRead("T");
  ASSERT_TRUE(meter.Flush().ok());
  meter.AddWrite("T", "", 1);  // same hour: added to the stored record
  ASSERT_TRUE(meter.Flush().ok());
  now_ += 3600;  // the next hour: a record of its own
  meter.AddRead("T", "", 4);
  ASSERT_TRUE(meter.Flush().ok());

  db_.Reopen();
  std::vector<UsageRecord> records = Stored();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].hour, kHourStart);
  EXPECT_EQ(records[0].table, "T");
  EXPECT_EQ(records[0].counters.read_units, 1.5);
  EXPECT_EQ(records[0].counters.write_units, 3);
  EXPECT_EQ(records[0].counters.stream_read_units, 1);
  EXPECT_EQ(records[0].counters.indexes.at("by-x"), std::make_pair(1.0, 0.0));
  EXPECT_EQ(records[0].counters.storage_bytes, 0);  // an empty table
  EXPECT_EQ(records[1].hour, kHourStart + 3600);
  EXPECT_EQ(records[1].counters.read_units, 4);
}

TEST_F(UsageMeterTest, StorageCountsItemsAndTheirOverhead) {
  std::shared_ptr<const Table> table = db_->FindTable("T");
  WriteBatch batch;
  ItemWrite w;
  w.table = table;
  Item item{{"pk", AttributeValue::String("a")}, {"v", AttributeValue::String(std::string(500, 'x'))}};
  ASSERT_TRUE(table->codec().EncodeKeyOf(item, &w.key).ok());
  w.mutation = Mutation::Put(item, ItemSize(item));
  batch.writes.push_back(std::move(w));
  ASSERT_TRUE(db_->WriteSync(&batch).ok());
  UsageMeter meter(db_.get(), [this] { return now_; });
  ASSERT_TRUE(meter.Flush().ok());
  std::vector<UsageRecord> records = Stored();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].counters.storage_bytes, static_cast<int64_t>(ItemSize(item)) + 100);
}

}  // namespace
}  // namespace cirrus::db
