#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"
#include "streams/destinations.h"
#include "streams/functions.h"
#include "streams/invocation_pool.h"
#include "streams/invoker.h"
#include "streams/mappings.h"

namespace cirrus::streams {

// Function triggers: event source mappings that feed a table's stream to a registered function
// (functions.h) with Lambda's semantics
// (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html). Mappings, their checkpoints per
// shard and their last results are kept in the data directory (mappings.h), so a restart resumes
// where processing stopped. Each enabled mapping runs a ShardWorker thread per shard of its
// stream; every invocation goes through the InvocationPool.

// A mapping as the API reports it.
struct MappingStatus {
  MappingConfig config;
  std::string state;                   // Creating, Enabled, Disabled, Updating, Deleting
  std::string last_processing_result;  // "OK", "PROBLEM: ...", "No records processed"
  int64_t iterator_age_ms = 0;         // age of the oldest record not yet processed
};

class Triggers {
 public:
  struct Options {
    std::string region = "us-east-1";
    std::string account_id = "123456789012";
    DestinationPolicy destinations;  // OnFailure destinations the owner allows
    // Bounds: event source mappings, and the worker threads they start (one per shard of
    // each enabled mapping's stream).
    size_t max_mappings = 100;
    size_t max_shard_workers = 256;
  };
  // `pool` runs every invocation (it bounds how many run at once); it must outlive *this.
  Triggers(db::Database* db, InvocationPool* pool, Options options);
  ~Triggers();  // Stop(), then joins every worker
  Triggers(const Triggers&) = delete;
  Triggers& operator=(const Triggers&) = delete;

  // Loads the mappings and starts their workers.
  Status Start();
  // Stops every worker promptly: invocations in flight are cancelled (their process groups
  // killed) and their batches, not checkpointed, are delivered again after a restart.
  // Thread-safe and idempotent; the workers are joined by the destructor.
  void Stop();

  InvocationPool& pool() { return *pool_; }
  const Options& options() const { return options_; }
  std::string FunctionArn(std::string_view name) const;
  std::string StreamArnOf(const db::StreamDefinition& stream) const;

  // The registry (functions.h), as the Lambda API reads it. kResourceNotFound when unknown;
  // `name` may be the function's ARN.
  Result<std::vector<FunctionConfig>> ListFunctions() const;
  Result<FunctionConfig> GetFunction(std::string_view name) const;
  // How the invoker runs `f` on this server (its region).
  FunctionHandler HandlerOf(const FunctionConfig& f) const;

  // kResourceNotFound for an unknown function, kValidation for a bad setting, a stream that
  // does not exist, a destination the owner does not allow, or a bound reached
  // (max_mappings, max_shard_workers); kResourceInUse when the function already maps that
  // stream. `change` edits a copy of the mapping's settings (UpdateEventSourceMapping).
  Result<MappingStatus> CreateMapping(MappingConfig config);
  Result<MappingStatus> UpdateMapping(std::string_view uuid,
                                      const std::function<Status(MappingConfig&)>& change);
  Result<MappingStatus> DeleteMapping(std::string_view uuid);
  Result<MappingStatus> GetMapping(std::string_view uuid) const;
  std::vector<MappingStatus> ListMappings() const;  // by UUID

 private:
  struct Mapping;
  struct ShardLocks;
  void StartWorkers(const std::shared_ptr<Mapping>& mapping);
  // Records the mapping's LastProcessingResult, durably when it changed (cirrus functions
  // list reads it from the data directory).
  void SetResult(Mapping& m, std::string result);
  MappingStatus StatusOf(const Mapping& mapping) const;
  // kValidation when `mappings` mappings or `shard_workers` workers exceed the bounds.
  Status CheckBounds(size_t mappings, size_t shard_workers) const;
  // Shard workers the enabled mappings other than `except` use. REQUIRES: mu_ held.
  size_t ShardWorkersInUse(std::string_view except) const;
  // The shard count of the stream `arn`; 0 when there is none.
  uint32_t ShardsOf(std::string_view arn) const;
  // New version `m` of a mapping: its settings, filters and shard locks.
  std::shared_ptr<Mapping> MakeMapping(MappingConfig config);

  // Const after construction.
  db::Database* const db_;
  InvocationPool* const pool_;
  const Options options_;
  CancelToken cancel_;  // fired by Stop: cancels the workers' invocations

  mutable std::mutex mu_;
  bool stopped_ = false;                                                   // guarded by mu_
  std::map<std::string, std::shared_ptr<Mapping>, std::less<>> mappings_;  // guarded by mu_
  std::vector<std::shared_ptr<Mapping>> retired_;  // stopping; joined later; guarded by mu_
  std::map<std::string, std::shared_ptr<ShardLocks>> shard_locks_;  // by UUID; guarded by mu_
};

}  // namespace cirrus::streams
