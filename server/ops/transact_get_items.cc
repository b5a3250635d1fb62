// TransactGetItems: 1 to 100 Gets over any tables, read in one snapshot, answered in request
// order ({} for an item that is not there).
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
#include <set>

#include "db/item_codec.h"
#include "server/ops/common.h"
#include "server/ops/ops.h"
#include "server/ops/page.h"
#include "server/ops/transaction_conflicts.h"

namespace cirrus::server {
namespace {

constexpr size_t kMaxGets = 100;
constexpr size_t kMaxTransactionBytes = 4 * 1024 * 1024;  // of the items read

struct Get {
  std::string table_name;
  std::shared_ptr<const db::Table> table;
  std::string stored_key;
  ItemShape shape;
};

Result<Get> ReadGet(OperationContext& ctx, RequestReader& r, size_t index,
                    const wire::JsonValue& element) {
  std::optional<RequestReader> e = r.Element("TransactItems", index, element);
  if (!e) {  // not an object: the reader words it
    CIRRUS_RETURN_IF_ERROR(r.Finish());
    return ValidationError("Invalid TransactItems");
  }
  std::optional<wire::JsonValue> body = e->Object("Get");
  e->Required("Get", body.has_value());
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  RequestReader g = e->Nested(*body, e->PathOf("Get"));
  Get get;
  std::optional<std::string> name = ReadTableName(g);
  std::optional<wire::JsonValue> key_json = g.Object("Key");
  g.Required("Key", key_json.has_value());
  std::optional<std::string_view> projection = g.String("ProjectionExpression");
  ExpressionContext expressions(g);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(expressions.status());
  CIRRUS_ASSIGN_OR_RETURN(Item key, ReadItem(*key_json));
  CIRRUS_ASSIGN_OR_RETURN(get.shape.projection,
                          ParseProjection(projection, std::nullopt, expressions));
  CIRRUS_RETURN_IF_ERROR(
      expressions.CheckUsed(projection.has_value(), "ProjectionExpression is null"));
  get.shape.Prepare();
  get.table_name = *name;
  CIRRUS_ASSIGN_OR_RETURN(get.table, FindTable(ctx, *name));
  CIRRUS_RETURN_IF_ERROR(get.table->codec().EncodeKey(key, &get.stored_key));
  return get;
}

Outcome Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::vector<wire::JsonValue>> items = r.List("TransactItems");
  r.Required("TransactItems", items.has_value());
  if (items) r.Count("TransactItems", items->size(), 1, kMaxGets);
  CapacityReport capacity = ReadCapacityReport(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  std::vector<Get> gets;
  std::set<std::pair<std::string, std::string>> named;
  for (size_t i = 0; i < items->size(); ++i) {
    CIRRUS_ASSIGN_OR_RETURN(Get g, ReadGet(ctx, r, i, (*items)[i]));
    if (!named.emplace(g.table->name(), g.stored_key).second) {
      return ValidationError("Transaction request cannot include multiple operations on one item");
    }
    gets.push_back(std::move(g));
  }

  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("Responses");
  w.BeginArray();
  std::vector<std::pair<std::string, double>> per_table;
  size_t total = 0;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());  // one snapshot for all
    for (const Get& g : gets) {
      if (ctx.conflicts && ctx.conflicts->Refuses(*g.table, g.stored_key)) {
        std::vector<CancellationReason> reasons(gets.size());
        reasons[&g - gets.data()] = {"TransactionConflict", "Transaction is ongoing for the item"};
        return TransactionCanceled(reasons);
      }
      CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> stored,
                              view.Get(*g.table, g.stored_key));
      w.BeginObject();
      size_t size = 0;
      if (stored) {
        size = db::StoredItemSize(*stored);
        total += size;
        if (total > kMaxTransactionBytes) {  // the get that crossed the limit names it
          std::vector<CancellationReason> reasons(gets.size());
          reasons[&g - gets.data()] = {
              "ValidationError", "Transaction size has exceeded the maximum allowed size of 4 MB"};
          return TransactionCanceled(reasons);
        }
        w.Key("Item");
        CIRRUS_RETURN_IF_ERROR(g.shape.Emit(*stored, w).status());
      }
      w.EndObject();
      // Transactional reads cost twice a strongly consistent read.
      double units = 2 * ReadUnits(size, true);
      auto it = std::find_if(per_table.begin(), per_table.end(),
                             [&](const auto& e) { return e.first == g.table_name; });
      if (it == per_table.end()) {
        per_table.emplace_back(g.table_name, units);
      } else {
        it->second += units;
      }
    }
  }  // the snapshot ends before the response goes out
  w.EndArray();
  for (const auto& [table, units] : per_table) MeterRead(ctx, table, units);
  if (capacity != CapacityReport::kNone) {
    w.Key("ConsumedCapacity");
    w.BeginArray();
    for (const auto& [table, units] : per_table) {
      WriteConsumedCapacity(w, capacity, table, units, true);
    }
    w.EndArray();
  }
  w.EndObject();
  return body;
}

}  // namespace

void TransactGetItems(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
