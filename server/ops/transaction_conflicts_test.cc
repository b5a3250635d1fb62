#include "server/ops/transaction_conflicts.h"

#include <gtest/gtest.h>

#include "db/testing/temp_database.h"

namespace cirrus::server {
namespace {

class TransactionConflictsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db::TableDefinition def;
    def.name = "T";
    def.key_schema = db::KeySchema::PartitionOnly("pk", db::ScalarType::kS);
    def.partition_count = 1;
    auto created = db_->CreateTable(def);
    ASSERT_TRUE(created.ok());
    table_ = *created;
  }
  db::WriteBatch Batch(std::vector<std::string> keys) {
    db::WriteBatch batch;
    for (std::string& key : keys) {
      db::ItemWrite w;
      w.table = table_;
      w.key = std::move(key);
      batch.writes.push_back(std::move(w));
    }
    return batch;
  }

  db::testing::TempDatabase db_;
  std::shared_ptr<const db::Table> table_;
};

TEST_F(TransactionConflictsTest, RefusesOnlyItemsATransactionHolds) {
  TransactionConflicts conflicts(1.0);
  EXPECT_TRUE(conflicts.Draw());
  db::WriteBatch first = Batch({"a", "b"}), second = Batch({"b"});
  EXPECT_FALSE(conflicts.Refuses(*table_, "a"));
  conflicts.Hold(first);
  conflicts.Hold(second);
  EXPECT_TRUE(conflicts.Refuses(*table_, "a"));
  EXPECT_TRUE(conflicts.Refuses(*table_, "b"));
  EXPECT_FALSE(conflicts.Refuses(*table_, "c"));
  conflicts.Release(first);
  EXPECT_FALSE(conflicts.Refuses(*table_, "a"));
  EXPECT_TRUE(conflicts.Refuses(*table_, "b"));  // the second still holds it
  conflicts.Release(second);
  EXPECT_FALSE(conflicts.Refuses(*table_, "b"));
}

TEST_F(TransactionConflictsTest, RateZeroNeverRefusesAndRateHalfSometimes) {
  TransactionConflicts off(0);
  db::WriteBatch batch = Batch({"a"});
  off.Hold(batch);
  EXPECT_FALSE(off.Refuses(*table_, "a"));
  EXPECT_FALSE(off.Draw());
  TransactionConflicts half(0.5);
  int drawn = 0;
  for (int i = 0; i < 10000; ++i) drawn += half.Draw();
  EXPECT_GT(drawn, 4000);
  EXPECT_LT(drawn, 6000);
}

}  // namespace
}  // namespace cirrus::server
