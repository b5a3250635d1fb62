#include "streams/invocation_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace cirrus::streams {
namespace {

using Outcome = InvokeResult::Outcome;

// A command that blocks until the test removes a file, so that the test decides when
// invocations end without timing anything.
class Gate {
 public:
  Gate() {
    char tmpl[] = "/tmp/cirrus-pool-test-XXXXXX";
    EXPECT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/closed";
    FILE* f = std::fopen(path_.c_str(), "w");
    std::fclose(f);
  }
  ~Gate() {
    Open();
    rmdir(dir_.c_str());
  }
  void Open() { unlink(path_.c_str()); }
  FunctionHandler Waiter() const {
    FunctionHandler h;
    h.name = "waiter";
    h.command = "while [ -e " + path_ + " ]; do sleep 0.02; done; echo done";
    h.timeout_seconds = 60;
    return h;
  }

 private:
  std::string dir_, path_;
};

// Results delivered by the pool, counted.
struct Results {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<InvokeResult> got;
  std::function<void(InvokeResult)> Sink() {
    return [this](InvokeResult r) {
      std::lock_guard lock(mu);
      got.push_back(std::move(r));
      cv.notify_all();
    };
  }
  void WaitFor(size_t n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return got.size() >= n; });
  }
};

TEST(InvocationPoolTest, RunsAtMostWorkersAndQueuesAtMostQueue) {
  Gate gate;
  InvocationPool pool({/*workers=*/2, /*queue=*/3});
  Results results;
  size_t queued = 0, busy = 0;
  for (int i = 0; i < 20; ++i) {
    switch (pool.Submit(gate.Waiter(), "{}", results.Sink())) {
      case InvocationPool::Admission::kQueued: ++queued; break;
      case InvocationPool::Admission::kBusy: ++busy; break;
      case InvocationPool::Admission::kShuttingDown: ADD_FAILURE(); break;
    }
  }
  EXPECT_EQ(queued, 5u);  // 2 running + 3 waiting
  EXPECT_EQ(busy, 15u);
  EXPECT_LE(pool.running(), 2u);
  gate.Open();
  results.WaitFor(5);
  for (const InvokeResult& r : results.got) EXPECT_EQ(r.payload, "done\n") << r.error;
}

TEST(InvocationPoolTest, TriggerRunsShareTheWorkers) {
  Gate gate;
  InvocationPool pool({/*workers=*/1, /*queue=*/0});
  std::atomic<bool> stop{false};
  InvokeResult trigger_result;
  std::thread trigger([&] { trigger_result = pool.Run(gate.Waiter(), "{}", nullptr, &stop); });
  while (pool.running() == 0) std::this_thread::yield();
  // The one slot is taken by the trigger: an Invoke call finds no room.
  Results results;
  EXPECT_EQ(pool.Submit(gate.Waiter(), "{}", results.Sink()), InvocationPool::Admission::kBusy);
  // A second trigger waits for the slot, and gives up when its mapping stops.
  std::atomic<bool> other_stop{false};
  InvokeResult waited;
  std::thread waiter([&] { waited = pool.Run(gate.Waiter(), "{}", nullptr, &other_stop); });
  other_stop = true;
  waiter.join();
  EXPECT_EQ(waited.outcome, Outcome::kCancelled);
  gate.Open();
  trigger.join();
  EXPECT_EQ(trigger_result.outcome, Outcome::kSuccess) << trigger_result.error;
}

TEST(InvocationPoolTest, CancelAllEndsRunningAndQueuedCalls) {
  Gate gate;  // never opened before the cancel
  InvocationPool pool({/*workers=*/1, /*queue=*/2});
  Results results;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(pool.Submit(gate.Waiter(), "{}", results.Sink()), InvocationPool::Admission::kQueued);
  }
  while (pool.running() == 0) std::this_thread::yield();
  pool.StopAdmitting();
  EXPECT_EQ(pool.Submit(gate.Waiter(), "{}", results.Sink()), InvocationPool::Admission::kShuttingDown);
  pool.CancelAll();
  results.WaitFor(3);
  for (const InvokeResult& r : results.got) EXPECT_EQ(r.outcome, Outcome::kCancelled);
}

}  // namespace
}  // namespace cirrus::streams
