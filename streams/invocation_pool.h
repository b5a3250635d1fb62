#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "streams/invoker.h"

namespace cirrus::streams {

// Bounds the function invocations the server runs at once, Lambda Invoke calls and trigger
// deliveries together, so that no client can make it start more processes than the owner
// allowed (--max-invocations): at most `workers` invocations run at any time, and at most
// `queue` Invoke calls wait for one. Invoke calls run on the pool's own threads; a trigger
// worker, which has a thread already, runs its invocation on that thread once it holds one of
// the `workers` slots.
// Thread-safe. The destructor cancels what still runs and joins every thread it started.
class InvocationPool {
 public:
  struct Options {
    size_t workers = 8;  // invocations running at once, >= 1
    size_t queue = 16;   // Invoke calls waiting for a worker
  };
  explicit InvocationPool(Options options);
  ~InvocationPool();
  InvocationPool(const InvocationPool&) = delete;
  InvocationPool& operator=(const InvocationPool&) = delete;

  enum class Admission { kQueued, kBusy, kShuttingDown };
  // Queues `handler(event)` for a pool thread, which calls `done` with the result. kBusy when
  // `queue` calls wait already (Lambda's TooManyRequestsException), kShuttingDown after
  // StopAdmitting; `done` is then never called.
  Admission Submit(FunctionHandler handler, std::string event,
                   std::function<void(InvokeResult)> done);

  // Runs `handler(event)` on the calling thread once a slot is free. Returns kCancelled without
  // running it if `cancel` fires, or `stop` becomes true, before a slot frees; `cancel` also
  // cancels the invocation itself (Invoke).
  InvokeResult Run(const FunctionHandler& handler, std::string_view event,
                   const CancelToken* cancel, const std::atomic<bool>* stop);

  // Shutdown, in two steps: StopAdmitting refuses new Invoke calls and lets the queued and
  // running ones go on; CancelAll then cancels those running (their `done` sees kCancelled)
  // and fails those still queued (kCancelled too). Both are idempotent.
  void StopAdmitting();
  void CancelAll();

  size_t running() const;  // invocations running now, both kinds

 private:
  struct Task {
    FunctionHandler handler;
    std::string event;
    std::function<void(InvokeResult)> done;
  };
  void Work();
  bool AcquireSlot(const CancelToken* cancel, const std::atomic<bool>* stop);
  void ReleaseSlot();

  const Options options_;
  CancelToken cancel_;  // the Submit'ted invocations'
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Task> queue_;    // guarded by mu_
  size_t running_ = 0;        // guarded by mu_
  bool admitting_ = true;     // guarded by mu_
  bool stopping_ = false;     // guarded by mu_: the threads exit
  std::vector<std::thread> threads_;
};

}  // namespace cirrus::streams
