#include "streams/invocation_pool.h"

#include <chrono>

namespace cirrus::streams {
namespace {

InvokeResult Cancelled() {
  InvokeResult r;
  r.outcome = InvokeResult::Outcome::kCancelled;
  r.error = "cancelled: the server is shutting down";
  return r;
}

}  // namespace

InvocationPool::InvocationPool(Options options) : options_(options) {
  const size_t n = std::max<size_t>(options_.workers, 1);
  threads_.reserve(n);
  for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
}

InvocationPool::~InvocationPool() {
  CancelAll();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& t : threads_) t.join();
}

InvocationPool::Admission InvocationPool::Submit(FunctionHandler handler, std::string event,
                                                 std::function<void(InvokeResult)> done) {
  {
    std::lock_guard lock(mu_);
    if (!admitting_) return Admission::kShuttingDown;
    // Waiting calls beyond the free workers count against the queue.
    const size_t free = options_.workers > running_ ? options_.workers - running_ : 0;
    if (queue_.size() >= free + options_.queue) return Admission::kBusy;
    queue_.push_back(Task{std::move(handler), std::move(event), std::move(done)});
  }
  changed_.notify_all();
  return Admission::kQueued;
}

void InvocationPool::Work() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] {
        return stopping_ || (!queue_.empty() && running_ < options_.workers);
      });
      if (queue_.empty()) return;  // stopping, nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    InvokeResult result = Invoke(task.handler, task.event, &cancel_);
    ReleaseSlot();
    task.done(std::move(result));
  }
}

bool InvocationPool::AcquireSlot(const CancelToken* cancel, const std::atomic<bool>* stop) {
  std::unique_lock lock(mu_);
  while (running_ >= options_.workers) {
    if ((cancel && cancel->cancelled()) || (stop && stop->load())) return false;
    // The stop flags are not tied to this condition variable: look again every 50 ms.
    changed_.wait_for(lock, std::chrono::milliseconds(50));
  }
  if ((cancel && cancel->cancelled()) || (stop && stop->load())) return false;
  ++running_;
  return true;
}

void InvocationPool::ReleaseSlot() {
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  changed_.notify_all();
}

InvokeResult InvocationPool::Run(const FunctionHandler& handler, std::string_view event,
                                 const CancelToken* cancel, const std::atomic<bool>* stop) {
  if (!AcquireSlot(cancel, stop)) return Cancelled();
  InvokeResult result = Invoke(handler, event, cancel);
  ReleaseSlot();
  return result;
}

void InvocationPool::StopAdmitting() {
  std::lock_guard lock(mu_);
  admitting_ = false;
}

void InvocationPool::CancelAll() {
  std::deque<Task> abandoned;
  {
    std::lock_guard lock(mu_);
    admitting_ = false;
    abandoned.swap(queue_);
  }
  cancel_.Cancel();
  for (Task& t : abandoned) t.done(Cancelled());
}

size_t InvocationPool::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

}  // namespace cirrus::streams
