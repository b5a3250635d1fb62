// TransactWriteItems: 1 to 100 ConditionCheck, Put, Update and Delete actions over any tables,
// every condition evaluated against the items as they were before the transaction, all applied
// in one atomic write (with index entries and stream records) or none. A cancelled transaction
// answers TransactionCanceledException with one reason per action, in order.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
#include <set>
#include <utility>

#include "db/item/clock.h"
#include "db/item_codec.h"
#include "query/evaluate.h"
#include "server/ops/ops.h"
#include "server/ops/single_write.h"
#include "server/ops/transaction_conflicts.h"
#include "server/ops/transaction_tokens.h"
#include "server/wire/item_json.h"

namespace cirrus::server {
namespace {

constexpr size_t kMaxActions = 100;
constexpr size_t kMaxTransactionBytes = 4 * 1024 * 1024;  // items and keys of all actions

struct Action {
  std::string table_name;
  bool old_on_failure = false;
};

struct Transaction {
  db::WriteBatch batch;
  std::vector<Action> actions;  // one per batch.writes entry
  CapacityReport capacity = CapacityReport::kNone;
  bool collection_metrics = false;  // ReturnItemCollectionMetrics: SIZE
  std::optional<std::string> token;  // ClientRequestToken
  std::string digest;                // of TransactItems (wire::Digest), with a token
  std::shared_ptr<TransactionTokens> tokens;  // set while the token is held in flight
  TransactionTokens::Pending pending;
  std::shared_ptr<TransactionConflicts> conflicts;  // holding the items until the commit
  Done done;

