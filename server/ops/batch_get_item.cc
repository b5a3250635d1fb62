// BatchGetItem: up to 100 keys over up to 100 tables, read in one snapshot.
#include <set>

#include "db/item_codec.h"
#include "server/ops/common.h"
#include "server/ops/ops.h"
#include "server/ops/page.h"
#include "server/wire/item_json.h"

namespace cirrus::server {
namespace {

constexpr size_t kMaxKeys = 100;
constexpr size_t kMaxResponseBytes = 16 * 1024 * 1024;

struct TableRequest {
  std::string name;
  std::shared_ptr<const db::Table> table;
  std::vector<Item> keys;
  std::vector<std::string> stored_keys;
  bool consistent = false;
  std::optional<std::string> projection_expression;
  std::optional<std::vector<std::string>> attributes_to_get;  // as requested, for UnprocessedKeys
  ItemShape shape;
};

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<wire::JsonValue> items = r.Object("RequestItems");
  r.Required("RequestItems", items.has_value());
  CapacityReport capacity = ReadCapacityReport(r);
  std::vector<TableRequest> tables;
  size_t total_keys = 0;
  if (items) {
    std::vector<std::pair<std::string_view, wire::JsonValue>> members = items->members();
    // An empty map has its own text (conformance fact M1), after the model's checks.
    if (!members.empty()) r.Count("RequestItems", members.size(), 1, 100);
    for (const auto& [table_name, spec] : members) {
      std::optional<RequestReader> t = r.Element("RequestItems", 0, spec);
      if (!t) break;
      t->Length("RequestItems", table_name, 1, 1024);
      TableRequest tr;
      tr.name = std::string(table_name);
      std::optional<std::vector<wire::JsonValue>> keys = t->List("Keys");
      t->Required("Keys", keys.has_value());
      if (keys && keys->size() > 100) {
        // No value, the path in the service's own casing (conformance fact M2).
        r.RawViolation("Value at 'RequestItems." + std::string(table_name) +
                       ".member.Keys' failed to satisfy constraint: Member must have length less "
                       "than or equal to 100");
      } else if (keys) {
        t->Count("Keys", keys->size(), 1, 100);
      }
      tr.consistent = t->Bool("ConsistentRead").value_or(false);
      std::optional<std::string_view> projection = t->String("ProjectionExpression");
      tr.attributes_to_get = ReadAttributesToGet(*t);
      ExpressionContext expressions(*t);
      CIRRUS_RETURN_IF_ERROR(expressions.status());
      CIRRUS_RETURN_IF_ERROR(CheckNotMixed({{"AttributesToGet", tr.attributes_to_get.has_value()}},
                                           {{"ProjectionExpression", projection.has_value()}}));
      CIRRUS_ASSIGN_OR_RETURN(tr.shape.projection,
                              ParseProjection(projection, tr.attributes_to_get, expressions));
      CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(projection.has_value(), "ProjectionExpression is null"));
      tr.shape.Prepare();
      if (projection) tr.projection_expression = std::string(*projection);
      for (size_t i = 0; keys && i < keys->size(); ++i) {
        CIRRUS_ASSIGN_OR_RETURN(Item key, ReadItem((*keys)[i]));
        tr.keys.push_back(std::move(key));
      }
      total_keys += tr.keys.size();
      tables.push_back(std::move(tr));
    }
  }
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  if (items && items->size() == 0) {
    return ValidationError("The requestItems parameter is required for BatchGetItem");
  }
  if (total_keys > kMaxKeys) {
    return ValidationError("Too many items requested for the BatchGetItem call");
  }
  for (TableRequest& tr : tables) {
    CIRRUS_ASSIGN_OR_RETURN(tr.table, FindTable(ctx, tr.name));
    std::set<std::string> seen;
    for (const Item& key : tr.keys) {
      std::string stored;
      CIRRUS_RETURN_IF_ERROR(tr.table->codec().EncodeKey(key, &stored));
      if (!seen.insert(stored).second) {
        return ValidationError("Provided list of item keys contains duplicates");
      }
      tr.stored_keys.push_back(std::move(stored));
    }
  }

  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("Responses");
  w.BeginObject();
  // Keys left when the response reached 16 MB, per table: [first unprocessed, end).
  std::vector<size_t> unprocessed_from(tables.size(), SIZE_MAX);
  std::vector<double> units(tables.size(), 0);
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
    std::string item_json;
    bool full = false;
    for (size_t t = 0; t < tables.size(); ++t) {
      const TableRequest& tr = tables[t];
      w.Key(tr.name);
      w.BeginArray();
      for (size_t k = 0; k < tr.stored_keys.size(); ++k) {
        CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> stored,
                                view.Get(*tr.table, tr.stored_keys[k]));
        if (stored) {
          item_json.clear();
          wire::JsonWriter item_writer(&item_json);
          CIRRUS_RETURN_IF_ERROR(tr.shape.Emit(*stored, item_writer).status());
          // Stop before the item that would take the response past 16 MB.
          full = full || body.size() + item_json.size() + 1 > kMaxResponseBytes;
        }
        if (full) {
          unprocessed_from[t] = k;
          break;
        }
        units[t] += ReadUnits(stored ? db::StoredItemSize(*stored) : 0, tr.consistent);
        if (stored) w.Raw(item_json);
      }
      w.EndArray();
    }
  }
  w.EndObject();
  for (size_t t = 0; t < tables.size(); ++t) MeterRead(ctx, tables[t].name, units[t]);
  w.Key("UnprocessedKeys");
  w.BeginObject();
  for (size_t t = 0; t < tables.size(); ++t) {
    if (unprocessed_from[t] == SIZE_MAX) continue;
    w.Key(tables[t].name);
    w.BeginObject();
    w.Key("Keys");
    w.BeginArray();
    for (size_t k = unprocessed_from[t]; k < tables[t].keys.size(); ++k) wire::WriteItem(tables[t].keys[k], w);
    w.EndArray();
    if (tables[t].consistent) {
      w.Key("ConsistentRead");
      w.Bool(true);
    }
    if (tables[t].projection_expression) {
      w.Key("ProjectionExpression");
      w.String(*tables[t].projection_expression);
    }
    if (tables[t].attributes_to_get) {
      w.Key("AttributesToGet");
      w.BeginArray();
      for (const std::string& a : *tables[t].attributes_to_get) w.String(a);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndObject();
  if (capacity != CapacityReport::kNone) {
    w.Key("ConsumedCapacity");
    w.BeginArray();
    for (size_t t = 0; t < tables.size(); ++t) {
      WriteConsumedCapacity(w, capacity, tables[t].name, units[t], true);
    }
    w.EndArray();
  }
  w.EndObject();
  return body;
}

}  // namespace

void BatchGetItem(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
