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

Result<bool> ItemShape::Emit(std::string_view filtered, std::string_view answer,
                             wire::JsonWriter& w) const {
  if (!filter && !projection) {
    if (!count_only) CIRRUS_RETURN_IF_ERROR(WriteStoredItem(answer, w));
    return true;
  }
  CIRRUS_ASSIGN_OR_RETURN(Item attributes, db::DecodeItemAttributes(filtered, decode));
  if (filter && !filter->Matches(attributes)) return false;
  if (count_only) return true;
  if (projection) {
    wire::WriteItem(query::Project(attributes, projection->paths), w);
  } else {
    CIRRUS_RETURN_IF_ERROR(WriteStoredItem(answer, w));
  }
  return true;
}

std::vector<std::string> ReadTarget::key_attributes() const {
  if (index) return index->key_attributes();
  return table->codec().schema().names();
}

Result<ReadTarget> FindReadTarget(OperationContext& ctx, const PageRequest& request) {
  ReadTarget target;
  CIRRUS_ASSIGN_OR_RETURN(target.table, FindTable(ctx, *request.table_name));
  if (!request.index) return target;
  const std::string name(*request.index);
  target.index = target.table->FindIndex(name);
  if (!target.index || target.index->definition().status == db::IndexStatus::kDeleting) {
    return ValidationError("The table does not have the specified index: " + name);
  }
  if (!target.index->readable()) {
    return ValidationError("Cannot read from backfilling global secondary index: " + name);
  }
  if (target.global_index() && request.consistent) {
    return ValidationError("Consistent reads are not supported on global secondary indexes");
  }
  return target;
}

PageBuilder::PageBuilder(wire::JsonWriter& w, std::optional<int64_t> limit, const ItemShape& shape,
                         const ReadTarget& target, db::ReadView& view)
    : w_(w),
      shape_(shape),
      target_(target),
      view_(view),
      limit_(limit ? static_cast<size_t>(*limit) : SIZE_MAX) {
  w_.BeginObject();
  if (!shape_.count_only) {
    w_.Key("Items");
    w_.BeginArray();
  }
}

Status PageBuilder::Add(std::string_view stored_item) {
  assert(!full_);
  ++scanned_;
  const size_t size = db::StoredItemSize(stored_item);
  bytes_ += size;
  partition_bytes_ += size;
  std::string_view filtered = stored_item;
  bool present = true;
  if (shape_.fetch_from_table) {
    // The entry holds the table's key attributes: the item is one lookup away, in the same
    // snapshot (so it is there).
    const std::vector<std::string> key_names = target_.table->codec().schema().names();
    std::set<std::string, std::less<>> names(key_names.begin(), key_names.end());
    CIRRUS_ASSIGN_OR_RETURN(Item key, db::DecodeItemAttributes(stored_item, names));
    std::string table_key;
    CIRRUS_RETURN_IF_ERROR(target_.table->codec().EncodeKeyOf(key, &table_key));
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> item, view_.Get(*target_.table, table_key));
    present = item.has_value();
    if (item) filtered = *item;
  }
  if (present) {
    std::string_view answer = shape_.answer_from_table ? filtered : stored_item;
    CIRRUS_ASSIGN_OR_RETURN(bool matched, shape_.Emit(filtered, answer, w_));
    if (matched) ++count_;
  }
  full_ = scanned_ >= limit_ || bytes_ >= kMaxPageBytes;
  if (full_) last_item_ = std::string(stored_item);
  return Status();
}

void PageBuilder::NextPartition() {
  units_ += ReadUnits(partition_bytes_, true);
  partition_bytes_ = 0;
}

double PageBuilder::consumed_units(bool consistent) const {
  const double units = units_ + ReadUnits(partition_bytes_, true);
  return consistent ? units : units / 2;
}

Status PageBuilder::Finish(bool more, CapacityReport capacity, bool consistent) {
  if (!shape_.count_only) w_.EndArray();
  w_.Key("Count");
  w_.Int(static_cast<int64_t>(count_));
  w_.Key("ScannedCount");
  w_.Int(static_cast<int64_t>(scanned_));
  if (full_ && more) {
    std::vector<std::string> names = target_.key_attributes();
    CIRRUS_ASSIGN_OR_RETURN(Item key, db::DecodeItemAttributes(
                                          last_item_, std::set<std::string, std::less<>>(
                                                          names.begin(), names.end())));
    w_.Key("LastEvaluatedKey");
    wire::WriteItem(key, w_);
  }
  if (capacity != CapacityReport::kNone) {
    w_.Key("ConsumedCapacity");
    WriteConsumedCapacity(w_, capacity, target_.table->name(), consumed_units(consistent), true,
                          target_.index ? &target_.index->definition() : nullptr);
  }
  w_.EndObject();
  return Status();
}

