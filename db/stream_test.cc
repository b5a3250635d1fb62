#include "db/stream.h"

#include <unistd.h>

#include <filesystem>
#include <future>
#include <gtest/gtest.h>
#include <map>
#include <thread>

#include "db/database.h"
#include "db/testing/temp_database.h"

namespace cirrus::db {
namespace {

Item Doc(const std::string& pk, const std::string& data) {
  return {{"pk", AttributeValue::String(pk)}, {"data", AttributeValue::String(data)}};
}

TEST(ClassifyChange, DecidesFromTheRealImages) {
  Item a = Doc("a", "1"), b = Doc("a", "2");
  EXPECT_EQ(ClassifyChange(nullptr, nullptr), std::nullopt);
  EXPECT_EQ(ClassifyChange(nullptr, &a), ChangeKind::kInsert);
  EXPECT_EQ(ClassifyChange(&a, nullptr), ChangeKind::kRemove);
  EXPECT_EQ(ClassifyChange(&a, &b), ChangeKind::kModify);
  EXPECT_EQ(ClassifyChange(&a, &a), std::nullopt);
}

TEST(ClassifyChange, ComparesValuesNotBytes) {
  // Set order, number spelling and map key order do not make a change.
  Item a = {{"pk", AttributeValue::String("a")},
            {"ss", AttributeValue::StringSet({"x", "y", "z"})},
            {"ns", AttributeValue::NumberSet({"1", "2.5"})},
            {"n", AttributeValue::Number("1.50")},
            {"m", AttributeValue::Map(
                      {{"p", AttributeValue::Number("1")}, {"q", AttributeValue::Bool(true)}})}};
  Item b = {{"m", AttributeValue::Map(
                      {{"q", AttributeValue::Bool(true)}, {"p", AttributeValue::Number("1.0")}})},
            {"n", AttributeValue::Number("1.5")},
            {"ns", AttributeValue::NumberSet({"2.5", "1"})},
            {"ss", AttributeValue::StringSet({"z", "x", "y"})},
            {"pk", AttributeValue::String("a")}};
  EXPECT_EQ(ClassifyChange(&a, &b), std::nullopt);
  b["n"] = AttributeValue::Number("1.51");
  EXPECT_EQ(ClassifyChange(&a, &b), ChangeKind::kModify);
  // A list's order does count.
  Item l1 = {
      {"l", AttributeValue::List({AttributeValue::Number("1"), AttributeValue::Number("2")})}};
  Item l2 = {
      {"l", AttributeValue::List({AttributeValue::Number("2"), AttributeValue::Number("1")})}};
  EXPECT_EQ(ClassifyChange(&l1, &l2), ChangeKind::kModify);
}

TEST(HasSets, FindsSetsAtAnyDepth) {
  EXPECT_FALSE(HasSets(Doc("a", "1")));
  EXPECT_TRUE(HasSets({{"s", AttributeValue::NumberSet({"1"})}}));
  EXPECT_TRUE(HasSets(
      {{"m",
        AttributeValue::Map({{"l", AttributeValue::List({AttributeValue::BinarySet({"x"})})}})}}));
  EXPECT_FALSE(HasSets(
      {{"m", AttributeValue::Map({{"l", AttributeValue::List({AttributeValue::Null()})}})}}));
}

TEST(StreamRecordCodec, KeepsWhatTheViewTypeAsksFor) {
  Item old_item = Doc("a", "1"), new_item = Doc("a", "2");
  Item keys = {{"pk", AttributeValue::String("a")}};
  struct Case {
    StreamViewType view;
    bool old_kept, new_kept;
  } cases[] = {{StreamViewType::kKeysOnly, false, false},
               {StreamViewType::kNewImage, false, true},
               {StreamViewType::kOldImage, true, false},
               {StreamViewType::kNewAndOldImages, true, true}};
  for (const Case& c : cases) {
    std::string stored =
        EncodeStreamRecord(c.view, ChangeKind::kModify, 1234567, keys, &old_item, &new_item);
    Result<StreamRecord> r = DecodeStreamRecord(stored);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->kind, ChangeKind::kModify);
    EXPECT_EQ(r->time_us, 1234567);
    EXPECT_EQ(StreamRecordTime(stored), 1234567);
    EXPECT_EQ(r->keys, keys);
    EXPECT_EQ(r->old_image.has_value(), c.old_kept);
    EXPECT_EQ(r->new_image.has_value(), c.new_kept);
    if (c.old_kept) {
      EXPECT_EQ(*r->old_image, old_item);
    }
    if (c.new_kept) {
      EXPECT_EQ(*r->new_image, new_item);
    }
    size_t expected = ItemSize(keys) + (c.old_kept ? ItemSize(old_item) : 0) +
                      (c.new_kept ? ItemSize(new_item) : 0);
    EXPECT_EQ(r->size_bytes, expected);
  }
  EXPECT_FALSE(DecodeStreamRecord("\x01\x09").ok());
}

TEST(StreamDefinitionCodec, RoundTrips) {
  StreamDefinition d;
  d.stream_id = 7;
  d.table_name = "T";
  d.table_id = "id";
  d.label = "2026-12-01T00:00:00.000";
  d.view_type = StreamViewType::kOldImage;
  d.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kN);
  d.shard_count = 4;
  d.start_sequence = 99;
  d.created_us = 5;
  d.closed_us = 6;
  d.trimmed = {0, 42, 0, 7};
  Result<StreamDefinition> r = DecodeStreamDefinition(EncodeStreamDefinition(d));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, d);
}

