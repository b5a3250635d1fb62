#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"
#include "server/wire/json.h"
#include "server/wire/json_writer.h"
#include "streams/functions.h"
#include "streams/invocation_pool.h"
#include "streams/invoker.h"

namespace cirrus::streams {

// Function triggers: registered functions, and event source mappings that feed a table's
// stream to a function with Lambda's semantics (../shared/spec/streams.md, sections 5-6).
// Both are kept in the data directory (db settings), as is each mapping's checkpoint per
// shard, so a restart resumes where processing stopped.

// An event source mapping's settings, named as in Lambda's API.
struct MappingConfig {
  std::string uuid;
  std::string function_name;
  std::string event_source_arn;
  std::string starting_position;  // TRIM_HORIZON or LATEST
  int64_t batch_size = 100;
  int64_t maximum_batching_window_seconds = 0;
  int64_t maximum_retry_attempts = -1;        // -1: until the records expire
  int64_t maximum_record_age_seconds = -1;    // -1: no limit
  bool bisect_batch_on_function_error = false;
  int64_t parallelization_factor = 1;         // accepted; shards are processed one batch at a time
  std::string on_failure_destination;         // file:///dir or http://..., empty: none
  std::vector<std::string> filter_patterns;   // FilterCriteria.Filters[].Pattern
  bool report_batch_item_failures = false;    // FunctionResponseTypes
  bool enabled = true;
  int64_t last_modified_ms = 0;
};

// Mapping records in the data directory, shared with `cirrus functions list`: "esm/UUID" the
// settings, "ckpt/UUID/SHARD" the next sequence number to deliver, "status/UUID" the last
// processing result.
inline constexpr std::string_view kMappingPrefix = "esm/";
inline constexpr std::string_view kCheckpointPrefix = "ckpt/";
inline constexpr std::string_view kMappingStatusPrefix = "status/";
// A stored mapping's settings; kInternal when corrupt.
Result<MappingConfig> DecodeStoredMapping(std::string_view stored);

// Reads the members of a CreateEventSourceMapping / UpdateEventSourceMapping request (or a
// stored mapping) into *config; members absent keep their value. kValidation for a member
// of the wrong type.
Status ReadMappingMembers(const wire::JsonValue& json, MappingConfig* config);
// kValidation (Lambda's InvalidParameterValueException) unless the settings are in range.
Status ValidateMapping(const MappingConfig& config);

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
    // OnFailure destinations the owner allows: file:// directories at or below this one
    // (absolute; created when a mapping names them), and http:// URLs to these hosts only
    // ("host" or "host:port"; none by default).
    std::string failure_dir;
    std::vector<std::string> http_destination_hosts;
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
  // (max_mappings, max_shard_workers); kResourceInUse when the function already maps that stream.
  Result<MappingStatus> CreateMapping(MappingConfig config);
  Result<MappingStatus> UpdateMapping(std::string_view uuid,
                                      const std::function<Status(MappingConfig&)>& change);
  Result<MappingStatus> DeleteMapping(std::string_view uuid);
  Result<MappingStatus> GetMapping(std::string_view uuid) const;
  std::vector<MappingStatus> ListMappings() const;  // by UUID

  // Lambda's FunctionConfiguration and EventSourceMappingConfiguration JSON.
  void WriteFunction(const FunctionConfig& f, wire::JsonWriter& w) const;
  void WriteMapping(const MappingStatus& m, wire::JsonWriter& w) const;

  // kValidation unless the owner allows `destination` (Options); a file:// directory that is
  // allowed is created if missing.
  Status CheckDestination(const std::string& destination) const;

 private:
  struct Mapping;
  struct ShardLocks;
  struct Batch;
  // Gives up on a batch: logs it and writes its OnFailure record, if the mapping has one.
  // Not OK when the record could not be written: the caller must not move past the batch.
  Status Discard(Mapping& m, const db::StreamDefinition& stream, uint32_t shard, const Batch& b,
                 int attempts, bool too_old);
  void Run(std::shared_ptr<Mapping> mapping, uint32_t shard);
  void StartWorkers(const std::shared_ptr<Mapping>& mapping);
  // Records the mapping's LastProcessingResult, durably when it changed (cirrus functions
  // list reads it from the data directory).
  void SetResult(Mapping& m, std::string result);
  MappingStatus StatusOf(const Mapping& mapping) const;
  Status SaveMapping(const MappingConfig& config,
                     std::vector<std::pair<std::string, std::optional<std::string>>> extra);
  // kValidation when `mappings` mappings or `shard_workers` workers exceed the bounds.
  Status CheckBounds(size_t mappings, size_t shard_workers) const;
  // Shard workers the enabled mappings other than `except` use. REQUIRES: mu_ held.
  size_t ShardWorkersInUse(std::string_view except) const;
  // The shard count of the stream `arn`; 0 when there is none.
  uint32_t ShardsOf(std::string_view arn) const;

  db::Database* db_;
  InvocationPool* pool_;
  Options options_;
  CancelToken cancel_;  // fired by Stop
  mutable std::mutex mu_;
  bool stopped_ = false;                                                    // guarded by mu_
  std::map<std::string, std::shared_ptr<Mapping>, std::less<>> mappings_;   // guarded by mu_
  std::vector<std::shared_ptr<Mapping>> retired_;  // stopping; joined by the destructor
  std::map<std::string, std::shared_ptr<ShardLocks>> shard_locks_;  // by UUID, outlive versions
};

}  // namespace cirrus::streams
