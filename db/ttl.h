#pragma once
// Time to live (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html):
// in a table with TTL enabled, an item whose TTL attribute is a Number of epoch seconds
// before now has expired, and is deleted in the background through the write path (index
// entries and item counts follow; the stream record is a REMOVE marked as the service's).
// Until then reads still return it. Items without the attribute, with another type, or more
// than five years past are never deleted, as DynamoDB does.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/database.h"

namespace cirrus::db {

// Whether `item` has expired at `now_s` under a TTL on `attribute`.
bool HasExpired(const Item& item, std::string_view attribute, int64_t now_s);

struct ExpiryPass {
  size_t scanned = 0;  // items read
  size_t deleted = 0;  // items deleted
};

struct ExpiryOptions {
  std::optional<std::string> table;  // only this table (default: every table with TTL)
  size_t chunk = 1000;  // items read per snapshot
  size_t batch = 100;   // deletions per write batch
  const std::atomic<bool>* cancel = nullptr;  // when true, stops between chunks
};

// One pass over the tables with TTL enabled at `now_s` (epoch seconds): reads each table in
// snapshots of `chunk` items (none held while writing) and deletes the expired ones in
// batches (each re-checks its items inside the write, so an item updated meanwhile stays).
Result<ExpiryPass> ExpireItems(Database& db, int64_t now_s, const ExpiryOptions& options = {});

}  // namespace cirrus::db
