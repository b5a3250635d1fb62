// Scan: the table (or an index) in hash order, partition after partition. Segment s of TotalSegments t is
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
  PageRequest page_request = ReadPageRequest(r, "ScanFilter");
  std::optional<int64_t> total_segments = r.Long("TotalSegments");
  r.Minimum("TotalSegments", total_segments, 1);
  r.Maximum("TotalSegments", total_segments, kMaxTotalSegments);
  std::optional<int64_t> segment = r.Long("Segment");
  r.Minimum("Segment", segment, 0);
  r.Maximum("Segment", segment, kMaxTotalSegments - 1);
  ExpressionContext expressions(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(expressions.status());
  CIRRUS_RETURN_IF_ERROR(page_request.legacy_status);
  const PageRequest& params = page_request;

  CIRRUS_RETURN_IF_ERROR(CheckNotMixed(
      {{"AttributesToGet", params.attributes_to_get.has_value()},
       {"ScanFilter", params.legacy_filter.has_value()},
       {"ConditionalOperator", params.has_conditional_operator}},
      {{"ProjectionExpression", params.projection.has_value()}, {"FilterExpression", params.filter.has_value()}}));
  if (segment && !total_segments) {
    return ValidationError(
        "The TotalSegments parameter is required but was not present in the request when "
        "Segment parameter is present");  // sic: the service's word order (fact M11)
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
  CIRRUS_ASSIGN_OR_RETURN(ReadTarget target, FindReadTarget(ctx, params));
  CIRRUS_ASSIGN_OR_RETURN(ItemShape shape, ParseItemShape(params, expressions, target));
  CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(params.filter || params.projection, "FilterExpression is null"));
  const std::optional<wire::JsonValue>& start_key = params.start_key;
  const std::optional<int64_t>& limit = params.limit;

  // The segment's hash range [low, high]; both inclusive so that 2^64 - 1 fits.
  using u128 = unsigned __int128;
  const u128 total = total_segments ? static_cast<u128>(*total_segments) : 1;
  const u128 seg = segment ? static_cast<u128>(*segment) : 0;
  const uint64_t low = static_cast<uint64_t>((seg << 64) / total);
  const uint64_t high = static_cast<uint64_t>((((seg + 1) << 64) / total) - 1);
  const bool last_segment = seg + 1 == total;
  const std::string upper = last_segment ? "" : HashKey(high + 1);  // exclusive; "" unbounded

  std::optional<std::string> start;
  const db::KeySpace& space = target.space();
  uint32_t first_partition = db::PartitionOf(low, space.partition_count());
  const uint32_t last_partition = db::PartitionOf(high, space.partition_count());
  if (start_key) {
    CIRRUS_ASSIGN_OR_RETURN(start, ReadStartKey(target, *start_key));
    uint64_t hash = db::KeyCodec::HashOf(*start);
    if (hash < low || hash > high) {
      return ValidationError(
          "The provided starting key is invalid: Exclusive start key must lie within the "
          "segment");
    }
    first_partition = space.PartitionOfKey(*start);
  }

  std::string body;
  wire::JsonWriter w(&body);
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
  PageBuilder page(w, limit, shape, target, view);
  bool more = false;
  {
    const std::string lower = HashKey(low);
    for (uint32_t partition = first_partition; partition <= last_partition && !more; ++partition) {
      // A full page only looks for what follows it: that read is not charged.
      if (partition != first_partition && !page.full()) page.NextPartition();
      CIRRUS_ASSIGN_OR_RETURN(db::PartitionCursor cursor, view.OpenCursor(space, partition));
      bool valid = start && partition == first_partition ? cursor.SeekForward(*start, false)
                                                 : cursor.SeekForward(lower, true);
      for (; valid && (upper.empty() || cursor.key() < upper); valid = cursor.Next()) {
        if (page.full()) {
          more = true;
          break;
        }
        CIRRUS_RETURN_IF_ERROR(page.Add(cursor.value()));
      }
      CIRRUS_RETURN_IF_ERROR(cursor.status());
    }
  }
  CIRRUS_RETURN_IF_ERROR(page.Finish(more, params.capacity, params.consistent));
  MeterRead(ctx, target.table->name(), page.consumed_units(params.consistent),
            target.index ? &target.index->definition() : nullptr);
  return body;
}

}  // namespace

void Scan(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