Result<std::string> ReadStartKey(const ReadTarget& target, const wire::JsonValue& json) {
  Result<Item> key = ReadItem(json);
  if (!key.ok()) {
    if (key.status().kind() != ErrorKind::kValidation) return key.status();
    return ValidationError("The provided starting key is invalid: " + key.status().message());
  }
  auto invalid = [](const Status& s) {
    return ValidationError("The provided starting key is invalid: " + s.message());
  };
  std::string stored;
  if (!target.index) {
    Status s = target.table->codec().EncodeKey(*key, &stored);
    if (!s.ok()) return invalid(s);
    return stored;
  }
  const std::vector<std::string> names = target.key_attributes();
  bool exact = key->size() == names.size();
  for (const std::string& name : names) exact = exact && key->count(name);
  if (!exact) {
    return ValidationError(
        "The provided starting key is invalid: The provided key element does not match the schema");
  }
  // Both codecs check the key types; the entry key is the index key ++ the table key.
  std::string scratch;
  Status s = target.index->codec().EncodeKeyOf(*key, &scratch);
  if (s.ok()) s = target.table->codec().EncodeKeyOf(*key, &scratch);
  if (s.ok()) s = target.index->StoredKeyOf(*key, &stored);
  if (!s.ok()) return invalid(s);
  return stored;
}

namespace {

// Select and its interplay with a projection, as Query and Scan check it.
Status CheckSelect(std::optional<std::string_view> select, bool has_projection,
                   std::string_view projection_member, const ReadTarget& target) {
  if (select == "ALL_PROJECTED_ATTRIBUTES" && !target.index) {
    return ValidationError(
        "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is "
        "supported only when reading an index");
  }
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
  return Status();
}

// What reading an index can answer: a GSI only what it projects; an LSI reads what it does
// not project from the table (DynamoDB's rules: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html).
Status CheckIndexProjection(const PageRequest& request, const ReadTarget& target, ItemShape* shape) {
  const db::Index& index = *target.index;
  const bool global = target.global_index();
  if (index.definition().projection == db::ProjectionType::kAll) return Status();
  if (request.select == "ALL_ATTRIBUTES") {
    if (global) {
      return ValidationError(
          "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
          "supported for global secondary index " + index.name() +
          " because its projection type is not ALL");
    }
    shape->fetch_from_table = shape->answer_from_table = true;
  }
  if (shape->projection) {
    for (const std::string& name : shape->projection->attributes) {
      if (index.Projects(name)) continue;
      if (global) {
        return ValidationError("One or more parameter values were invalid: Global secondary index " +
                               index.name() + " does not project the requested attribute " + name);
      }
      shape->fetch_from_table = true;
    }
  }
  // A filter reads the attributes it names; on a GSI, those not projected are absent.
  if (shape->filter && !global) {
    std::set<std::string, std::less<>> names;
    query::AddAttributeNames(*shape->filter->tree, &names);
    for (const std::string& name : names) {
      if (!index.Projects(name)) shape->fetch_from_table = true;
    }
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
  // The enum lists are in the service's order, not the SDK model's (conformance fact M7).
  r.Enum("Select", p.select, {"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"});
  p.attributes_to_get = ReadAttributesToGet(r);
  p.limit = r.Long("Limit");
  if (legacy_filter_member == "QueryFilter" && p.limit && *p.limit < 1) {
    // Query words it without the value and with the member's own name (conformance fact M10).
    r.RawViolation("Value at 'Limit' failed to satisfy constraint: Member must have value greater "
                   "than or equal to 1");
  } else {
    r.Minimum("Limit", p.limit, 1);
  }
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

Result<ItemShape> ParseItemShape(const PageRequest& request, ExpressionContext& expressions,
                                 const ReadTarget& target) {
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
                                     request.projection ? "ProjectionExpression" : "AttributesToGet",
                                     target));
  if (target.index) CIRRUS_RETURN_IF_ERROR(CheckIndexProjection(request, target, &shape));
  shape.Prepare();
  return shape;
}

}  // namespace cirrus::server
