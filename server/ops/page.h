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
#include "query/legacy.h"
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

// The request members Query and Scan share.
struct PageRequest {
  std::optional<std::string> table_name;
  std::optional<std::string_view> index;
  std::optional<std::string_view> select;
  std::optional<std::vector<std::string>> attributes_to_get;
  std::optional<int64_t> limit;
  bool consistent = false;
  std::optional<std::vector<query::LegacyCondition>> legacy_filter;  // QueryFilter, ScanFilter
  bool has_conditional_operator = false;
  bool or_operator = false;
  std::optional<wire::JsonValue> start_key;
  CapacityReport capacity = CapacityReport::kNone;
  std::optional<std::string_view> projection;  // ProjectionExpression
  std::optional<std::string_view> filter;      // FilterExpression
  Status legacy_status;  // invalid values in the legacy filter
};
// Reads them; `legacy_filter_member` is "QueryFilter" or "ScanFilter".
PageRequest ReadPageRequest(RequestReader& r, std::string_view legacy_filter_member);

// The shape of a page's items: the filter (expression or legacy), the projection, Select.
// Also checks Select against the projection.
Result<ItemShape> ParseItemShape(const PageRequest& request, ExpressionContext& expressions);

// The table a Query or Scan reads: ResourceNotFound, or an IndexName it does not have.
Result<std::shared_ptr<const db::Table>> FindReadTable(OperationContext& ctx,
                                                       const PageRequest& request);

// Parses an ExclusiveStartKey into a stored key: the table's key attributes exactly.
Result<std::string> ReadStartKey(const db::Table& table, const wire::JsonValue& json);


}  // namespace cirrus::server
