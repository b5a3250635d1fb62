#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/database.h"
#include "db/item/status.h"
#include "server/ops/common.h"
#include "server/wire/json_writer.h"

namespace cirrus::server {

constexpr size_t kMaxPageBytes = 1024 * 1024;  // Query and Scan read at most 1 MB per call

// One page of Query or Scan results, written straight from stored items into the response:
//   {"Items":[...],"Count":n,"ScannedCount":n,"LastEvaluatedKey":{...},"ConsumedCapacity":{...}}
// A page ends after `limit` items or once the items read reach 1 MB (the item crossing it
// included). Filters (a later issue) will apply after the limit, as DynamoDB's do.
class PageBuilder {
 public:
  PageBuilder(wire::JsonWriter& w, std::optional<int64_t> limit, bool count_only);

  // Adds an item read; REQUIRES: !full().
  Status Add(std::string_view stored_key, std::string_view stored_item);
  bool full() const { return full_; }

  // Closes the response. `more`: items remain after the last one read (then the page carries
  // LastEvaluatedKey, the key attributes of that item).
  Status Finish(const db::Table& table, bool more, CapacityReport capacity, bool consistent);

 private:
  wire::JsonWriter& w_;
  size_t limit_;
  bool count_only_;
  bool full_ = false;
  size_t scanned_ = 0;
  size_t bytes_ = 0;
  std::string last_key_;
};

// Parses an ExclusiveStartKey into a stored key: the table's key attributes exactly.
Result<std::string> ReadStartKey(const db::Table& table, const wire::JsonValue& json);

}  // namespace cirrus::server
