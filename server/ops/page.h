#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "db/database.h"
#include "db/item/status.h"
#include "query/expression.h"
#include "server/ops/common.h"
#include "server/ops/expressions.h"
#include "server/wire/json_writer.h"

namespace cirrus::server {

constexpr size_t kMaxPageBytes = 1024 * 1024;  // Query and Scan read at most 1 MB per call

// How a read item becomes part of an answer: an optional filter (Query, Scan), an optional
// projection, or only a count. Decodes only the attributes the filter and projection touch;
// an item that needs neither goes from stored bytes straight to JSON.
struct ItemShape {
  std::optional<BoundCondition> filter;
  std::optional<Projection> projection;
  std::set<std::string, std::less<>> decode;  // filter's and projection's top-level names
  bool count_only = false;

  void Prepare();  // computes `decode`; call once the members above are set
  // Whether `stored` passes the filter; if it does and !count_only, writes it to `w`.
  Result<bool> Emit(std::string_view stored, wire::JsonWriter& w) const;
};

// One page of Query or Scan results, written straight into the response:
//   {"Items":[...],"Count":n,"ScannedCount":n,"LastEvaluatedKey":{...},"ConsumedCapacity":{...}}
// A page ends after `limit` items read or once the items read reach 1 MB (the item crossing
// it included); the filter applies after, so Count <= ScannedCount.
class PageBuilder {
 public:
  PageBuilder(wire::JsonWriter& w, std::optional<int64_t> limit, const ItemShape& shape);

  // Adds an item read; REQUIRES: !full().
  Status Add(std::string_view stored_key, std::string_view stored_item);
  bool full() const { return full_; }

  // Closes the response. `more`: items remain after the last one read (then the page carries
  // LastEvaluatedKey, the key attributes of that item).
  Status Finish(const db::Table& table, bool more, CapacityReport capacity, bool consistent);

 private:
  wire::JsonWriter& w_;
  const ItemShape& shape_;
  size_t limit_;
  bool full_ = false;
  size_t scanned_ = 0;
  size_t count_ = 0;
  size_t bytes_ = 0;
  std::string last_key_;
};

// Parses an ExclusiveStartKey into a stored key: the table's key attributes exactly.
Result<std::string> ReadStartKey(const db::Table& table, const wire::JsonValue& json);

// Select and its interplay with a projection, as Query and Scan check it. `index` is false
// while tables have no secondary indexes.
Status CheckSelect(std::optional<std::string_view> select, bool has_projection,
                   std::string_view projection_member);

}  // namespace cirrus::server
