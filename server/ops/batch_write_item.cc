// BatchWriteItem: up to 25 puts and deletes over several tables, written in one transaction
// (stronger than DynamoDB, whose batch is not atomic; nothing is ever left unprocessed).
#include <map>
#include <set>

#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {
namespace {

constexpr size_t kMaxWrites = 25;

struct BatchState {
  db::WriteBatch batch;
  std::vector<std::string> table_of_write;  // table name of batch.writes[i]
  std::vector<std::string> table_order;     // table names, request order
  CapacityReport capacity = CapacityReport::kNone;
  bool collection_metrics = false;
  OperationContext* ctx = nullptr;  // shared by all requests; outlives the write
  Done done;
};

Status Prepare(OperationContext& ctx, const wire::JsonValue& request, BatchState* state) {
  RequestReader r(request);
  std::optional<wire::JsonValue> items = r.Object("RequestItems");
  r.Required("RequestItems", items.has_value());
  state->capacity = ReadCapacityReport(r);
  state->ctx = &ctx;
  std::optional<std::string_view> metrics = r.String("ReturnItemCollectionMetrics");
  r.Enum("ReturnItemCollectionMetrics", metrics, {"SIZE", "NONE"});
  state->collection_metrics = metrics == "SIZE";

  struct Pending {
    std::string table;
    bool put;
    Item item;  // the item to put, or the key to delete
  };
  std::vector<Pending> pending;
  if (items) {
    std::vector<std::pair<std::string_view, wire::JsonValue>> members = items->members();
    // An empty map has its own text (conformance fact M1), after the model's checks.
    if (!members.empty()) r.Count("RequestItems", members.size(), 1, 25);
    for (const auto& [table_name, list] : members) {
      if (!list.is(wire::JsonValue::Type::kArray)) return wire::TypeMismatch(list, "List");
      std::vector<wire::JsonValue> requests = list.elements();
      if (requests.empty() || requests.size() > kMaxWrites) {
        // The map value printed as the service's Java does, in outline (conformance fact M3).
        std::string dump;
        for (size_t i = 0; i < requests.size(); ++i) dump += i ? ", WriteRequest" : "WriteRequest";
        r.RawViolation("Value '{" + std::string(table_name) + "=[" + dump +
                       "]}' at 'requestItems' failed to satisfy constraint: Map value must "
                       "satisfy constraint: [Member must have length less than or equal to 25, "
                       "Member must have length greater than or equal to 1]");
      }
      state->table_order.emplace_back(table_name);
      for (size_t i = 0; i < requests.size(); ++i) {
        std::optional<RequestReader> e = r.Element("RequestItems", i, requests[i]);
        if (!e) break;
        std::optional<wire::JsonValue> put = e->Object("PutRequest");
        std::optional<wire::JsonValue> del = e->Object("DeleteRequest");
        if (put.has_value() == del.has_value()) {
          CIRRUS_RETURN_IF_ERROR(e->Finish());
          return ValidationError(
              "Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest");
        }
        RequestReader inner = e->Nested(put ? *put : *del, put ? "putRequest" : "deleteRequest");
        std::optional<wire::JsonValue> item = inner.Object(put ? "Item" : "Key");
        inner.Required(put ? "Item" : "Key", item.has_value());
        CIRRUS_RETURN_IF_ERROR(inner.Finish());
        CIRRUS_ASSIGN_OR_RETURN(Item parsed, ReadItem(*item));
        pending.push_back({std::string(table_name), put.has_value(), std::move(parsed)});
      }
    }
  }
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  if (items && items->size() == 0) {
    return ValidationError("The requestItems parameter is required for BatchWriteItem");
  }
  if (pending.size() > kMaxWrites) {
    return ValidationError("Too many items requested for the BatchWriteItem call");
  }

  std::map<std::string, std::shared_ptr<const db::Table>> tables;
  for (const std::string& name : state->table_order) {
    CIRRUS_ASSIGN_OR_RETURN(tables[name], FindTable(ctx, name));
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (Pending& p : pending) {
    const std::shared_ptr<const db::Table>& table = tables[p.table];
    db::ItemWrite write;
    write.table = table;
    if (p.put) {
      CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKeyOf(p.item, &write.key));
      size_t size = ItemSize(p.item);
      if (size > kMaxItemSize) {
        return ValidationError("Item size has exceeded the maximum allowed size");
      }
      write.mutation = db::Mutation::Put(std::move(p.item), size);
    } else {
      CIRRUS_RETURN_IF_ERROR(table->codec().EncodeKey(p.item, &write.key));
      write.mutation = db::Mutation::Delete();
    }
    if (!seen.emplace(p.table, write.key).second) {
      return ValidationError("Provided list of item keys contains duplicates");
    }
    state->table_of_write.push_back(p.table);
    state->batch.writes.push_back(std::move(write));
  }
  return Status();
}

}  // namespace

void BatchWriteItem(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  auto state = std::make_shared<BatchState>();
  Status s = Prepare(ctx, request, state.get());
  if (!s.ok()) return done(std::move(s));
  state->done = std::move(done);
  ctx.db->Write(&state->batch, [state](Status status) {
    if (!status.ok()) return state->done(std::move(status));
    std::string body;
    wire::JsonWriter w(&body);
    w.BeginObject();
    w.Key("UnprocessedItems");
    w.BeginObject();
    w.EndObject();
    std::map<std::string, TableWriteUnits> units;
    for (size_t i = 0; i < state->batch.writes.size(); ++i) {
      units[state->table_of_write[i]].Add(state->batch.writes[i]);
    }
    for (const auto& [table, u] : units) MeterWrite(*state->ctx, table, u);
    if (state->capacity != CapacityReport::kNone) {
      w.Key("ConsumedCapacity");
      w.BeginArray();
      for (const std::string& table : state->table_order) {
        WriteWriteCapacity(w, state->capacity, table, units[table]);
      }
      w.EndArray();
    }
    if (state->collection_metrics) {
      // Per table, one entry per write into a table with LSIs.
      bool any = false;
      for (const std::string& table : state->table_order) {
        bool listed = false;
        for (size_t i = 0; i < state->batch.writes.size(); ++i) {
          const db::ItemWrite& write = state->batch.writes[i];
          if (state->table_of_write[i] != table || !write.collection_size) continue;
          if (!any) {
            w.Key("ItemCollectionMetrics");
            w.BeginObject();
            any = true;
          }
          if (!listed) {
            w.Key(table);
            w.BeginArray();
            listed = true;
          }
          WriteItemCollectionMetrics(write, w);
        }
        if (listed) w.EndArray();
      }
      if (any) w.EndObject();
    }
    w.EndObject();
    state->done(std::move(body));
  });
}

}  // namespace cirrus::server
