// GetItem: one point read in a snapshot, the stored bytes transcoded straight to JSON (or
// through the projection).
#include "db/item_codec.h"
#include "server/ops/common.h"
#include "server/ops/ops.h"
#include "server/ops/page.h"

namespace cirrus::server {
namespace {

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  std::optional<wire::JsonValue> key_json = r.Object("Key");
  r.Required("Key", key_json.has_value());
  std::optional<std::vector<std::string>> attributes_to_get = ReadAttributesToGet(r);
  std::optional<bool> consistent = r.Bool("ConsistentRead");
  CapacityReport capacity = ReadCapacityReport(r);
  std::optional<std::string_view> projection_expression = r.String("ProjectionExpression");
  ExpressionContext expressions(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(expressions.status());

  CIRRUS_ASSIGN_OR_RETURN(Item key, ReadItem(*key_json));
  CIRRUS_RETURN_IF_ERROR(CheckNotMixed({{"AttributesToGet", attributes_to_get.has_value()}},
                                       {{"ProjectionExpression", projection_expression.has_value()}}));
  ItemShape shape;
  CIRRUS_ASSIGN_OR_RETURN(shape.projection,
                          ParseProjection(projection_expression, attributes_to_get, expressions));
  CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(projection_expression.has_value(), "ProjectionExpression is null"));
  shape.Prepare();
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *name));
  std::string stored_key;
  CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKey(key, &stored_key));

  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  size_t size = 0;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> stored, view.Get(*table, stored_key));
    if (stored) {
      size = db::StoredItemSize(*stored);
      w.Key("Item");
      CIRRUS_RETURN_IF_ERROR(shape.Emit(*stored, w).status());
    }
  }  // the snapshot ends before the response goes out
  const double units = ReadUnits(size, consistent.value_or(false));
  MeterRead(ctx, *name, units);
  if (capacity != CapacityReport::kNone) {
    w.Key("ConsumedCapacity");
    WriteConsumedCapacity(w, capacity, *name, units, true);
  }
  w.EndObject();
  return body;
}

}  // namespace

void GetItem(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
