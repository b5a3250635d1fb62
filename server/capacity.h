#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "db/database.h"
#include "db/item/status.h"

namespace cirrus::server {

// --enforce-capacity: PROVISIONED tables and their global secondary indexes get token buckets
// at their read and write capacity units per second, holding up to `burst` seconds of unused
// capacity as DynamoDB's burst capacity does (300 s,
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html).
// A request is admitted while its buckets are not in debt, and what it consumed is taken
// afterwards (its size is known only then), so a bucket may go below zero and refuse the next
// requests until it refills: ProvisionedThroughputExceededException, which the SDKs retry.
// The rate is read from the table's definition at each check, so UpdateTable applies at
// once. On-demand tables are not throttled. Thread-safe.
class CapacityLimiter {
 public:
  explicit CapacityLimiter(db::Database* db, std::chrono::seconds burst = std::chrono::seconds(300));

  // kProvisionedThroughputExceeded when the table's (or, for writes, one of its GSIs')
  // bucket is in debt.
  Status Admit(std::string_view table, bool read);
  // Takes `units` from the table's bucket, or from the index's (`index` not empty).
  void Consume(std::string_view table, std::string_view index, double units, bool read);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
    bool started = false;
  };
  // Refills `b` at `rate` per second up to burst_ * rate. REQUIRES: mu_ held.
  void Refill(Bucket& b, double rate, std::chrono::steady_clock::time_point now);
  // The provisioned rate of (table, index, read); 0 when the table is on demand or gone.
  double RateOf(const db::Table& table, std::string_view index, bool read) const;

  db::Database* const db_;
  const double burst_;
  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, bool>, Bucket, std::less<>> buckets_;  // guarded by mu_
};

}  // namespace cirrus::server