  // Releases the token (and what its store swept) once the batch committed or failed.
  void ReleaseToken(bool committed) {
    if (!tokens) return;
    tokens->Finish(pending, committed);
    tokens->End(*token);
    tokens.reset();
  }
};

// The members of one action, read in the first pass (views into the request).
struct ActionRequest {
  enum class Kind { kConditionCheck, kPut, kDelete, kUpdate } kind;
  std::optional<std::string> table_name;
  std::optional<wire::JsonValue> item;  // Put: Item; others: Key
  std::optional<std::string_view> condition;
  std::optional<std::string_view> update;
  bool old_on_failure = false;
  std::unique_ptr<ExpressionContext> expressions;
};

Result<ActionRequest> ReadAction(RequestReader& r, size_t index, const wire::JsonValue& element) {
  std::optional<RequestReader> e = r.Element("TransactItems", index, element);
  if (!e) {  // not an object: the reader words it
    CIRRUS_RETURN_IF_ERROR(r.Finish());
    return ValidationError("Invalid TransactItems");
  }
  static constexpr std::pair<std::string_view, ActionRequest::Kind> kKinds[] = {
      {"ConditionCheck", ActionRequest::Kind::kConditionCheck},
      {"Put", ActionRequest::Kind::kPut},
      {"Delete", ActionRequest::Kind::kDelete},
      {"Update", ActionRequest::Kind::kUpdate}};
  ActionRequest a;
  std::optional<wire::JsonValue> body;
  std::string_view member;
  int present = 0;
  for (const auto& [name, kind] : kKinds) {
    if (std::optional<wire::JsonValue> v = e->Object(name)) {
      ++present;
      body = v;
      member = name;
      a.kind = kind;
    }
  }
  if (present != 1) {
    return ValidationError("TransactItems can only contain one of Check, Put, Update or Delete");
  }
  RequestReader ar = e->Nested(*body, e->PathOf(member));
  a.table_name = ReadTableName(ar);
  const std::string_view item_member = a.kind == ActionRequest::Kind::kPut ? "Item" : "Key";
  a.item = ar.Object(item_member);
  ar.Required(item_member, a.item.has_value());
  a.condition = ar.String("ConditionExpression");
  if (a.kind == ActionRequest::Kind::kConditionCheck) {
    ar.Required("ConditionExpression", a.condition.has_value());
  }
  if (a.kind == ActionRequest::Kind::kUpdate) {
    a.update = ar.String("UpdateExpression");
    ar.Required("UpdateExpression", a.update.has_value());
  }
  std::optional<std::string_view> on_failure = ar.String("ReturnValuesOnConditionCheckFailure");
  ar.Enum("ReturnValuesOnConditionCheckFailure", on_failure, {"ALL_OLD", "NONE"});
  a.old_on_failure = on_failure == "ALL_OLD";
  a.expressions = std::make_unique<ExpressionContext>(ar);
  return a;
}

// Turns one read action into its ItemWrite: the key, the condition, the change.
Status BuildWrite(OperationContext& ctx, ActionRequest& a, db::ItemWrite* write, size_t* bytes) {
  ExpressionContext& expressions = *a.expressions;
  CIRRUS_RETURN_IF_ERROR(expressions.status());
  CIRRUS_ASSIGN_OR_RETURN(Item item, ReadItem(*a.item));
  *bytes += ItemSize(item);
  std::optional<BoundCondition> condition;
  if (a.condition) {
    CIRRUS_ASSIGN_OR_RETURN(condition, ParseBoundCondition(*a.condition,
                                                           query::ExpressionKind::kCondition,
                                                           expressions));
  }
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *a.table_name));
  switch (a.kind) {
    case ActionRequest::Kind::kPut: {
      CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKeyOf(item, &write->key));
      size_t size = ItemSize(item);
      if (size > kMaxItemSize) {
        return ValidationError("Item size has exceeded the maximum allowed size");
      }
      write->mutation = db::Mutation::Put(std::move(item), size);
      write->check = ConditionCheck(condition);
      break;
    }
    case ActionRequest::Kind::kDelete:
      CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKey(item, &write->key));
      write->mutation = db::Mutation::Delete();
      write->check = ConditionCheck(condition);
      break;
    case ActionRequest::Kind::kConditionCheck:
      CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKey(item, &write->key));
      write->check = ConditionCheck(condition);  // the mutation stays Keep
      break;
    case ActionRequest::Kind::kUpdate: {
      CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKey(item, &write->key));
      const db::KeySchema& schema = table->codec().schema();
      const std::vector<std::string> key_names = schema.names();
      CIRRUS_ASSIGN_OR_RETURN(BoundUpdate update,
                              ParseBoundUpdate(*a.update, expressions, key_names));
      write->decide = UpdateDecision(condition, std::move(update), std::move(item));
      break;
    }
  }
  CIRRUS_RETURN_IF_ERROR(expressions.CheckUsed(true, ""));
  write->table = std::move(table);
  write->want_old_image = a.old_on_failure;
  return Status();
}

Status Prepare(OperationContext& ctx, const wire::JsonValue& request, Transaction* t) {
  RequestReader r(request);
  std::optional<std::vector<wire::JsonValue>> items = r.List("TransactItems");
  r.Required("TransactItems", items.has_value());
  if (items) r.Count("TransactItems", items->size(), 1, kMaxActions);
  std::optional<std::string_view> token = r.String("ClientRequestToken");
  r.Length("ClientRequestToken", token, 1, 36);
  t->capacity = ReadCapacityReport(r);
  std::optional<std::string_view> metrics = r.String("ReturnItemCollectionMetrics");
  r.Enum("ReturnItemCollectionMetrics", metrics, {"SIZE", "NONE"});
  t->collection_metrics = metrics == "SIZE";
  std::vector<ActionRequest> actions;
  for (size_t i = 0; items && i < items->size() && i < kMaxActions; ++i) {
    CIRRUS_ASSIGN_OR_RETURN(ActionRequest a, ReadAction(r, i, (*items)[i]));
    actions.push_back(std::move(a));
  }
  CIRRUS_RETURN_IF_ERROR(r.Finish());

  size_t bytes = 0;
  std::set<std::pair<std::string, std::string>> items_named;
  for (ActionRequest& a : actions) {
    db::ItemWrite write;
    CIRRUS_RETURN_IF_ERROR(BuildWrite(ctx, a, &write, &bytes));
    if (!items_named.emplace(write.table->name(), write.key).second) {
      return ValidationError("Transaction request cannot include multiple operations on one item");
    }
    t->actions.push_back({*a.table_name, a.old_on_failure});
    t->batch.writes.push_back(std::move(write));
  }
  if (bytes > kMaxTransactionBytes) {
    return ValidationError("Transaction size has exceeded the maximum allowed size of 4 MB");
  }
  t->batch.decide_every = true;
  if (token) {
    t->token = std::string(*token);
    t->digest = wire::Digest(*request.Find("TransactItems"));
  }
  return Status();
}

