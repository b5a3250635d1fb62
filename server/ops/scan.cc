// Scan: the table in hash order, partition after partition. Segment s of TotalSegments t is
// the hash range [s * 2^64 / t, (s + 1) * 2^64 / t): disjoint segments that cover the table,
// each read as one or more partition range scans.
#include "query/legacy.h"
#include "server/ops/common.h"
#include "server/ops/ops.h"
#include "server/ops/page.h"

namespace cirrus::server {
namespace {

constexpr int64_t kMaxTotalSegments = 1000000;

std::string HashKey(uint64_t hash) {
  std::string k;
  db::AppendBigEndian64(hash, &k);
  return k;
}

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  std::optional<std::string_view> index = r.String("IndexName");
  r.Name("IndexName", index);
  std::optional<std::vector<std::string>> attributes_to_get = ReadAttributesToGet(r);
  std::optional<int64_t> limit = r.Long("Limit");
  r.Minimum("Limit", limit, 1);
  std::optional<std::string_view> select = r.String("Select");
  r.Enum("Select", select, {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"});
  Status legacy_status;
  std::optional<std::vector<query::LegacyCondition>> scan_filter =
      ReadLegacyConditions(r, "ScanFilter", &legacy_status);
  const bool has_conditional_operator = r.String("ConditionalOperator").has_value();
  const bool or_operator = ReadConditionalOperator(r);
  std::optional<wire::JsonValue> start_key = r.Object("ExclusiveStartKey");
  CapacityReport capacity = ReadCapacityReport(r);
  std::optional<int64_t> total_segments = r.Long("TotalSegments");
  r.Minimum("TotalSegments", total_segments, 1);
  r.Maximum("TotalSegments", total_segments, kMaxTotalSegments);
  std::optional<int64_t> segment = r.Long("Segment");
  r.Minimum("Segment", segment, 0);
  r.Maximum("Segment", segment, kMaxTotalSegments - 1);
  std::optional<std::string_view> projection = r.String("ProjectionExpression");
  std::optional<std::string_view> filter = r.String("FilterExpression");
  std::optional<bool> consistent = r.Bool("ConsistentRead");
  ExpressionContext expressions(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(expressions.status());
  CIRRUS_RETURN_IF_ERROR(legacy_status);

  CIRRUS_RETURN_IF_ERROR(CheckNotMixed(
      {{"AttributesToGet", attributes_to_get.has_value()},
       {"ScanFilter", scan_filter.has_value()},
       {"ConditionalOperator", has_conditional_operator}},
      {{"ProjectionExpression", projection.has_value()}, {"FilterExpression", filter.has_value()}}));
  ItemShape shape;
  shape.count_only = select == "COUNT";
  if (filter) {
    CIRRUS_ASSIGN_OR_RETURN(shape.filter, ParseBoundCondition(*filter, query::ExpressionKind::kFilter,
                                                              expressions));
  } else if (scan_filter) {
    CIRRUS_ASSIGN_OR_RETURN(shape.filter, TranslateBoundConditions(*scan_filter, or_operator));
  }
  CIRRUS_ASSIGN_OR_RETURN(shape.projection, ParseProjection(projection, attributes_to_get, expressions));
  CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(filter || projection, "FilterExpression is null"));
  shape.Prepare();
  if (segment && !total_segments) {
    return ValidationError(
        "The TotalSegments parameter is required but was not present in the request when "
        "parameter Segment is present");
  }
  if (total_segments && !segment) {
    return ValidationError(
        "The Segment parameter is required but was not present in the request when parameter "
        "TotalSegments is present");
  }
  if (segment && *segment >= *total_segments) {
    return ValidationError(
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: " + std::to_string(*segment) + " is not less than TotalSegments: " +
        std::to_string(*total_segments));
  }
  CIRRUS_RETURN_IF_ERROR(CheckSelect(select, projection || attributes_to_get,
                                     projection ? "ProjectionExpression" : "AttributesToGet"));
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *name));
  if (index) {
    return ValidationError("The table does not have the specified index: " + std::string(*index));
  }

  // The segment's hash range [low, high]; both inclusive so that 2^64 - 1 fits.
  using u128 = unsigned __int128;
  const u128 total = total_segments ? static_cast<u128>(*total_segments) : 1;
  const u128 seg = segment ? static_cast<u128>(*segment) : 0;
  const uint64_t low = static_cast<uint64_t>((seg << 64) / total);
  const uint64_t high = static_cast<uint64_t>((((seg + 1) << 64) / total) - 1);
  const bool last_segment = seg + 1 == total;
  const std::string upper = last_segment ? "" : HashKey(high + 1);  // exclusive; "" unbounded

  std::optional<std::string> start;
  uint32_t first_partition = db::PartitionOf(low, table->partition_count());
  const uint32_t last_partition = db::PartitionOf(high, table->partition_count());
  if (start_key) {
    CIRRUS_ASSIGN_OR_RETURN(start, ReadStartKey(*table, *start_key));
    uint64_t hash = db::KeyCodec::HashOf(*start);
    if (hash < low || hash > high) {
      return ValidationError(
          "The provided starting key is invalid: Exclusive start key must lie within the "
          "segment");
    }
    first_partition = table->PartitionOfKey(*start);
  }

  std::string body;
  wire::JsonWriter w(&body);
  PageBuilder page(w, limit, shape);
  bool more = false;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
    const std::string lower = HashKey(low);
    for (uint32_t p = first_partition; p <= last_partition && !more; ++p) {
      CIRRUS_ASSIGN_OR_RETURN(db::PartitionCursor cursor, view.OpenCursor(*table, p));
      bool valid = start && p == first_partition ? cursor.SeekForward(*start, false)
                                                 : cursor.SeekForward(lower, true);
      for (; valid && (upper.empty() || cursor.key() < upper); valid = cursor.Next()) {
        if (page.full()) {
          more = true;
          break;
        }
        CIRRUS_RETURN_IF_ERROR(page.Add(cursor.key(), cursor.value()));
      }
      CIRRUS_RETURN_IF_ERROR(cursor.status());
    }
  }
  CIRRUS_RETURN_IF_ERROR(page.Finish(*table, more, capacity, consistent.value_or(false)));
  return body;
}

}  // namespace

void Scan(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
