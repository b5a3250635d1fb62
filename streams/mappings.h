#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/status.h"

namespace cirrus::streams {

// An event source mapping's settings, named as in Lambda's API
// (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
struct MappingConfig {
  std::string uuid;
  std::string function_name;
  std::string event_source_arn;
  std::string starting_position;  // TRIM_HORIZON or LATEST
  int64_t batch_size = 100;
  int64_t maximum_batching_window_seconds = 0;
  int64_t maximum_retry_attempts = -1;      // -1: until the records expire
  int64_t maximum_record_age_seconds = -1;  // -1: no limit
  bool bisect_batch_on_function_error = false;
  int64_t parallelization_factor = 1;        // accepted; shards are processed one batch at a time
  std::string on_failure_destination;        // file:///dir or http://..., empty: none
  std::vector<std::string> filter_patterns;  // FilterCriteria.Filters[].Pattern
  bool report_batch_item_failures = false;   // FunctionResponseTypes
  bool enabled = true;
  int64_t last_modified_ms = 0;
};

// kValidation (Lambda's InvalidParameterValueException) unless the settings are in Lambda's
// ranges, the starting position is one a DynamoDB stream takes, the OnFailure destination is a
// file:///dir or http:// URL, and the filter patterns parse. (Whether the owner allows the
// destination is Triggers' question.)
Status ValidateMapping(const MappingConfig& config);

// Mapping records in the data directory, shared with `cirrus functions list`:
//   "esm/UUID"           the settings (EncodeMapping),
//   "ckpt/UUID/SHARD"    the next sequence number to deliver, decimal (SHARD: 8 hex digits),
//   "status/UUID"        the last processing result, as GetEventSourceMapping reports it.
inline constexpr std::string_view kMappingPrefix = "esm/";
inline constexpr std::string_view kCheckpointPrefix = "ckpt/";
inline constexpr std::string_view kMappingStatusPrefix = "status/";
std::string CheckpointKey(std::string_view uuid, uint32_t shard);

// A random (version 4) UUID: a new mapping's, a failure record's request id.
std::string NewUuid();

// The stored form: a JSON object of the settings under Lambda's member names, with
// LastModifiedMs and Enabled. On disk: members may be added, never renamed.
std::string EncodeMapping(const MappingConfig& config);
// kInternal when `stored` is not a stored mapping.
Result<MappingConfig> DecodeMapping(std::string_view stored);

}  // namespace cirrus::streams
