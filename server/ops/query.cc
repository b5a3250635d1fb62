// Query: one partition key value, a sort key range, in either direction: one cursor range
// scan of the partition that holds the key, in the table or in one of its indexes. A
// multi-attribute GSI key is the same: its partition key values hash together, and the sort
// key tuple's equality prefix extends the range's common prefix.
#include "query/key_condition.h"
#include "query/legacy.h"
#include "server/ops/common.h"
#include "server/ops/ops.h"
#include "server/ops/page.h"
#include "server/wire/base64.h"

namespace cirrus::server {
namespace {

// The stored keys a key condition selects: [lower, upper), upper empty = unbounded.
struct KeyRange {
  std::string lower;
  std::string upper;
};

// The stored keys' common prefix: the partition key values and the sort key equalities.
std::string PrefixOf(const db::KeyCodec& codec, const query::KeyCondition& c) {
  std::string prefix = codec.PartitionPrefix(c.partition_values);
  for (const AttributeValue& v : c.sort_prefix) db::KeyCodec::AppendEncoded(v, &prefix);
  return prefix;
}

KeyRange RangeOf(const db::KeyCodec& codec, const query::KeyCondition& c) {
  using Op = query::KeyCondition::SortOp;
  const std::string prefix = PrefixOf(codec, c);
  auto with = [&](const AttributeValue& v) {
    std::string k = prefix;
    db::KeyCodec::AppendEncoded(v, &k);
    return k;
  };
  // The keys <= k are those < the successor of every key starting with k (index entries
  // extend their index key with the table key), and the keys > k those >= it.
  auto just_after = [](const std::string& k) { return db::PrefixSuccessor(k); };
  KeyRange r{prefix, db::PrefixSuccessor(prefix)};
  switch (c.sort_op) {
    case Op::kNone: break;
    case Op::kEq: r = {with(c.sort_value), just_after(with(c.sort_value))}; break;
    case Op::kLt: r.upper = with(c.sort_value); break;
    case Op::kLe: r.upper = just_after(with(c.sort_value)); break;
    case Op::kGt: r.lower = just_after(with(c.sort_value)); break;
    case Op::kGe: r.lower = with(c.sort_value); break;
    case Op::kBetween:
      r = {with(c.sort_value), just_after(with(c.sort_value2))};
      break;
    case Op::kBeginsWith: {
      std::string p = prefix;
      db::KeyCodec::AppendPrefix(c.sort_value, &p);
      r = {p, db::PrefixSuccessor(p)};
      break;
    }
  }
  return r;
}

bool Below(std::string_view key, const std::string& upper) { return upper.empty() || key < upper; }

// A key as the service's Java renders a map of AttributeValues: {pk=AttributeValue: {S:x}}.
std::string JavaMapText(const Item& key) {
  std::string out = "{";
  for (const auto& [name, value] : key) {
    if (out.size() > 1) out += ", ";
    out += name + "=AttributeValue: {" + std::string(TypeName(value.type())) + ":";
    if (value.is(ValueType::kB)) {
      wire::AppendBase64(value.scalar(), &out);
    } else {
      out += value.scalar();
    }
    out += "}";
  }
  return out + "}";
}

// Query's key attributes as the expression layer names them.
query::QueryKeys KeysOf(const db::KeySchema& schema) {
  query::QueryKeys keys;
  for (const db::KeyAttribute& a : schema.partition_keys) {
    keys.partition_keys.push_back({a.name, db::ToValueType(a.type)});
  }
  for (const db::KeyAttribute& a : schema.sort_keys) {
    keys.sort_keys.push_back({a.name, db::ToValueType(a.type)});
  }
  return keys;
}

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  PageRequest page_request = ReadPageRequest(r, "QueryFilter");
  Status legacy_status;
  std::optional<std::vector<query::LegacyCondition>> key_conditions =
      ReadLegacyConditions(r, "KeyConditions", &legacy_status);
  std::optional<bool> forward = r.Bool("ScanIndexForward");
  std::optional<std::string_view> key_condition = r.String("KeyConditionExpression");
  ExpressionContext expressions(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(expressions.status());
  CIRRUS_RETURN_IF_ERROR(legacy_status);
  CIRRUS_RETURN_IF_ERROR(page_request.legacy_status);
  const PageRequest& params = page_request;

  // KeyConditions counts as a legacy parameter only beside KeyConditionExpression: DynamoDB
  // runs KeyConditions with a FilterExpression or ProjectionExpression.
  CIRRUS_RETURN_IF_ERROR(CheckNotMixed(
      {{"AttributesToGet", params.attributes_to_get.has_value()},
       {"KeyConditions", key_conditions.has_value() && key_condition.has_value()},
       {"QueryFilter", params.legacy_filter.has_value()},
       {"ConditionalOperator", params.has_conditional_operator}},
      {{"ProjectionExpression", params.projection.has_value()},
       {"FilterExpression", params.filter.has_value()},
       {"KeyConditionExpression", key_condition.has_value()}}));
  if (!key_condition && !key_conditions) {
    return ValidationError(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request.");
  }
  CIRRUS_ASSIGN_OR_RETURN(ReadTarget target, FindReadTarget(ctx, params));
  const db::KeyCodec& codec = target.codec();
  const db::KeySchema& schema = codec.schema();
  const query::QueryKeys keys = KeysOf(schema);
  query::KeyCondition condition;
  if (key_condition) {
    CIRRUS_ASSIGN_OR_RETURN(condition, ParseKeyConditionCached(*key_condition, expressions, keys));
  } else {
    CIRRUS_ASSIGN_OR_RETURN(condition, query::TranslateKeyConditions(*key_conditions, keys));
  }
  CIRRUS_ASSIGN_OR_RETURN(ItemShape shape, ParseItemShape(params, expressions, target));
  CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(key_condition || params.filter || params.projection,
                                               "KeyConditionExpression is null"));
  if (shape.filter) {
    std::set<std::string, std::less<>> filtered;
    query::AddAttributeNames(*shape.filter->tree, &filtered);
    for (const std::string& key_name : schema.names()) {
      if (filtered.count(key_name)) {
        return ValidationError(std::string(params.filter ? "Filter Expression" : "QueryFilter") +
                               " can only contain non-primary key attributes: Primary key "
                               "attribute: " + key_name);
      }
    }
  }
  for (size_t i = 0; i < schema.partition_keys.size(); ++i) {
    CIRRUS_RETURN_IF_ERROR(
        codec.ValidateKeyValue(schema.partition_keys[i], condition.partition_values[i], true));
  }
  const std::optional<wire::JsonValue>& start_key = params.start_key;
  const std::optional<int64_t>& limit = params.limit;

  const KeyRange range = RangeOf(codec, condition);
  std::optional<std::string> start;
  if (start_key && !target.index && !schema.sort_key()) {
    // A partition holds one item: there is nothing to restart (conformance fact T6).
    CIRRUS_ASSIGN_OR_RETURN(Item key, ReadItem(*start_key));
    return ValidationError("The provided exclusive start key is invalid: ExclusiveStartKey: " +
                           JavaMapText(key));
  }
  if (start_key) {
    CIRRUS_ASSIGN_OR_RETURN(start, ReadStartKey(target, *start_key));
    // Inside the partition and the sort key equalities, and inside a sort key fixed by
    // equality (conformance fact T5).
    const bool outside =
        start->rfind(PrefixOf(codec, condition), 0) != 0 ||
        (condition.sort_op == query::KeyCondition::SortOp::kEq &&
         (*start < range.lower || !Below(*start, range.upper)));
    if (outside) {
      return ValidationError(
          "The provided starting key is outside query boundaries based on provided conditions");
    }
  }
  const bool ascending = forward.value_or(true);

  std::string body;
  wire::JsonWriter w(&body);
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
  PageBuilder page(w, limit, shape, target, view);
  bool more = false;
  {
    const db::KeySpace& space = target.space();
    CIRRUS_ASSIGN_OR_RETURN(db::PartitionCursor cursor,
                            view.OpenCursor(space, space.PartitionOfKey(range.lower)));
    bool valid;
    if (ascending) {
      valid = start && *start >= range.lower ? cursor.SeekForward(*start, false)
                                              : cursor.SeekForward(range.lower, true);
      while (valid && Below(cursor.key(), range.upper)) {
        if (page.full()) {
          more = true;
          break;
        }
        CIRRUS_RETURN_IF_ERROR(page.Add(cursor.value()));
        valid = cursor.Next();
      }
    } else {
      valid = start && Below(*start, range.upper) ? cursor.SeekBackward(*start, false)
                                                  : cursor.SeekBackward(range.upper, false);
      while (valid && cursor.key() >= range.lower) {
        if (page.full()) {
          more = true;
          break;
        }
        CIRRUS_RETURN_IF_ERROR(page.Add(cursor.value()));
        valid = cursor.Prev();
      }
    }
    CIRRUS_RETURN_IF_ERROR(cursor.status());
  }
  CIRRUS_RETURN_IF_ERROR(page.Finish(more, params.capacity, params.consistent));
  MeterRead(ctx, target.table->name(), page.consumed_units(params.consistent),
            target.index ? &target.index->definition() : nullptr);
  return body;
}

}  // namespace

void Query(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
