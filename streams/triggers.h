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
#include "streams/invoker.h"

namespace cirrus::streams {

// Function triggers: registered functions, and event source mappings that feed a table's
// stream to a function with Lambda's semantics (../shared/spec/streams.md, sections 5-6).
// Both are kept in the data directory (db settings), as is each mapping's checkpoint per
// shard, so a restart resumes where processing stopped.

// A registered function: a name and how to run it (invoker.h).
struct FunctionConfig {
  std::string name;
  std::string command;  // exactly one of command and url
  std::string url;
  int timeout_seconds = 3;
  int64_t last_modified_ms = 0;
};

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
  };
  Triggers(db::Database* db, Options options);
  ~Triggers();  // stops the workers, letting invocations in flight finish
  Triggers(const Triggers&) = delete;
  Triggers& operator=(const Triggers&) = delete;

  // Loads functions and mappings and starts the mappings' workers.
  Status Start();

  std::string FunctionArn(std::string_view name) const;
  std::string StreamArnOf(const db::StreamDefinition& stream) const;

  // kValidation for a bad name or handler, kResourceInUse when the name is taken.
  Result<FunctionConfig> CreateFunction(FunctionConfig config);
  std::vector<FunctionConfig> ListFunctions() const;
  // `name` may be the function's ARN. kResourceNotFound when unknown.
  Result<FunctionConfig> GetFunction(std::string_view name) const;
  Status DeleteFunction(std::string_view name);
  // Runs the function once with `event` (the Lambda Invoke API).
  Result<InvokeResult> InvokeFunction(std::string_view name, std::string_view event);

  // kResourceNotFound for an unknown function, kValidation for a bad setting or a stream
  // that does not exist, kResourceInUse when the function already maps that stream.
  Result<MappingStatus> CreateMapping(MappingConfig config);
  Result<MappingStatus> UpdateMapping(std::string_view uuid,
                                      const std::function<Status(MappingConfig&)>& change);
  Result<MappingStatus> DeleteMapping(std::string_view uuid);
  Result<MappingStatus> GetMapping(std::string_view uuid) const;
  std::vector<MappingStatus> ListMappings() const;  // by UUID

  // Lambda's FunctionConfiguration and EventSourceMappingConfiguration JSON.
  void WriteFunction(const FunctionConfig& f, wire::JsonWriter& w) const;
  void WriteMapping(const MappingStatus& m, wire::JsonWriter& w) const;

 private:
  struct Mapping;
  struct ShardLocks;
  struct Batch;
  // Gives up on a batch: logs it and writes its OnFailure record, if the mapping has one.
  void Discard(Mapping& m, const db::StreamDefinition& stream, uint32_t shard, const Batch& b,
               int attempts, bool too_old);
  void Run(std::shared_ptr<Mapping> mapping, uint32_t shard);
  void StartWorkers(const std::shared_ptr<Mapping>& mapping);
  MappingStatus StatusOf(const Mapping& mapping) const;
  Status SaveMapping(const MappingConfig& config,
                     std::vector<std::pair<std::string, std::optional<std::string>>> extra);
  std::optional<FunctionConfig> FindFunction(std::string_view name) const;

  db::Database* db_;
  Options options_;
  mutable std::mutex mu_;
  std::map<std::string, FunctionConfig, std::less<>> functions_;            // guarded by mu_
  std::map<std::string, std::shared_ptr<Mapping>, std::less<>> mappings_;   // guarded by mu_
  std::vector<std::shared_ptr<Mapping>> retired_;  // stopping; joined by the destructor
  std::map<std::string, std::shared_ptr<ShardLocks>> shard_locks_;  // by UUID, outlive versions
};

}  // namespace cirrus::streams
