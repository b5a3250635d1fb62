#include "db/ttl.h"

#include <gtest/gtest.h>

#include "db/item_codec.h"
#include "db/testing/temp_database.h"

namespace cirrus::db {
namespace {

constexpr int64_t kNow = 1'800'000'000;  // epoch seconds

Item MakeItem(const std::string& pk, std::optional<AttributeValue> ttl) {
  Item item{{"pk", AttributeValue::String(pk)}};
  if (ttl) item.emplace("ttl", *ttl);
  return item;
}

class TtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TableDefinition def;
    def.name = "T";
    def.key_schema = KeySchema::PartitionOnly("pk", ScalarType::kS);
    def.partition_count = 4;
    def.stream = {0, true, StreamViewType::kOldImage, ""};
    ASSERT_TRUE(db_->CreateTable(def).ok());
    auto updated = db_->UpdateTable("T", [](TableDefinition& d) {
      d.ttl = {"ttl", true, 1};
      return Status();
    });
    ASSERT_TRUE(updated.ok());
    table_ = *updated;
  }
  void Put(Item item) {
    WriteBatch batch;
    ItemWrite w;
    w.table = table_;
    ASSERT_TRUE(table_->codec().EncodeKeyOf(item, &w.key).ok());
    size_t size = ItemSize(item);
    w.mutation = Mutation::Put(std::move(item), size);
    batch.writes.push_back(std::move(w));
    ASSERT_TRUE(db_->WriteSync(&batch).ok());
  }
  bool Present(const std::string& pk) {
    std::string key;
    EXPECT_TRUE(table_->codec().EncodeKey({{"pk", AttributeValue::String(pk)}}, &key).ok());
    Result<ReadView> view = db_->Read();
    return view->Get(*table_, key)->has_value();
  }

  testing::TempDatabase db_;
  std::shared_ptr<const Table> table_;
};

TEST(HasExpiredTest, OnlyPastNumbersWithinFiveYears) {
  auto n = [](const char* v) { return AttributeValue::Number(v); };
  EXPECT_TRUE(HasExpired(MakeItem("a", n("1799999999")), "ttl", kNow));
  EXPECT_TRUE(HasExpired(MakeItem("a", n("1799999999.5")), "ttl", kNow));
  EXPECT_FALSE(HasExpired(MakeItem("a", n("1800000000")), "ttl", kNow));  // not before now
  EXPECT_FALSE(HasExpired(MakeItem("a", n("1900000000")), "ttl", kNow));
  EXPECT_FALSE(HasExpired(MakeItem("a", n("1600000000")), "ttl", kNow));  // over 5 years past
  EXPECT_FALSE(HasExpired(MakeItem("a", AttributeValue::String("1")), "ttl", kNow));
  EXPECT_FALSE(HasExpired(MakeItem("a", std::nullopt), "ttl", kNow));
  EXPECT_FALSE(HasExpired(MakeItem("a", n("1")), "other", kNow));
}

TEST_F(TtlTest, DeletesExpiredItemsWithServiceRecordsAndExactCounts) {
  for (int i = 0; i < 250; ++i) {
    Put(MakeItem("old" + std::to_string(i), AttributeValue::Number(std::to_string(kNow - 10))));
  }
  Put(MakeItem("future", AttributeValue::Number(std::to_string(kNow + 10))));
  Put(MakeItem("none", std::nullopt));
  Put(MakeItem("text", AttributeValue::String("100")));
  Result<ExpiryPass> pass = ExpireItems(*db_, kNow, ExpiryOptions{.table = {}, .chunk = 64, .batch = 10});
  ASSERT_TRUE(pass.ok()) << pass.status().message();
  EXPECT_EQ(pass->scanned, 253u);
  EXPECT_EQ(pass->deleted, 250u);
  EXPECT_FALSE(Present("old7"));
  EXPECT_TRUE(Present("future"));
  EXPECT_TRUE(Present("none"));
  EXPECT_TRUE(Present("text"));
  EXPECT_EQ(db_->FindTable("T")->item_count(), 3);

  Result<ReadView> view = db_->Read();
  size_t removals = 0;
  for (uint32_t shard = 0; shard < 4; ++shard) {
    std::vector<StreamRecord> records;
    ASSERT_TRUE(view->ReadStream(table_->definition().stream.stream_id, shard, 0, 1000, 1 << 30,
                                 &records).ok());
    for (const StreamRecord& r : records) {
      if (r.kind != ChangeKind::kRemove) {
        EXPECT_FALSE(r.expired);
        continue;
      }
      ++removals;
      EXPECT_TRUE(r.expired);
      ASSERT_TRUE(r.old_image.has_value());
    }
  }
  EXPECT_EQ(removals, 250u);
  // Nothing left to expire.
  EXPECT_EQ(ExpireItems(*db_, kNow)->deleted, 0u);
}

TEST_F(TtlTest, AnItemRenewedBeforeItsDeletionStaysAndDisabledTablesAreLeftAlone) {
  Put(MakeItem("a", AttributeValue::Number(std::to_string(kNow - 10))));
  // The renewal commits first; the pass (at a "now" past the old value only) keeps it.
  Put(MakeItem("a", AttributeValue::Number(std::to_string(kNow + 100))));
  EXPECT_EQ(ExpireItems(*db_, kNow)->deleted, 0u);
  ASSERT_TRUE(db_->UpdateTable("T", [](TableDefinition& d) {
    d.ttl.enabled = false;
    return Status();
  }).ok());
  EXPECT_EQ(ExpireItems(*db_, kNow + 1000)->deleted, 0u);
  EXPECT_TRUE(Present("a"));
}

}  // namespace
}  // namespace cirrus::db
