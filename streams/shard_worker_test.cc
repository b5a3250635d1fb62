#include "streams/shard_worker.h"

#include <condition_variable>
#include <gtest/gtest.h>
#include <mutex>
#include <thread>

#include "db/testing/temp_database.h"
#include "db/write_batch.h"
#include "server/wire/json.h"
#include "streams/records.h"

namespace cirrus::streams {
namespace {

using std::chrono::milliseconds;

// What the fake function saw: the partition keys of each event, in order.
struct Calls {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<std::string>> events;
  std::vector<std::vector<uint64_t>> sequences;
  std::vector<FailedBatch> discarded;
  std::vector<std::string> results;
  int discard_failures = 0;  // how many discard calls fail before one succeeds

  // Waits until `done` holds (looked at on every hook call, and every 10 ms for what the
  // worker does after its last hook call, such as a checkpoint). The 60 s bound only keeps a
  // broken worker from hanging the suite; nothing here depends on how fast the worker is.
  template <typename Pred>
  bool WaitUntil(Pred done) {
    std::unique_lock lock(mu);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      cv.wait_for(lock, milliseconds(10));
    }
    return true;
  }
};

// Runs a ShardWorker on its own thread until the fixture stops it.
class ShardWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db::TableDefinition def;
    def.name = "T";
    def.table_id = db::NewTableId();
    def.key_schema = db::KeySchema::PartitionOnly("pk", db::ScalarType::kS);
    def.partition_count = 1;  // one shard: every record in one order
    def.stream.enabled = true;
    def.stream.view_type = db::StreamViewType::kNewAndOldImages;
    Result<std::shared_ptr<const db::Table>> t = db_->CreateTable(def);
    ASSERT_TRUE(t.ok()) << t.status().message();
    settings_.config.uuid = "11111111-2222-3333-4444-555555555555";
    settings_.config.function_name = "f";
    settings_.config.event_source_arn =
        StreamArn("us-east-1", "123456789012", "T", (*t)->definition().stream.label);
    settings_.region = "us-east-1";
    settings_.account_id = "123456789012";
    // An hour: a worker that relied on this wait instead of the stream's notification would
    // never deliver within the test.
    settings_.idle_wait = std::chrono::hours(1);
  }
  void TearDown() override { Stop(); }

  void Put(const std::string& pk, const std::string& status = "new") {
    std::shared_ptr<const db::Table> table = db_->FindTable("T");
    db::WriteBatch batch;
    db::ItemWrite w;
    w.table = table;
    Item key = {{"pk", AttributeValue::String(pk)}};
    ASSERT_TRUE(table->codec().EncodeKey(key, &w.key).ok());
    Item item = {{"pk", AttributeValue::String(pk)}, {"status", AttributeValue::String(status)}};
    size_t size = ItemSize(item);
    w.mutation = db::Mutation::Put(std::move(item), size);
    batch.writes.push_back(std::move(w));
    ASSERT_TRUE(db_->WriteSync(&batch).ok());
  }

  // `outcome(call number, sequences of the event)` decides what each invocation returns.
  void Start(std::function<InvokeResult(size_t, const std::vector<uint64_t>&)> outcome = nullptr) {
    if (!outcome) outcome = [](size_t, const std::vector<uint64_t>&) { return InvokeResult{}; };
    WorkerHooks hooks;
    hooks.handler = [] {
      return Result<FunctionHandler>(FunctionHandler{"f", "true", "", 3, "us-east-1", {}});
    };
    hooks.invoke = [this, outcome](const FunctionHandler&, std::string_view event) {
      std::string text(event);
      text.reserve(text.size() + wire::JsonParser::kPadding);
      wire::JsonParser parser;
      Result<wire::JsonValue> v = parser.Parse(&text);
      std::vector<std::string> keys;
      std::vector<uint64_t> sequences;
      EXPECT_TRUE(v.ok());
      for (const wire::JsonValue& r : v->Find("Records")->elements()) {
        wire::JsonValue dynamodb = *r.Find("dynamodb");
        keys.emplace_back(dynamodb.Find("Keys")->Find("pk")->Find("S")->string());
        sequences.push_back(*ParseSequenceNumber(dynamodb.Find("SequenceNumber")->string()));
      }
      size_t call;
      {
        std::lock_guard lock(calls_.mu);
        call = calls_.events.size();
      }
      InvokeResult result = outcome(call, sequences);
      {
        std::lock_guard lock(calls_.mu);
        calls_.events.push_back(std::move(keys));
        calls_.sequences.push_back(std::move(sequences));
      }
      calls_.cv.notify_all();
      return result;
    };
    hooks.discard = [this](const FailedBatch& batch) {
      std::lock_guard lock(calls_.mu);
      if (calls_.discard_failures > 0) {
        --calls_.discard_failures;
        calls_.cv.notify_all();
        return Status(ErrorKind::kInternal, "destination refused");
      }
      calls_.discarded.push_back(batch);
      calls_.cv.notify_all();
      return Status();
    };
    hooks.report_result = [this](const std::string& result) {
      std::lock_guard lock(calls_.mu);
      calls_.results.push_back(result);
      calls_.cv.notify_all();
    };
    hooks.report_age = [](int64_t) {};
    Result<FilterSet> filters = FilterSet::Parse(settings_.config.filter_patterns);
    ASSERT_TRUE(filters.ok());
    settings_.filters = *filters;
    stop_ = std::make_unique<StopSignal>(db_.get());
    worker_ = std::make_unique<ShardWorker>(db_.get(), settings_, hooks, stop_.get());
    thread_ = std::thread([this] { worker_->Run(); });
  }

  void Stop() {
    if (!thread_.joinable()) return;
    stop_->Stop();
    thread_.join();
  }

  std::optional<uint64_t> Checkpoint() {
    Result<db::ReadView> view = db_->Read();
    EXPECT_TRUE(view.ok());
    Result<std::optional<std::string>> v =
        view->GetSetting(CheckpointKey(settings_.config.uuid, 0));
    EXPECT_TRUE(v.ok());
    if (!v.ok() || !*v) return std::nullopt;
    return std::strtoull((*v)->c_str(), nullptr, 10);
  }
  uint64_t LastSequence() {
    Result<db::ReadView> view = db_->Read();
    EXPECT_TRUE(view.ok());
    return *view->LastSequence();
  }
  // All keys delivered, in delivery order.
  std::vector<std::string> Delivered() {
    std::lock_guard lock(calls_.mu);
    std::vector<std::string> all;
    for (auto& e : calls_.events) all.insert(all.end(), e.begin(), e.end());
    return all;
  }
  size_t DeliveredCount() {
    size_t n = 0;
    for (auto& e : calls_.events) n += e.size();
    return n;
  }

  db::testing::TempDatabase db_;
  WorkerSettings settings_;
  Calls calls_;
  std::unique_ptr<StopSignal> stop_;
  std::unique_ptr<ShardWorker> worker_;
  std::thread thread_;
};

