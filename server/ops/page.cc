#include "server/ops/page.h"

#include "db/item_codec.h"
#include "query/evaluate.h"
#include "server/wire/item_json.h"

namespace cirrus::server {

void ItemShape::Prepare() {
  decode.clear();
  if (filter) query::AddAttributeNames(*filter->tree, &decode);
  if (projection) decode.insert(projection->attributes.begin(), projection->attributes.end());
}

Result<bool> ItemShape::Emit(std::string_view stored, wire::JsonWriter& w) const {
  if (!filter && !projection) {
    if (!count_only) CIRRUS_RETURN_IF_ERROR(wire::WriteStoredItem(stored, w));
    return true;
  }
  CIRRUS_ASSIGN_OR_RETURN(Item attributes, db::DecodeItemAttributes(stored, decode));
  if (filter && !filter->Matches(attributes)) return false;
  if (count_only) return true;
  if (projection) {
    wire::WriteItem(query::Project(attributes, projection->paths), w);
  } else {
    CIRRUS_RETURN_IF_ERROR(wire::WriteStoredItem(stored, w));
  }
  return true;
}

PageBuilder::PageBuilder(wire::JsonWriter& w, std::optional<int64_t> limit, const ItemShape& shape)
    : w_(w), shape_(shape), limit_(limit ? static_cast<size_t>(*limit) : SIZE_MAX) {
  w_.BeginObject();
  if (!shape_.count_only) {
    w_.Key("Items");
    w_.BeginArray();
  }
}

Status PageBuilder::Add(std::string_view stored_key, std::string_view stored_item) {
  assert(!full_);
  ++scanned_;
  bytes_ += db::StoredItemSize(stored_item);
  CIRRUS_ASSIGN_OR_RETURN(bool matched, shape_.Emit(stored_item, w_));
  if (matched) ++count_;
  full_ = scanned_ >= limit_ || bytes_ >= kMaxPageBytes;
  if (full_) last_key_ = std::string(stored_key);
  return Status();
}

Status PageBuilder::Finish(const db::Table& table, bool more, CapacityReport capacity,
                           bool consistent) {
  if (!shape_.count_only) w_.EndArray();
  w_.Key("Count");
  w_.Int(static_cast<int64_t>(count_));
  w_.Key("ScannedCount");
  w_.Int(static_cast<int64_t>(scanned_));
  if (full_ && more) {
    CIRRUS_ASSIGN_OR_RETURN(Item key, table.codec().DecodeKey(last_key_));
    w_.Key("LastEvaluatedKey");
    wire::WriteItem(key, w_);
  }
  if (capacity != CapacityReport::kNone) {
    w_.Key("ConsumedCapacity");
    WriteConsumedCapacity(w_, capacity, table.name(), ReadUnits(bytes_, consistent), true);
  }
  w_.EndObject();
  return Status();
}

Result<std::string> ReadStartKey(const db::Table& table, const wire::JsonValue& json) {
  Result<Item> key = ReadItem(json);
  if (!key.ok()) {
    if (key.status().kind() != ErrorKind::kValidation) return key.status();
    return ValidationError("The provided starting key is invalid: " + key.status().message());
  }
  std::string stored;
  Status s = table.codec().EncodeKey(*key, &stored);
  if (!s.ok()) return ValidationError("The provided starting key is invalid: " + s.message());
  return stored;
}

namespace {

// Select and its interplay with a projection, as Query and Scan check it.
Status CheckSelect(std::optional<std::string_view> select, bool has_projection,
                   std::string_view projection_member) {
  if (select == "SPECIFIC_ATTRIBUTES" && !has_projection) {
    return ValidationError(
        "One or more parameter values were invalid: Must specify the AttributesToGet or "
        "ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
  }
  if (select && select != "SPECIFIC_ATTRIBUTES" && has_projection) {
    return ValidationError("One or more parameter values were invalid: Cannot specify the " +
                           std::string(projection_member) + " when choosing to get " +
                           std::string(*select));
  }
  if (select == "ALL_PROJECTED_ATTRIBUTES") {
    return ValidationError(
        "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is "
        "supported only when reading an index");
  }
  return Status();
}

}  // namespace

PageRequest ReadPageRequest(RequestReader& r, std::string_view legacy_filter_member) {
  PageRequest p;
  p.table_name = ReadTableName(r);
  p.index = r.String("IndexName");
  r.Name("IndexName", p.index);
  p.select = r.String("Select");
  r.Enum("Select", p.select, {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"});
  p.attributes_to_get = ReadAttributesToGet(r);
  p.limit = r.Long("Limit");
  r.Minimum("Limit", p.limit, 1);
  p.consistent = r.Bool("ConsistentRead").value_or(false);
  p.legacy_filter = ReadLegacyConditions(r, legacy_filter_member, &p.legacy_status);
  p.has_conditional_operator = r.String("ConditionalOperator").has_value();
  p.or_operator = ReadConditionalOperator(r);
  p.start_key = r.Object("ExclusiveStartKey");
  p.capacity = ReadCapacityReport(r);
  p.projection = r.String("ProjectionExpression");
  p.filter = r.String("FilterExpression");
  return p;
}

Result<ItemShape> ParseItemShape(const PageRequest& request, ExpressionContext& expressions) {
  ItemShape shape;
  shape.count_only = request.select == "COUNT";
  if (request.filter) {
    CIRRUS_ASSIGN_OR_RETURN(shape.filter, ParseBoundCondition(*request.filter,
                                                              query::ExpressionKind::kFilter,
                                                              expressions));
  } else if (request.legacy_filter) {
    CIRRUS_ASSIGN_OR_RETURN(shape.filter,
                            TranslateBoundConditions(*request.legacy_filter, request.or_operator));
  }
  CIRRUS_ASSIGN_OR_RETURN(shape.projection, ParseProjection(request.projection,
                                                            request.attributes_to_get, expressions));
  CIRRUS_RETURN_IF_ERROR(CheckSelect(request.select, shape.projection.has_value(),
                                     request.projection ? "ProjectionExpression" : "AttributesToGet"));
  shape.Prepare();
  return shape;
}

Result<std::shared_ptr<const db::Table>> FindReadTable(OperationContext& ctx,
                                                       const PageRequest& request) {
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *request.table_name));
  if (request.index) {
    return ValidationError("The table does not have the specified index: " + std::string(*request.index));
  }
  return table;
}

}  // namespace cirrus::server
