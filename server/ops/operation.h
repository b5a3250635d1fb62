#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <string_view>

#include "db/database.h"
#include "db/item/status.h"
#include "db/usage.h"
#include "server/wire/json.h"

namespace cirrus::server {

// Server-wide settings the operations need.
struct ServerConfig {
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  uint32_t default_partitions = 4;  // for new tables; a power of two
  // Origins whose pages may call the DynamoDB API (CORS): {"*"} any, as DynamoDB; empty: none.
  std::vector<std::string> cors_origins = {"*"};
  // The fraction (0 to 1) of TransactWriteItems calls cancelled with a TransactionConflict
  // reason, as DynamoDB cancels transactions that race on an item: lets applications test
  // their retry logic locally (--transaction-conflict-rate). 0: never.
  double transaction_conflict_rate = 0;
  // ClientRequestTokens remembered at most (--max-transaction-tokens); past it, the oldest
  // are forgotten before their 10 minutes.
  size_t max_transaction_tokens = 1000000;
  // The least time between two UpdateTimeToLive changes of a table (--ttl-cooldown); DynamoDB
  // allows about one an hour.
  int64_t ttl_cooldown_s = 3600;
  // Where on-demand backups are kept (DATA_DIR/backups); empty: backups are not served.
  std::string backup_dir;
  // Backups and restores queued or running at most (--max-backup-jobs).
  size_t max_backup_jobs = 4;
  // Count requests for GET /metrics (--metrics).
  bool metrics = true;
};

class TransactionTokens;
class CapacityLimiter;
class TransactionConflicts;
class Backups;

// What every operation works with. Thread-safe; shared by all requests.
struct OperationContext {
  db::Database* db;
  const ServerConfig* config;
  // TransactWriteItems' idempotency; shared with the writes in flight, which may complete
  // after the context is gone.
  std::shared_ptr<TransactionTokens> tokens;
  // --transaction-conflict-rate's simulation (shared for the same reason).
  std::shared_ptr<TransactionConflicts> conflicts;
  // On-demand backups and restores (server/backups.h).
  std::shared_ptr<Backups> backups;
  // Metering (db/usage.h): every request's units, asked for or not. Null: not metered.
  db::UsageMeter* meter = nullptr;
  // --enforce-capacity (server/capacity.h); null: nothing is throttled.
  CapacityLimiter* limiter = nullptr;
};

// What an operation answers: a JSON body, or an error whose body may carry extra members
// (ConditionalCheckFailedException's "Item").
struct Outcome {
  Outcome(Result<std::string> result)  // NOLINT: a body or a plain error
      : status(result.ok() ? Status() : result.status()),
        body(result.ok() ? std::move(*result) : std::string()) {}
  Outcome(Status s) : status(std::move(s)) {}  // NOLINT
  Outcome(std::string response) : body(std::move(response)) {}  // NOLINT
  Outcome(Status s, std::string extra_error_members)
      : status(std::move(s)), body(std::move(extra_error_members)) {}

  Status status;
  std::string body;  // the response when status is OK, else `"Item":{...}`-like members or ""
};

// Completes an operation. Called exactly once, from any thread (writes complete on the
// database's writer thread).
using Done = std::function<void(Outcome)>;

// An operation: reads its request, does its work, calls `done`. The request (a view into the
// thread's parser) is valid only until the operation returns: copy what outlives it.
using Operation = void (*)(OperationContext& ctx, const wire::JsonValue& request, Done done);

// The operation named by X-Amz-Target's suffix ("PutItem"), or nullptr when not served.
Operation FindOperation(std::string_view name);
// The DynamoDB Streams operation named by X-Amz-Target's suffix, or nullptr.
Operation FindStreamsOperation(std::string_view name);

}  // namespace cirrus::server