InvokeResult Failure() {
  InvokeResult r;
  r.outcome = InvokeResult::Outcome::kFunctionError;
  r.error = "exit status 1";
  return r;
}

TEST_F(ShardWorkerTest, DeliversInOrderAndResumesFromItsCheckpoint) {
  Put("a");
  Put("b");
  Put("c");
  Start();
  ASSERT_TRUE(calls_.WaitUntil([&] { return DeliveredCount() == 3; }));
  Stop();
  EXPECT_EQ(Delivered(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Checkpoint(), LastSequence() + 1);
  // A restart delivers only what came after.
  Put("d");
  Start();
  ASSERT_TRUE(calls_.WaitUntil([&] { return DeliveredCount() == 4; }));
  Stop();
  EXPECT_EQ(Delivered(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(calls_.events.back(), std::vector<std::string>{"d"});
}

TEST_F(ShardWorkerTest, AnIdleWorkerIsWokenByTheCommitNotByATimer) {
  Start();
  // Let the worker reach its wait first: it reads an empty stream, then sleeps for an hour
  // (settings_.idle_wait) unless the commit below wakes it.
  Put("first");
  ASSERT_TRUE(calls_.WaitUntil([&] { return DeliveredCount() == 1; }));
  Put("second");
  ASSERT_TRUE(calls_.WaitUntil([&] { return DeliveredCount() == 2; }));
  EXPECT_EQ(Delivered(), (std::vector<std::string>{"first", "second"}));
}

TEST_F(ShardWorkerTest, BatchesUpToBatchSize) {
  settings_.config.batch_size = 2;
  for (const char* k : {"a", "b", "c", "d", "e"}) Put(k);
  Start();
  ASSERT_TRUE(calls_.WaitUntil([&] { return DeliveredCount() == 5; }));
  std::lock_guard lock(calls_.mu);
  ASSERT_EQ(calls_.events.size(), 3u);
  EXPECT_EQ(calls_.events[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(calls_.events[2], std::vector<std::string>{"e"});
}

TEST_F(ShardWorkerTest, RetriesThenDiscardsWithAFailureRecordAndMovesOn) {
  settings_.config.maximum_retry_attempts = 1;
  Put("bad");
  Start([](size_t call, const std::vector<uint64_t>&) {
    return call < 2 ? Failure() : InvokeResult{};
  });
  ASSERT_TRUE(calls_.WaitUntil([&] { return calls_.discarded.size() == 1; }));
  const uint64_t after_bad = LastSequence() + 1;
  ASSERT_TRUE(calls_.WaitUntil([&] { return calls_.results.size() >= 2; }));
  {
    std::lock_guard lock(calls_.mu);
    EXPECT_EQ(calls_.events.size(), 2u);  // the first attempt and one retry
    const FailedBatch& f = calls_.discarded[0];
    EXPECT_EQ(f.size, 1u);
    EXPECT_EQ(f.attempts, 2);
    EXPECT_FALSE(f.too_old);
    EXPECT_EQ(f.first_sequence, f.last_sequence);
    EXPECT_EQ(f.function_arn, "arn:aws:lambda:us-east-1:123456789012:function:f");
    EXPECT_EQ(f.stream_arn, settings_.config.event_source_arn);
    EXPECT_EQ(calls_.results[0], "PROBLEM: Function call failed");
  }
  // Past the discarded batch: the next record is delivered, and succeeds.
  Put("good");
  ASSERT_TRUE(calls_.WaitUntil([&] { return calls_.events.size() == 3; }));
  Stop();
  EXPECT_EQ(calls_.events[2], std::vector<std::string>{"good"});
  EXPECT_GT(*Checkpoint(), after_bad);
}

TEST_F(ShardWorkerTest, AFailureRecordThatCannotBeWrittenHoldsTheShard) {
  settings_.config.maximum_retry_attempts = 0;
  calls_.discard_failures = 1;
  Put("bad");
  Start([](size_t, const std::vector<uint64_t>&) { return Failure(); });
  ASSERT_TRUE(calls_.WaitUntil([&] {
    return std::find(calls_.results.begin(), calls_.results.end(),
                     "PROBLEM: OnFailure destination failed: destination refused") !=
           calls_.results.end();
  }));
  EXPECT_EQ(Checkpoint(), std::nullopt);  // not past the batch while its record is not safe
  ASSERT_TRUE(calls_.WaitUntil([&] { return calls_.discarded.size() == 1; }));
  Stop();
  EXPECT_EQ(Checkpoint(), LastSequence() + 1);
}

TEST_F(ShardWorkerTest, ReportBatchItemFailuresRetriesFromTheFailedRecord) {
  settings_.config.report_batch_item_failures = true;
  for (const char* k : {"a", "b", "c", "d"}) Put(k);
  Start([](size_t call, const std::vector<uint64_t>& seqs) {
    InvokeResult r;
    if (call == 0)
      r.payload =
          R"({"batchItemFailures":[{"itemIdentifier":")" + SequenceNumberText(seqs[2]) + "\"}]}";
    return r;
  });
  ASSERT_TRUE(calls_.WaitUntil([&] { return calls_.events.size() == 2; }));
  Stop();
  EXPECT_EQ(calls_.events[0], (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(calls_.events[1], (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(Checkpoint(), LastSequence() + 1);
}

TEST_F(ShardWorkerTest, BisectsAFailingBatchToIsolateTheBadRecord) {
  settings_.config.bisect_batch_on_function_error = true;
  settings_.config.maximum_retry_attempts = 0;
  for (const char* k : {"a", "b", "poison", "c"}) Put(k);
  uint64_t poison = 0;
  {
    Result<db::ReadView> view = db_->Read();
    poison = *view->LastSequence() - 1;
  }
  Start([poison](size_t, const std::vector<uint64_t>& seqs) {
    return std::find(seqs.begin(), seqs.end(), poison) != seqs.end() ? Failure() : InvokeResult{};
  });
  ASSERT_TRUE(calls_.WaitUntil([&] { return calls_.discarded.size() == 1; }));
  ASSERT_TRUE(calls_.WaitUntil([&] {
    std::vector<std::string> all;
    for (auto& e : calls_.events) all.insert(all.end(), e.begin(), e.end());
    return std::count(all.begin(), all.end(), "c") >= 1 && Checkpoint() == LastSequence() + 1;
  }));
  Stop();
  EXPECT_EQ(calls_.discarded[0].size, 1u);
  EXPECT_EQ(calls_.discarded[0].first_sequence, poison);
}

TEST_F(ShardWorkerTest, FiltersSkipRecordsAndTheCheckpointMovesPastThem) {
  settings_.config.filter_patterns = {R"({"dynamodb":{"NewImage":{"status":{"S":["wanted"]}}}})"};
  Put("a", "other");
  Put("b", "wanted");
  Put("c", "other");
  Start();
  ASSERT_TRUE(calls_.WaitUntil([&] { return Checkpoint() == LastSequence() + 1; }));
  Stop();
  EXPECT_EQ(Delivered(), std::vector<std::string>{"b"});
}

TEST_F(ShardWorkerTest, ACancelledInvocationIsNotCheckpointed) {
  Put("a");
  Start([](size_t, const std::vector<uint64_t>&) {
    InvokeResult r;
    r.outcome = InvokeResult::Outcome::kCancelled;
    return r;
  });
  ASSERT_TRUE(calls_.WaitUntil([&] { return calls_.events.size() >= 1; }));
  Stop();
  EXPECT_EQ(Checkpoint(), std::nullopt);  // delivered again after a restart
}

}  // namespace
}  // namespace cirrus::streams
