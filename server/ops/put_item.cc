// PutItem: replaces the whole item, durably, through the group-committing writer.
#include "server/ops/common.h"
#include "server/ops/ops.h"
#include "server/wire/item_json.h"

namespace cirrus::server {
namespace {

struct PutState {
  db::WriteBatch batch;
  std::string table_name;
  bool return_old = false;
  CapacityReport capacity = CapacityReport::kNone;
  Done done;
};

Status Prepare(OperationContext& ctx, const wire::JsonValue& request, PutState* state) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  std::optional<wire::JsonValue> item_json = r.Object("Item");
  r.Required("Item", item_json.has_value());
  std::optional<std::string_view> return_values = r.String("ReturnValues");
  r.Enum("ReturnValues", return_values, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"});
  state->capacity = ReadCapacityReport(r);
  std::optional<std::string_view> metrics = r.String("ReturnItemCollectionMetrics");
  r.Enum("ReturnItemCollectionMetrics", metrics, {"SIZE", "NONE"});
  std::optional<std::string_view> on_failure = r.String("ReturnValuesOnConditionCheckFailure");
  r.Enum("ReturnValuesOnConditionCheckFailure", on_failure, {"ALL_OLD", "NONE"});
  std::optional<std::string_view> condition = r.String("ConditionExpression");
  std::optional<wire::JsonValue> expected = r.Object("Expected");
  std::optional<std::string_view> conditional_operator = r.String("ConditionalOperator");
  r.Enum("ConditionalOperator", conditional_operator, {"AND", "OR"});
  ExpressionParams params;
  Status params_status = ReadExpressionParams(r, &params);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(params_status);

  CIRRUS_ASSIGN_OR_RETURN(Item item, ReadItem(*item_json));
  if (return_values && *return_values != "NONE" && *return_values != "ALL_OLD") {
    return ValidationError("ReturnValues can only be ALL_OLD or NONE");
  }
  if (condition) return NotYetSupported("ConditionExpression");
  if (expected) return NotYetSupported("Expected");
  CIRRUS_RETURN_IF_ERROR(CheckExpressionParamsUsed(params, false, "ConditionExpression"));
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *name));

  db::ItemWrite write;
  CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKeyOf(item, &write.key));
  size_t size = ItemSize(item);
  if (size > kMaxItemSize) return ValidationError("Item size has exceeded the maximum allowed size");
  write.table = std::move(table);
  write.mutation = db::Mutation::Put(std::move(item), size);
  state->return_old = return_values == "ALL_OLD";
  write.want_old_image = state->return_old;
  state->table_name = *name;
  state->batch.writes.push_back(std::move(write));
  return Status();
}

}  // namespace

void PutItem(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  auto state = std::make_shared<PutState>();
  Status s = Prepare(ctx, request, state.get());
  if (!s.ok()) return done(std::move(s));
  state->done = std::move(done);
  ctx.db->Write(&state->batch, [state](Status status) {
    if (!status.ok()) return state->done(std::move(status));
    const db::ItemWrite& w = state->batch.writes[0];
    std::string body;
    wire::JsonWriter json(&body);
    json.BeginObject();
    if (state->return_old && w.old_image) {
      json.Key("Attributes");
      wire::WriteItem(*w.old_image, json);
    }
    if (state->capacity != CapacityReport::kNone) {
      json.Key("ConsumedCapacity");
      WriteConsumedCapacity(json, state->capacity, state->table_name,
                            WriteUnits(std::max(w.old_size, w.new_size)), false);
    }
    json.EndObject();
    state->done(std::move(body));
  });
}

}  // namespace cirrus::server
