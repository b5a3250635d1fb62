// UpdateItem: reads the current item in the write transaction, checks the condition, applies
// the UpdateExpression (or legacy AttributeUpdates), writes the result. Creates the item when
// absent, as DynamoDB does.
#include "query/evaluate.h"
#include "server/wire/item_json.h"
#include "server/ops/ops.h"
#include "server/ops/single_write.h"

namespace cirrus::server {
namespace {

std::optional<std::vector<query::LegacyUpdate>> ReadAttributeUpdates(RequestReader& r,
                                                                     Status* entry_status) {
  std::optional<wire::JsonValue> map = r.Object("AttributeUpdates");
  if (!map) return std::nullopt;
  std::vector<query::LegacyUpdate> out;
  for (const auto& [attribute, spec] : map->members()) {
    std::optional<RequestReader> e = r.Element("AttributeUpdates", 0, spec);
    if (!e) break;
    query::LegacyUpdate u;
    u.attribute = std::string(attribute);
    if (Status name = wire::CheckAttributeName(attribute); !name.ok()) {  // facts I2, I3
      if (entry_status->ok()) *entry_status = std::move(name);
      continue;
    }
    if (std::optional<std::string_view> action = e->String("Action")) u.action = std::string(*action);
    if (std::optional<wire::JsonValue> value = e->Object("Value")) {
      Result<AttributeValue> v = wire::ParseAttributeValue(*value);
      if (!v.ok()) {
        if (entry_status->ok()) *entry_status = v.status();
        continue;
      }
      u.value = std::move(*v);
    }
    out.push_back(std::move(u));
  }
  return out;
}

Status Prepare(OperationContext& ctx, const wire::JsonValue& request, SingleWrite* state) {
  RequestReader r(request);
  WriteParams params = ReadWriteParams(r);
  std::optional<wire::JsonValue> key_json = r.Object("Key");
  r.Required("Key", key_json.has_value());
  std::optional<std::string_view> update_expression = r.String("UpdateExpression");
  Status legacy_status;
  std::optional<std::vector<query::LegacyUpdate>> attribute_updates =
      ReadAttributeUpdates(r, &legacy_status);
  ExpressionContext expressions(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(expressions.status());
  CIRRUS_RETURN_IF_ERROR(legacy_status);

  CIRRUS_ASSIGN_OR_RETURN(Item key, ReadItem(*key_json));
  CIRRUS_RETURN_IF_ERROR(CheckNotMixed(
      {{"AttributeUpdates", attribute_updates.has_value()},
       {"Expected", params.expected.has_value()},
       {"ConditionalOperator", params.has_conditional_operator}},
      {{"UpdateExpression", update_expression.has_value()},
       {"ConditionExpression", params.condition_expression.has_value()}}));
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *params.table_name));
  const db::KeySchema& schema = table->codec().schema();
  const std::vector<std::string> key_names = schema.names();

  BoundUpdate update;
  if (update_expression) {
    CIRRUS_ASSIGN_OR_RETURN(update, ParseBoundUpdate(*update_expression, expressions, key_names));
  } else if (attribute_updates) {
    CIRRUS_ASSIGN_OR_RETURN(update, TranslateBoundUpdate(*attribute_updates, key_names));
  } else {
    update.tree = std::make_shared<const query::UpdateExpression>();  // keeps or creates the item
  }
  CIRRUS_ASSIGN_OR_RETURN(std::optional<BoundCondition> condition,
                          ParseWriteCondition(params, expressions));
  if (update_expression || params.condition_expression) {
    CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(true, ""));
  } else {
    CIRRUS_RETURN_IF_ERROR(
        expressions.CheckUsed(false, "UpdateExpression and ConditionExpression are null"));
  }

  db::ItemWrite write;
  CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKey(key, &write.key));
  write.table = std::move(table);
  for (const query::UpdateAction& a : update.tree->actions) state->updated_paths.push_back(a.path);
  write.decide = UpdateDecision(std::move(condition), std::move(update), std::move(key));
  const std::string& rv = params.return_values;
  write.want_old_image = rv == "ALL_OLD" || rv == "UPDATED_OLD" || params.old_on_failure;
  state->table_name = *params.table_name;
  state->return_values = rv;
  state->old_on_failure = params.old_on_failure;
  state->capacity = params.capacity;
  state->collection_metrics = params.collection_metrics;
  state->batch.writes.push_back(std::move(write));
  return Status();
}

}  // namespace

void UpdateItem(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  auto state = std::make_shared<SingleWrite>();
  Status s = Prepare(ctx, request, state.get());
  if (!s.ok()) return done(std::move(s));
  state->done = std::move(done);
  SubmitSingleWrite(ctx, std::move(state));
}

}  // namespace cirrus::server