// TransactionCanceledException for a batch whose decisions failed: one reason per action.
Outcome Cancelled(const Transaction& t) {
  std::vector<CancellationReason> reasons(t.batch.writes.size());
  for (size_t i = 0; i < t.batch.writes.size(); ++i) {
    const db::ItemWrite& write = t.batch.writes[i];
    const Status& s = write.decision;
    if (s.ok()) continue;
    CancellationReason& reason = reasons[i];
    reason.message = s.message();
    if (s.kind() == ErrorKind::kConditionalCheckFailed) {
      reason.code = "ConditionalCheckFailed";
      if (t.actions[i].old_on_failure && write.old_image) reason.item = &*write.old_image;
    } else if (s.kind() == ErrorKind::kItemCollectionSizeLimitExceeded) {
      reason.code = "ItemCollectionSizeLimitExceeded";
    } else {
      reason.code = "ValidationError";
    }
  }
  return TransactionCanceled(reasons);
}

// A transaction that lost a race (--transaction-conflict-rate): the first action names the
// conflict, the others were not reached.
Outcome Conflict(size_t actions) {
  std::vector<CancellationReason> reasons(actions);
  reasons[0] = {"TransactionConflict", "Transaction is ongoing for the item"};
  return TransactionCanceled(reasons);
}


// Adds `units` to `table`'s entry, in the order tables first appear.
void AddUnits(std::vector<std::pair<std::string, double>>& per_table, const std::string& table,
              double units) {
  auto it = std::find_if(per_table.begin(), per_table.end(),
                         [&](const auto& e) { return e.first == table; });
  if (it == per_table.end()) {
    per_table.emplace_back(table, units);
  } else {
    it->second += units;
  }
}

void WriteCapacity(wire::JsonWriter& w, CapacityReport report,
                   const std::vector<std::pair<std::string, double>>& per_table, bool read) {
  w.Key("ConsumedCapacity");
  w.BeginArray();
  for (const auto& [table, units] : per_table) {
    WriteConsumedCapacity(w, report, table, units, read);
  }
  w.EndArray();
}

// Transactional writes cost twice a plain write (per item, the larger of its old and new
// size); a ConditionCheck, the write of the item it read.
std::string Committed(OperationContext& ctx, const Transaction& t) {
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  std::vector<std::pair<std::string, TableWriteUnits>> per_table;  // in order of appearance
  for (size_t i = 0; i < t.batch.writes.size(); ++i) {
    const std::string& table = t.actions[i].table_name;
    auto it = std::find_if(per_table.begin(), per_table.end(),
                           [&](const auto& e) { return e.first == table; });
    if (it == per_table.end()) it = per_table.insert(per_table.end(), {table, TableWriteUnits()});
    it->second.Add(t.batch.writes[i], 2);
  }
  for (const auto& [table, units] : per_table) MeterWrite(ctx, table, units);
  if (t.capacity != CapacityReport::kNone) {
    w.Key("ConsumedCapacity");
    w.BeginArray();
    for (const auto& [table, units] : per_table) WriteWriteCapacity(w, t.capacity, table, units);
    w.EndArray();
  }
  if (t.collection_metrics) {  // tables with local secondary indexes only
    std::vector<std::string> tables;
    for (size_t i = 0; i < t.batch.writes.size(); ++i) {
      if (t.batch.writes[i].collection_size &&
          std::find(tables.begin(), tables.end(), t.actions[i].table_name) == tables.end()) {
        tables.push_back(t.actions[i].table_name);
      }
    }
    if (!tables.empty()) {
      w.Key("ItemCollectionMetrics");
      w.BeginObject();
      for (const std::string& table : tables) {
        w.Key(table);
        w.BeginArray();
        for (size_t i = 0; i < t.batch.writes.size(); ++i) {
          const db::ItemWrite& write = t.batch.writes[i];
          if (t.actions[i].table_name == table && write.collection_size) {
            WriteItemCollectionMetrics(write, w);
          }
        }
        w.EndArray();
      }
      w.EndObject();
    }
  }
  w.EndObject();
  return body;
}