class StreamDatabaseTest : public ::testing::Test {
 protected:
  void Reopen(std::chrono::microseconds retention = std::chrono::hours(24)) {
    Options options = db_.Defaults();
    options.stream_retention = retention;
    db_.Reopen(options);
  }
  std::shared_ptr<const Table> Create(StreamViewType view, bool enabled = true) {
    TableDefinition def;
    def.name = "T";
    def.table_id = NewTableId();
    def.key_schema = KeySchema::PartitionOnly("pk", ScalarType::kS);
    def.partition_count = 4;
    def.stream.enabled = enabled;
    def.stream.view_type = view;
    Result<std::shared_ptr<const Table>> t = db_->CreateTable(def);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return *t;
  }
  Status Write(const std::string& pk, std::optional<Item> item) {
    std::shared_ptr<const Table> table = db_->FindTable("T");
    WriteBatch batch;
    ItemWrite w;
    w.table = table;
    Item key = {{"pk", AttributeValue::String(pk)}};
    EXPECT_TRUE(table->codec().EncodeKey(key, &w.key).ok());
    if (item) {
      size_t size = ItemSize(*item);
      w.mutation = Mutation::Put(std::move(*item), size);
    } else {
      w.mutation = Mutation::Delete();
    }
    batch.writes.push_back(std::move(w));
    return db_->WriteSync(&batch);
  }
  // Every record of the table's current stream, by shard, in shard order.
  std::vector<StreamRecord> All(uint32_t stream_id) {
    std::vector<StreamRecord> out;
    Result<ReadView> view = db_->Read();
    EXPECT_TRUE(view.ok());
    for (uint32_t shard = 0; shard < 4; ++shard) {
      EXPECT_TRUE(view->ReadStream(stream_id, shard, 0, 1000, 1 << 20, &out).ok());
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
    return out;
  }

  testing::TempDatabase db_;
};

TEST_F(StreamDatabaseTest, RecordsEveryChangeInCommitOrder) {
  auto table = Create(StreamViewType::kNewAndOldImages);
  uint32_t id = table->definition().stream.stream_id;
  ASSERT_NE(id, 0u);
  EXPECT_FALSE(table->definition().stream.label.empty());
  ASSERT_TRUE(Write("a", Doc("a", "1")).ok());
  ASSERT_TRUE(Write("a", Doc("a", "1")).ok());  // unchanged: no record
  ASSERT_TRUE(Write("a", Doc("a", "2")).ok());
  ASSERT_TRUE(Write("b", Doc("b", "1")).ok());
  ASSERT_TRUE(Write("a", std::nullopt).ok());
  ASSERT_TRUE(Write("zz", std::nullopt).ok());  // absent: no record
  std::vector<StreamRecord> records = All(id);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].kind, ChangeKind::kInsert);
  EXPECT_FALSE(records[0].old_image);
  EXPECT_EQ(*records[0].new_image, Doc("a", "1"));
  EXPECT_EQ(records[1].kind, ChangeKind::kModify);
  EXPECT_EQ(*records[1].old_image, Doc("a", "1"));
  EXPECT_EQ(*records[1].new_image, Doc("a", "2"));
  EXPECT_EQ(records[2].kind, ChangeKind::kInsert);
  EXPECT_EQ(records[3].kind, ChangeKind::kRemove);
  EXPECT_EQ(*records[3].old_image, Doc("a", "2"));
  EXPECT_FALSE(records[3].new_image);
  EXPECT_EQ(records[3].keys, (Item{{"pk", AttributeValue::String("a")}}));
  for (size_t i = 1; i < records.size(); ++i)
    EXPECT_LT(records[i - 1].sequence, records[i].sequence);
  // The shard is the item's partition.
  EXPECT_EQ(records[0].shard, records[3].shard);

  Result<ReadView> view = db_->Read();
  Result<std::optional<StreamDefinition>> def = view->FindStream(id);
  ASSERT_TRUE(def.ok() && *def);
  EXPECT_EQ((*def)->shard_count, 4u);
  EXPECT_EQ((*def)->table_name, "T");
  EXPECT_LE((*def)->start_sequence, records[0].sequence);
  auto bounds = view->ShardBounds(id, records[0].shard);
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(bounds->first, records[0].sequence);
  EXPECT_EQ(bounds->second, records[3].sequence);
}

