#include "server/ops/single_write.h"

#include <algorithm>

#include "query/evaluate.h"
#include "server/ops/transaction_conflicts.h"
#include "server/wire/item_json.h"

namespace cirrus::server {

WriteParams ReadWriteParams(RequestReader& r) {
  WriteParams p;
  p.table_name = ReadTableName(r);
  std::optional<std::string_view> return_values = r.String("ReturnValues");
  r.Enum("ReturnValues", return_values, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"});
  if (return_values) p.return_values = std::string(*return_values);
  p.capacity = ReadCapacityReport(r);
  std::optional<std::string_view> metrics = r.String("ReturnItemCollectionMetrics");
  r.Enum("ReturnItemCollectionMetrics", metrics, {"SIZE", "NONE"});
  p.collection_metrics = metrics == "SIZE";
  std::optional<std::string_view> on_failure = r.String("ReturnValuesOnConditionCheckFailure");
  r.Enum("ReturnValuesOnConditionCheckFailure", on_failure, {"ALL_OLD", "NONE"});
  p.old_on_failure = on_failure == "ALL_OLD";
  p.condition_expression = r.String("ConditionExpression");
  p.expected = ReadLegacyConditions(r, "Expected", &p.legacy_status);
  p.has_conditional_operator = r.String("ConditionalOperator").has_value();
  p.or_operator = ReadConditionalOperator(r);
  return p;
}

Result<std::optional<BoundCondition>> ParseWriteCondition(const WriteParams& params,
                                                          ExpressionContext& expressions) {
  CIRRUS_RETURN_IF_ERROR(params.legacy_status);
  // Conformance fact L2 (probable text: DynamoDB Local's). An empty Expected alone is fine.
  if (params.has_conditional_operator && (!params.expected || params.expected->empty())) {
    return ValidationError("ConditionalOperator cannot be used without Filter or Expected");
  }
  if (params.condition_expression) {
    CIRRUS_ASSIGN_OR_RETURN(BoundCondition c,
                            ParseBoundCondition(*params.condition_expression,
                                                query::ExpressionKind::kCondition, expressions));
    return std::optional<BoundCondition>(std::move(c));
  }
  if (params.expected) return TranslateBoundConditions(*params.expected, params.or_operator);
  return std::optional<BoundCondition>();
}

Status CheckCondition(const std::optional<BoundCondition>& condition, const Item* current) {
  static const Item kNoItem;
  if (condition && !condition->Matches(current ? *current : kNoItem)) {
    return Status(ErrorKind::kConditionalCheckFailed, "The conditional request failed");
  }
  return Status();
}

std::function<Status(const Item* current)> ConditionCheck(std::optional<BoundCondition> condition) {
  return [condition = std::move(condition)](const Item* current) {
    return CheckCondition(condition, current);
  };
}

std::function<Result<db::Mutation>(const Item* current)> UpdateDecision(
    std::optional<BoundCondition> condition, BoundUpdate update, Item key) {
  const std::vector<query::UpdateAction>& actions = update.tree->actions;
  // AttributeUpdates' DELETE with a set Value removes too (the facts file: "should behave
  // the same"; not observed on the service).
  const bool legacy = update.tree->legacy;
  const bool only_removes =
      !actions.empty() && std::all_of(actions.begin(), actions.end(), [&](const query::UpdateAction& a) {
        return a.kind == query::UpdateAction::Kind::kRemove ||
               (legacy && a.kind == query::UpdateAction::Kind::kDelete);
      });
  return [condition = std::move(condition), update = std::move(update), key = std::move(key),
          only_removes](const Item* current) -> Result<db::Mutation> {
    CIRRUS_RETURN_IF_ERROR(CheckCondition(condition, current));
    // DynamoDB creates no item for an update that only removes attributes (nothing written,
    // no stream record); an update without actions still creates the key-only item.
    if (!current && only_removes) return db::Mutation::Keep();
    Item next = current ? *current : key;
    CIRRUS_RETURN_IF_ERROR(query::ApplyUpdate(*update.tree, update.values, &next));
    size_t size = ItemSize(next);
    if (size > kMaxItemSize) {
      return ValidationError("Item size to update has exceeded the maximum allowed size");
    }
    return db::Mutation::Put(std::move(next), size);
  };
}

void SubmitSingleWrite(OperationContext& ctx, std::shared_ptr<SingleWrite> state) {
  db::WriteBatch* batch = &state->batch;
  if (ctx.conflicts && ctx.conflicts->Refuses(*batch->writes[0].table, batch->writes[0].key)) {
    return state->done(
        Status(ErrorKind::kTransactionConflict, "Transaction is ongoing for the item"));
  }
  ctx.db->Write(batch, [state = std::move(state), ctx = &ctx](Status status) {
    const db::ItemWrite& w = state->batch.writes[0];
    if (!status.ok()) {
      // A failed condition is billed too: the item it saw, at least one unit.
      if (status.kind() == ErrorKind::kConditionalCheckFailed) {
        TableWriteUnits failed;
        failed.table = WriteUnits(w.old_size);
        MeterWrite(*ctx, state->table_name, failed);
      }
      if (status.kind() == ErrorKind::kConditionalCheckFailed && state->old_on_failure &&
          w.old_image) {
        std::string item = "\"Item\":";
        wire::JsonWriter json(&item);
        wire::WriteItem(*w.old_image, json);
        return state->done(Outcome(std::move(status), std::move(item)));
      }
      return state->done(std::move(status));
    }
    const Item* new_item = nullptr;
    if (w.decide && w.applied.kind() == db::Mutation::Kind::kPut) {
      new_item = &w.applied.item();
    } else if (!w.decide && w.mutation.kind() == db::Mutation::Kind::kPut) {
      new_item = &w.mutation.item();
    }
    std::optional<Item> attributes;
    const std::string& rv = state->return_values;
    if (rv == "ALL_OLD" && w.old_image) {
      attributes = *w.old_image;
    } else if (rv == "ALL_NEW" && new_item) {
      attributes = *new_item;
    } else if (rv == "UPDATED_OLD" && w.old_image) {
      attributes = query::Project(*w.old_image, state->updated_paths);
    } else if (rv == "UPDATED_NEW" && new_item) {
      attributes = query::Project(*new_item, state->updated_paths);
    }
    std::string body;
    wire::JsonWriter json(&body);
    json.BeginObject();
    if (attributes && !attributes->empty()) {
      json.Key("Attributes");
      wire::WriteItem(*attributes, json);
    }
    TableWriteUnits units;
    units.Add(w);
    MeterWrite(*ctx, state->table_name, units);
    if (state->capacity != CapacityReport::kNone) {
      json.Key("ConsumedCapacity");
      WriteWriteCapacity(json, state->capacity, state->table_name, units);
    }
    if (state->collection_metrics && w.collection_size) {
      json.Key("ItemCollectionMetrics");
      WriteItemCollectionMetrics(w, json);
    }
    json.EndObject();
    state->done(std::move(body));
  });
}

namespace {

Status PrepareConditionalWrite(OperationContext& ctx, const wire::JsonValue& request,
                               std::string_view item_member, MakeWrite make, SingleWrite* state) {
  RequestReader r(request);
  WriteParams params = ReadWriteParams(r);
  std::optional<wire::JsonValue> item_json = r.Object(item_member);
  r.Required(item_member, item_json.has_value());
  ExpressionContext expressions(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(expressions.status());

  CIRRUS_ASSIGN_OR_RETURN(Item item, ReadItem(*item_json));
  if (params.return_values != "NONE" && params.return_values != "ALL_OLD") {
    return ValidationError("ReturnValues can only be ALL_OLD or NONE");
  }
  CIRRUS_RETURN_IF_ERROR(CheckNotMixed(
      {{"Expected", params.expected.has_value()}, {"ConditionalOperator", params.has_conditional_operator}},
      {{"ConditionExpression", params.condition_expression.has_value()}}));
  CIRRUS_ASSIGN_OR_RETURN(std::optional<BoundCondition> condition,
                          ParseWriteCondition(params, expressions));
  CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(params.condition_expression.has_value(),
                                               "ConditionExpression is null"));
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *params.table_name));

  db::ItemWrite write;
  CIRRUS_RETURN_IF_ERROR(make(*table, std::move(item), &write));
  write.table = std::move(table);
  if (condition) {
    write.check = ConditionCheck(std::move(condition));
  }
  write.want_old_image = params.return_values == "ALL_OLD" || params.old_on_failure;
  state->table_name = *params.table_name;
  state->return_values = params.return_values;
  state->old_on_failure = params.old_on_failure;
  state->capacity = params.capacity;
  state->collection_metrics = params.collection_metrics;
  state->batch.writes.push_back(std::move(write));
  return Status();
}

}  // namespace

void RunConditionalWrite(OperationContext& ctx, const wire::JsonValue& request, Done done,
                         std::string_view item_member, MakeWrite make) {
  auto state = std::make_shared<SingleWrite>();
  Status s = PrepareConditionalWrite(ctx, request, item_member, make, state.get());
  if (!s.ok()) return done(std::move(s));
  state->done = std::move(done);
  SubmitSingleWrite(ctx, std::move(state));
}

}  // namespace cirrus::server
