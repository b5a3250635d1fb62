// DeleteItem: removes one item (a missing item is not an error), after its condition.
#include "server/ops/ops.h"
#include "server/ops/single_write.h"

namespace cirrus::server {
namespace {

Status Prepare(OperationContext& ctx, const wire::JsonValue& request, SingleWrite* state) {
  RequestReader r(request);
  WriteParams params = ReadWriteParams(r);
  std::optional<wire::JsonValue> key_json = r.Object("Key");
  r.Required("Key", key_json.has_value());
  ExpressionContext expressions(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(expressions.status());

  CIRRUS_ASSIGN_OR_RETURN(Item key, ReadItem(*key_json));
  if (params.return_values != "NONE" && params.return_values != "ALL_OLD") {
    return ValidationError("ReturnValues can only be ALL_OLD or NONE");
  }
  CIRRUS_RETURN_IF_ERROR(CheckNotMixed(
      {{"Expected", params.expected.has_value()}, {"ConditionalOperator", params.has_conditional_operator}},
      {{"ConditionExpression", params.condition_expression.has_value()}}));
  CIRRUS_ASSIGN_OR_RETURN(std::optional<BoundCondition> condition,
                          ParseWriteCondition(params, expressions));
  CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(params.condition_expression.has_value(), "ConditionExpression is null"));
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *params.table_name));

  db::ItemWrite write;
  CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKey(key, &write.key));
  write.table = std::move(table);
  write.mutation = db::Mutation::Delete();
  if (condition) {
    write.check = [condition](const Item* current) { return CheckCondition(condition, current); };
  }
  write.want_old_image = params.return_values == "ALL_OLD" || params.old_on_failure;
  state->table_name = *params.table_name;
  state->return_values = params.return_values;
  state->old_on_failure = params.old_on_failure;
  state->capacity = params.capacity;
  state->batch.writes.push_back(std::move(write));
  return Status();
}

}  // namespace

void DeleteItem(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  auto state = std::make_shared<SingleWrite>();
  Status s = Prepare(ctx, request, state.get());
  if (!s.ok()) return done(std::move(s));
  state->done = std::move(done);
  SubmitSingleWrite(ctx, std::move(state));
}

}  // namespace cirrus::server
