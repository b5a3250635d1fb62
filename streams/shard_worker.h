#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "streams/destinations.h"
#include "streams/filter.h"
#include "streams/invoker.h"
#include "streams/mappings.h"

namespace cirrus::streams {

// Raised to stop a worker: a flag, and sleeps and stream waits that end when it is raised.
class StopSignal {
 public:
  explicit StopSignal(db::Database* db) : db_(db) {}
  void Stop();  // sets the flag and wakes the sleeper (and every stream waiter of `db`)
  bool stopped() const { return stopped_.load(); }
  const std::atomic<bool>* flag() const { return &stopped_; }
  // Sleeps up to `duration` unless stopped; false when stopped.
  bool Sleep(std::chrono::milliseconds duration) const;

 private:
  db::Database* db_;
  std::atomic<bool> stopped_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
};

// What a shard worker needs from outside itself (Triggers supplies them; tests fake them).
struct WorkerHooks {
  // The handler of the mapping's function as registered now; an error (an attempt that
  // failed) when there is none.
  std::function<Result<FunctionHandler>()> handler;
  // Runs one invocation (Triggers: in the invocation pool, cancelled on stop). A kCancelled
  // result stops the worker without counting an attempt.
  std::function<InvokeResult(const FunctionHandler& handler, std::string_view event)> invoke;
  // Writes the OnFailure record of a batch given up on; OK also when the mapping has no
  // destination. Not OK: not written (the worker waits and tries again, never moving past it).
  std::function<Status(const FailedBatch& batch)> discard;
  // The mapping's LastProcessingResult ("OK", "PROBLEM: ..."), and this shard's iterator age.
  std::function<void(const std::string& result)> report_result;
  std::function<void(int64_t age_ms)> report_age;
};

struct WorkerSettings {
  MappingConfig config;
  FilterSet filters;
  uint32_t shard = 0;
  std::string region;  // of the stream ARN in records, and of ARNs in failure records
  std::string account_id;
  // Longest wait for the stream to change before the worker looks anyway (a safety net: the
  // database wakes it on every commit with stream records).
  std::chrono::milliseconds idle_wait{5000};
};

// Delivers one shard of a mapping's stream to its function with Lambda's semantics, from the
// shard's checkpoint on: batches of up to BatchSize records (filtered, at most 6 MB), one in
// flight; a failed batch is retried, bisected or discarded by Delivery's rules, with
// exponential backoff between retries; the checkpoint is written after each batch handled, so
// a restart resumes there (at least once, in order per shard). Sleeps on the database's stream
// change notification while there is nothing to deliver. Run returns when `stop` is raised;
// the batch in flight then is not checkpointed (it is delivered again later).
class ShardWorker {
 public:
  ShardWorker(db::Database* db, WorkerSettings settings, WorkerHooks hooks, const StopSignal* stop);
  void Run();

 private:
  struct Batch;
  enum class Next { kDeliver, kSkip, kWaitForChange, kIdle };
  Next ReadBatch(Batch* batch);
  void Deliver(Batch& batch);
  // Writes the checkpoint `next`; retried while it fails and the worker runs.
  void Checkpoint(uint64_t next);
  bool Sleep(std::chrono::milliseconds duration) const;

  db::Database* const db_;
  const WorkerSettings s_;
  const WorkerHooks hooks_;
  const StopSignal* const stop_;
  const std::string checkpoint_key_;
  uint64_t position_ = 0;              // the sequence number to deliver next
  uint64_t seen_ = 0;                  // the database's stream version last looked at
  std::chrono::milliseconds wait_{0};  // how long kWaitForChange waits
};

}  // namespace cirrus::streams
