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

// What a Query or Scan reads: a table, or one of its secondary indexes.
struct ReadTarget {
  std::shared_ptr<const db::Table> table;
  std::shared_ptr<const db::Index> index;  // null: the table itself

  const db::KeySpace& space() const { return index ? static_cast<const db::KeySpace&>(*index) : *table; }
  // The key schema that key conditions, partitions and ExclusiveStartKey follow.
  const db::KeyCodec& codec() const { return index ? index->codec() : table->codec(); }
  bool global_index() const { return index && index->definition().kind == db::IndexKind::kGlobal; }
  // LastEvaluatedKey's attributes: the index's keys (if any), then the table's.
  std::vector<std::string> key_attributes() const;
};

// The table (ResourceNotFound) and the index (IndexName) a Query or Scan reads, and whether
// it can be read as asked: an index being backfilled or deleted cannot, nor a GSI with
// ConsistentRead.
struct PageRequest;
Result<ReadTarget> FindReadTarget(OperationContext& ctx, const PageRequest& request);

// How a read item becomes part of an answer: an optional filter (Query, Scan), an optional
// projection, or only a count. Decodes only the attributes the filter and projection touch;
// an item that needs neither goes from stored bytes straight to JSON. Reading an LSI, an
// answer that needs attributes the index does not project reads them from the table.
struct ItemShape {
  std::optional<BoundCondition> filter;
  std::optional<Projection> projection;
  std::set<std::string, std::less<>> decode;  // filter's and projection's top-level names
  bool count_only = false;
  bool fetch_from_table = false;  // LSI entries: the filter or projection needs the table's item
  bool answer_from_table = false;  // ... and without a projection, so does the answer (Select ALL_ATTRIBUTES)

  void Prepare();  // computes `decode`; call once the members above are set
  // Whether `filtered` passes the filter; if it does and !count_only, writes the answer to
  // `w`: the projection of `filtered`, or `answer` as stored. `filtered` holds every
  // attribute `answer` does (a table item and its index entry, or the same bytes).
  Result<bool> Emit(std::string_view filtered, std::string_view answer, wire::JsonWriter& w) const;
  Result<bool> Emit(std::string_view stored, wire::JsonWriter& w) const { return Emit(stored, stored, w); }
};

// One page of Query or Scan results, written straight into the response:
//   {"Items":[...],"Count":n,"ScannedCount":n,"LastEvaluatedKey":{...},"ConsumedCapacity":{...}}
// A page ends after `limit` items read or once the items read reach 1 MB (the item crossing
// it included); the filter applies after, so Count <= ScannedCount.
// The 1 MB counts the items as read: index entries at their projected size.
class PageBuilder {
 public:
  // `view` serves LSI fetches (ItemShape::fetch_from_table) and must outlive the builder.
  PageBuilder(wire::JsonWriter& w, std::optional<int64_t> limit, const ItemShape& shape,
              const ReadTarget& target, db::ReadView& view);

  // Adds an item (or index entry) read; REQUIRES: !full().
  Status Add(std::string_view stored_item);
  bool full() const { return full_; }
  // A Scan moves on to the next partition. Each partition read is charged on its own: its
  // bytes rounded up to 4 KB, at least one unit even when it holds nothing. This is what
  // makes a Scan of a one-item table on DynamoDB report 4.0 units (2.0 eventually
  // consistent): a new on-demand table has 4 partitions, as ours do (conformance fact C2).
  void NextPartition();

  // Closes the response. `more`: items remain after the last one read (then the page carries
  // LastEvaluatedKey, the key attributes of that item).
  Status Finish(bool more, CapacityReport capacity, bool consistent);
  // The read units of what was read so far (ConsumedCapacity's, and the meter's).
  double consumed_units(bool consistent) const;

 private:
  wire::JsonWriter& w_;
  const ItemShape& shape_;
  const ReadTarget& target_;
  db::ReadView& view_;
  size_t limit_;
  bool full_ = false;
  size_t scanned_ = 0;
  size_t count_ = 0;
  size_t bytes_ = 0;            // read in all partitions
  size_t partition_bytes_ = 0;  // read in the current partition
  double units_ = 0;            // strongly consistent read units of the partitions before it
  std::string last_item_;
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
// Also checks Select against the projection and what the index projects.
Result<ItemShape> ParseItemShape(const PageRequest& request, ExpressionContext& expressions,
                                 const ReadTarget& target);

// Parses an ExclusiveStartKey into a stored key (an index entry's key when reading an
// index): exactly the key attributes of the table, and of the index.
Result<std::string> ReadStartKey(const ReadTarget& target, const wire::JsonValue& json);


}  // namespace cirrus::server