// The answer to a retry of a transaction that committed (same ClientRequestToken, same
// TransactItems): success, nothing applied again; its capacity is the transactional reads
// of the items it names, as DynamoDB reports it.
Result<std::string> Replayed(OperationContext& ctx, const Transaction& t) {
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  std::vector<std::pair<std::string, double>> per_table;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
    for (size_t i = 0; i < t.batch.writes.size(); ++i) {
      const db::ItemWrite& write = t.batch.writes[i];
      CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> stored,
                              view.Get(*write.table, write.key));
      AddUnits(per_table, t.actions[i].table_name,
               2 * ReadUnits(stored ? db::StoredItemSize(*stored) : 0, true));
    }
  }
  for (const auto& [table, units] : per_table) MeterRead(ctx, table, units);
  if (t.capacity != CapacityReport::kNone) WriteCapacity(w, t.capacity, per_table, true);
  w.EndObject();
  return body;
}

// Holds the transaction's ClientRequestToken and looks it up: nullopt when the transaction
// is to be written (with its token's record in its batch), else the answer.
std::optional<Outcome> CheckToken(OperationContext& ctx, Transaction& t) {
  if (!t.token) return std::nullopt;
  if (!ctx.tokens->Begin(*t.token)) {
    return Outcome(Status(ErrorKind::kTransactionInProgress,
                          "Transaction from previous request is still in progress"));
  }
  t.tokens = ctx.tokens;
  const TransactionTokens::Seen seen =
      t.tokens->Prepare(*t.token, t.digest, NowMicros(), &t.batch, &t.pending);
  if (seen == TransactionTokens::Seen::kNew) return std::nullopt;
  std::optional<Outcome> answer;
  if (seen == TransactionTokens::Seen::kDifferent) {
    answer = Outcome(Status(ErrorKind::kIdempotentParameterMismatch,
                            "Request with the same client request token was already made with "
                            "different parameters"));
  } else {
    answer = Outcome(Replayed(ctx, t));
  }
  t.ReleaseToken(false);
  return answer;
}

}  // namespace

void TransactWriteItems(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  auto t = std::make_shared<Transaction>();
  Status s = Prepare(ctx, request, t.get());
  if (!s.ok()) return done(std::move(s));
  if (std::optional<Outcome> answer = CheckToken(ctx, *t)) return done(std::move(*answer));
  if (ctx.conflicts && ctx.conflicts->Draw()) {
    t->ReleaseToken(false);
    return done(Conflict(t->batch.writes.size()));
  }
  t->done = std::move(done);
  if (ctx.conflicts) {
    t->conflicts = ctx.conflicts;
    t->conflicts->Hold(t->batch);
  }
  db::WriteBatch* batch = &t->batch;
  ctx.db->Write(batch, [t = std::move(t), ctx = &ctx](Status status) {
    if (t->conflicts) t->conflicts->Release(t->batch);
    t->ReleaseToken(status.ok());
    if (status.ok()) return t->done(Committed(*ctx, *t));
    bool decided = std::any_of(t->batch.writes.begin(), t->batch.writes.end(),
                               [](const db::ItemWrite& w) { return !w.decision.ok(); });
    // A decision that failed cancels the transaction; anything else (a table deleted since,
    // the engine) is the answer as it is.
    if (decided && status.kind() != ErrorKind::kResourceNotFound) return t->done(Cancelled(*t));
    t->done(std::move(status));
  });
}

}  // namespace cirrus::server
