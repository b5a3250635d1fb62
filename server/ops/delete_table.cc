// DeleteTable: removes the table and its items at once; answers with status DELETING and the
// reduced description DynamoDB gives.
#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {
namespace {

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  std::shared_ptr<const db::Table> current = ctx.db->FindTable(*name);
  if (!current) return TableNotFound(*name);
  CIRRUS_RETURN_IF_ERROR(TableBeingRestored(*current));
  if (current->definition().deletion_protection) {
    return ValidationError(
        "Resource cannot be deleted as it is currently protected against deletion. Disable "
        "deletion protection first.");
  }
  // Describe before the items go, as DynamoDB's answer still counts them. Its description is
  // a reduced one: no key schema, definitions, indexes or creation time (conformance fact T7).
  const db::TableDefinition& d = current->definition();
  const bool on_demand = d.billing_mode == db::BillingMode::kPayPerRequest;
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("TableDescription");
  w.BeginObject();
  w.Key("TableName");
  w.String(d.name);
  w.Key("TableStatus");
  w.String("DELETING");
  w.Key("TableId");
  w.String(d.table_id);
  w.Key("TableArn");
  w.String(TableArn(*ctx.config, d.name));
  w.Key("TableSizeBytes");
  w.Int(current->size_bytes());
  w.Key("ItemCount");
  w.Int(current->item_count());
  w.Key("ProvisionedThroughput");
  w.BeginObject();
  w.Key("NumberOfDecreasesToday");
  w.Int(on_demand ? 0 : d.throughput.decreases_today);
  w.Key("ReadCapacityUnits");
  w.Int(on_demand ? 0 : d.throughput.read_capacity_units);
  w.Key("WriteCapacityUnits");
  w.Int(on_demand ? 0 : d.throughput.write_capacity_units);
  w.EndObject();
  if (on_demand) {
    w.Key("BillingModeSummary");
    w.BeginObject();
    w.Key("BillingMode");
    w.String("PAY_PER_REQUEST");
    w.Key("LastUpdateToPayPerRequestDateTime");
    w.Double(EpochSeconds(d.pay_per_request_since_us));
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  CIRRUS_RETURN_IF_ERROR(ctx.db->DeleteTable(*name).status());
  return body;
}

}  // namespace

void DeleteTable(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
