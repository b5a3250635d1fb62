#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/status.h"
#include "streams/invoker.h"

namespace cirrus::streams {

// OnFailure destinations: where a mapping sends the record of a batch it gives up on, within
// what the server's owner allows (no network client can make the server write a file or call a
// URL elsewhere).
struct DestinationPolicy {
  // file:// destinations: this absolute directory or below it (created when named).
  std::string failure_dir;
  // http:// destinations: to these hosts only, "host" or "host:port".
  std::vector<std::string> http_hosts;
};

// kValidation (Lambda's InvalidParameterValueException) naming the problem unless `policy`
// allows `destination`; an allowed file:// directory is created if missing.
Status CheckDestination(const DestinationPolicy& policy, const std::string& destination);

// What Lambda's OnFailure record says of a discarded batch
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
struct FailedBatch {
  std::string function_arn;
  std::string stream_arn;
  std::string shard_id;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  int64_t first_arrival_ms = 0;
  int64_t last_arrival_ms = 0;
  size_t size = 0;
  int attempts = 0;
  bool too_old = false;  // RecordAgeExceeded, else RetryAttemptsExhausted
};
std::string FailureRecord(const FailedBatch& batch);

// Writes `record` to `destination` after checking it against `policy` again (the owner may
// have narrowed it since): a file:// destination gets DIR/`name`.json, written to a temporary
// name, synced, renamed and the directory synced; an http:// one a POST. Not OK when the record
// is not safely there; the caller must then not move past the batch.
Status SendFailureRecord(const DestinationPolicy& policy, const std::string& destination,
                         const std::string& name, const std::string& record,
                         const CancelToken* cancel);

}  // namespace cirrus::streams
