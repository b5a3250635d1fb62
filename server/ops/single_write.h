#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "query/expression.h"
#include "server/ops/common.h"
#include "server/ops/expressions.h"
#include "server/ops/operation.h"

// What PutItem, DeleteItem and UpdateItem share: the request members about conditions and
// return values, the condition itself, and the answer built once the write committed.
namespace cirrus::server {

struct WriteParams {
  std::optional<std::string> table_name;
  std::string return_values = "NONE";  // NONE ALL_OLD UPDATED_OLD ALL_NEW UPDATED_NEW
  CapacityReport capacity = CapacityReport::kNone;
  bool old_on_failure = false;  // ReturnValuesOnConditionCheckFailure ALL_OLD
  bool collection_metrics = false;  // ReturnItemCollectionMetrics SIZE
  std::optional<std::string_view> condition_expression;
  std::optional<std::vector<query::LegacyCondition>> expected;
  bool or_operator = false;
  bool has_conditional_operator = false;
  Status legacy_status;  // invalid values inside Expected
};

// Reads TableName, ReturnValues, ReturnConsumedCapacity, ReturnItemCollectionMetrics,
// ReturnValuesOnConditionCheckFailure, ConditionExpression, Expected, ConditionalOperator.
WriteParams ReadWriteParams(RequestReader& r);

// The write's condition from ConditionExpression or Expected (nullopt when neither).
Result<std::optional<BoundCondition>> ParseWriteCondition(const WriteParams& params,
                                                          ExpressionContext& expressions);

// A single-item write in flight: its batch (one ItemWrite) and how to answer.
struct SingleWrite {
  db::WriteBatch batch;
  std::string table_name;
  std::string return_values = "NONE";
  bool old_on_failure = false;
  CapacityReport capacity = CapacityReport::kNone;
  bool collection_metrics = false;
  std::vector<query::Path> updated_paths;  // UpdateItem: what UPDATED_OLD/UPDATED_NEW return
  Done done;
};

// Checks `condition` against the current item ({} when absent): ConditionalCheckFailed.
Status CheckCondition(const std::optional<BoundCondition>& condition, const Item* current);
// CheckCondition as an ItemWrite::check.
std::function<Status(const Item* current)> ConditionCheck(std::optional<BoundCondition> condition);

// UpdateItem's change of one item, for UpdateItem and TransactWriteItems: the condition, then
// the update applied to the current item (or to `key` when absent), at most 400 KB.
std::function<Result<db::Mutation>(const Item* current)> UpdateDecision(
    std::optional<BoundCondition> condition, BoundUpdate update, Item key);

// Submits state->batch; answers with Attributes per ReturnValues and ConsumedCapacity, or
// ConditionalCheckFailedException with the item when asked.
void SubmitSingleWrite(OperationContext& ctx, std::shared_ptr<SingleWrite> state);

// PutItem and DeleteItem: one item member (`item_member`: "Item" or "Key"), an optional
// condition, ReturnValues NONE or ALL_OLD. `make` sets the write's key and mutation from the
// member's item.
using MakeWrite = Status (*)(const db::Table& table, Item item, db::ItemWrite* write);
void RunConditionalWrite(OperationContext& ctx, const wire::JsonValue& request, Done done,
                         std::string_view item_member, MakeWrite make);

}  // namespace cirrus::server