TEST_F(StreamDatabaseTest, ASetInAnotherOrderIsNoChange) {
  auto table = Create(StreamViewType::kNewAndOldImages);
  uint32_t id = table->definition().stream.stream_id;
  Item a = {{"pk", AttributeValue::String("a")},
            {"tags", AttributeValue::StringSet({"x", "y", "z"})}};
  Item b = {{"pk", AttributeValue::String("a")},
            {"tags", AttributeValue::StringSet({"z", "y", "x"})}};
  Item c = {{"pk", AttributeValue::String("a")}, {"tags", AttributeValue::StringSet({"z", "y"})}};
  ASSERT_TRUE(Write("a", a).ok());
  ASSERT_TRUE(Write("a", b).ok());
  ASSERT_TRUE(Write("a", c).ok());
  std::vector<StreamRecord> records = All(id);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].kind, ChangeKind::kModify);
  EXPECT_EQ(*records[1].old_image, a);
  EXPECT_EQ(*records[1].new_image, c);
}

TEST_F(StreamDatabaseTest, KeysOnlyStoresNoImagesAndLimitsApply) {
  auto table = Create(StreamViewType::kKeysOnly);
  uint32_t id = table->definition().stream.stream_id;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Write("k", Doc("k", std::to_string(i))).ok());
  std::vector<StreamRecord> records = All(id);
  ASSERT_EQ(records.size(), 50u);
  for (const auto& r : records) EXPECT_TRUE(!r.old_image && !r.new_image);
  Result<ReadView> view = db_->Read();
  std::vector<StreamRecord> page;
  ASSERT_TRUE(view->ReadStream(id, records[0].shard, records[10].sequence, 5, 1 << 20, &page).ok());
  ASSERT_EQ(page.size(), 5u);
  EXPECT_EQ(page[0].sequence, records[10].sequence);
  page.clear();
  ASSERT_TRUE(view->ReadStream(id, records[0].shard, 0, 1000, 1, &page).ok());
  EXPECT_EQ(page.size(), 1u);  // the byte budget still lets one through
}

TEST_F(StreamDatabaseTest, DisableAndEnableStartsANewStreamAndSurvivesRestart) {
  auto table = Create(StreamViewType::kNewImage);
  uint32_t first = table->definition().stream.stream_id;
  ASSERT_TRUE(Write("a", Doc("a", "1")).ok());
  auto off = db_->UpdateTable("T", [](TableDefinition& d) {
    d.stream.enabled = false;
    return Status();
  });
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE((*off)->definition().stream.enabled);
  EXPECT_EQ((*off)->definition().stream.stream_id, first);  // still the latest stream
  ASSERT_TRUE(Write("a", Doc("a", "2")).ok());              // not recorded
  auto on = db_->UpdateTable("T", [](TableDefinition& d) {
    d.stream.enabled = true;
    d.stream.view_type = StreamViewType::kOldImage;
    return Status();
  });
  ASSERT_TRUE(on.ok());
  uint32_t second = (*on)->definition().stream.stream_id;
  EXPECT_NE(second, first);
  EXPECT_NE((*on)->definition().stream.label, table->definition().stream.label);
  ASSERT_TRUE(Write("a", Doc("a", "3")).ok());
  Reopen();
  EXPECT_EQ(All(first).size(), 1u);
  std::vector<StreamRecord> records = All(second);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(*records[0].old_image, Doc("a", "2"));
  EXPECT_FALSE(records[0].new_image);
  Result<ReadView> view = db_->Read();
  auto streams = view->Streams();
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 2u);
  EXPECT_NE((*streams)[0].closed_us, 0);
  EXPECT_EQ((*streams)[1].closed_us, 0);
  EXPECT_EQ(db_->FindTable("T")->definition().stream.stream_id, second);
  // Sequence numbers keep growing across a restart.
  ASSERT_TRUE(Write("b", Doc("b", "1")).ok());
  std::vector<StreamRecord> after = All(second);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_GT(after[1].sequence, after[0].sequence);
}

TEST_F(StreamDatabaseTest, DeleteTableClosesTheStreamButKeepsItsRecords) {
  auto table = Create(StreamViewType::kNewAndOldImages);
  uint32_t id = table->definition().stream.stream_id;
  ASSERT_TRUE(Write("a", Doc("a", "1")).ok());
  ASSERT_TRUE(db_->DeleteTable("T").ok());
  EXPECT_EQ(All(id).size(), 1u);
  Result<ReadView> view = db_->Read();
  auto def = view->FindStream(id);
  ASSERT_TRUE(def.ok() && *def);
  EXPECT_NE((*def)->closed_us, 0);
}

TEST_F(StreamDatabaseTest, RetentionTrimsOldRecordsAndForgetsClosedStreams) {
  Reopen(std::chrono::seconds(1));
  auto table = Create(StreamViewType::kKeysOnly);
  uint32_t id = table->definition().stream.stream_id;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Write("k" + std::to_string(i), Doc("k", "v")).ok());
  std::vector<StreamRecord> written = All(id);
  ASSERT_EQ(written.size(), 20u);
  std::map<uint32_t, uint64_t> last;  // shard -> its last record
  for (const StreamRecord& r : written) last[r.shard] = std::max(last[r.shard], r.sequence);
  // Trimming runs every second (a tenth of the retention, at least 1 s): each shard's records
  // go, and its trim point says up to where.
  auto trimmed_through_last = [&] {
    Result<ReadView> view = db_->Read();
    auto def = view->FindStream(id);
    if (!def.ok() || !*def) return false;
    for (const auto& [shard, seq] : last) {
      if ((*def)->TrimmedThrough(shard) != seq) return false;
    }
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!trimmed_through_last() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(trimmed_through_last());
  EXPECT_TRUE(All(id).empty());
  // Deleting the table closes the stream; closed, empty and older than the retention, it is
  // forgotten.
  ASSERT_TRUE(db_->DeleteTable("T").ok());
  auto forgotten = [&] {
    Result<ReadView> view = db_->Read();
    auto def = view->FindStream(id);
    return def.ok() && !*def;
  };
  while (!forgotten() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(forgotten());
}

TEST_F(StreamDatabaseTest, SettingsPersistAndList) {
  ASSERT_TRUE(db_->WriteSettings({{"fn/a", "1"}, {"fn/b", "2"}, {"esm/x", "3"}}).ok());
  ASSERT_TRUE(db_->WriteSettings({{"fn/a", std::nullopt}, {"fn/c", "4"}}).ok());
  Reopen();
  Result<ReadView> view = db_->Read();
  auto list = view->ListSettings("fn/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].first, "fn/b");
  EXPECT_EQ((*list)[1].second, "4");
  auto one = view->GetSetting("esm/x");
  ASSERT_TRUE(one.ok() && *one);
  EXPECT_EQ(**one, "3");
  EXPECT_FALSE(*view->GetSetting("fn/a"));
}

TEST_F(StreamDatabaseTest, WaitForStreamChangeWakesOnACommit) {
  Create(StreamViewType::kKeysOnly);
  const uint64_t seen = db_->stream_version();
  std::atomic<bool> give_up{false};
  // An hour-long wait: only the commit's notification can end it in time.
  auto waiter = std::async(std::launch::async, [&] {
    return db_->WaitForStreamChange(seen, std::chrono::hours(1), &give_up);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // most likely asleep by now
  EXPECT_TRUE(Write("a", Doc("a", "1")).ok());
  const bool woke = waiter.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  give_up = true;  // so that a failure does not hang the test
  db_->WakeStreamWaiters();
  EXPECT_TRUE(woke);
  EXPECT_NE(waiter.get(), seen);
}

TEST_F(StreamDatabaseTest, WaitForStreamChangeEndsWhenItsFlagIsRaised) {
  const uint64_t seen = db_->stream_version();
  std::atomic<bool> stop{false};
  auto waiter = std::async(std::launch::async, [&] {
    return db_->WaitForStreamChange(seen, std::chrono::hours(1), &stop);
  });
  stop = true;
  db_->WakeStreamWaiters();
  EXPECT_EQ(waiter.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(waiter.get(), seen);  // nothing changed
}

}  // namespace
}  // namespace cirrus::db
