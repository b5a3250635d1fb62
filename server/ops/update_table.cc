// UpdateTable: billing mode, provisioned throughput, deletion protection, table class.
#include <chrono>

#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {
namespace {

constexpr int64_t kMaxDecreasesPerDay = 27;
constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  std::optional<std::string_view> billing = r.String("BillingMode");
  r.Enum("BillingMode", billing, {"PROVISIONED", "PAY_PER_REQUEST"});
  std::optional<Throughput> throughput = ReadProvisionedThroughput(r);
  const bool has_throughput = throughput.has_value();
  std::optional<bool> deletion_protection = r.Bool("DeletionProtectionEnabled");
  std::optional<std::string_view> table_class = r.String("TableClass");
  r.Enum("TableClass", table_class, {"STANDARD", "STANDARD_INFREQUENT_ACCESS"});
  std::optional<std::vector<wire::JsonValue>> gsi_updates = r.List("GlobalSecondaryIndexUpdates");
  std::optional<wire::JsonValue> stream = r.Object("StreamSpecification");
  std::optional<std::vector<wire::JsonValue>> attribute_definitions = r.List("AttributeDefinitions");
  std::optional<wire::JsonValue> sse = r.Object("SSESpecification");
  CIRRUS_RETURN_IF_ERROR(r.Finish());

  if (gsi_updates) return NotYetSupported("GlobalSecondaryIndexUpdates");
  if (stream) return NotYetSupported("StreamSpecification");
  if (!billing && !has_throughput && !deletion_protection && !table_class && !sse &&
      !attribute_definitions) {
    return ValidationError(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  }
  if (throughput) CIRRUS_RETURN_IF_ERROR(CheckThroughputQuota(*throughput));

  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto change = [&](db::TableDefinition& d) -> Status {
    const bool was_on_demand = d.billing_mode == db::BillingMode::kPayPerRequest;
    const bool on_demand = billing ? *billing == "PAY_PER_REQUEST" : was_on_demand;
    if (on_demand && has_throughput) {
      return ValidationError(
          "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
          "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    }
    if (!on_demand && was_on_demand && !has_throughput) {
      return ValidationError(
          "One or more parameter values were invalid: ProvisionedThroughput must be specified "
          "when BillingMode is PROVISIONED");
    }
    if (on_demand && !was_on_demand) {
      d.billing_mode = db::BillingMode::kPayPerRequest;
      d.pay_per_request_since_us = now_us;
    } else if (!on_demand && was_on_demand) {
      d.billing_mode = db::BillingMode::kProvisioned;
    }
    if (has_throughput) {
      db::ProvisionedThroughput& t = d.throughput;
      if (!was_on_demand && throughput->read == t.read_capacity_units && throughput->write == t.write_capacity_units &&
          !billing && !deletion_protection && !table_class) {
        return ValidationError(
            "The provisioned throughput for the table will not change. The requested value "
            "equals the current value. Current ReadCapacityUnits provisioned for the table: " +
            std::to_string(t.read_capacity_units) +
            ". Requested ReadCapacityUnits: " + std::to_string(throughput->read) +
            ". Current WriteCapacityUnits provisioned for the table: " +
            std::to_string(t.write_capacity_units) +
            ". Requested WriteCapacityUnits: " + std::to_string(throughput->write) +
            ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to "
            "request higher limits.");
      }
      if (t.last_decrease_us / kMicrosPerDay != now_us / kMicrosPerDay) t.decreases_today = 0;
      const bool increase = throughput->read > t.read_capacity_units || throughput->write > t.write_capacity_units;
      const bool decrease = throughput->read < t.read_capacity_units || throughput->write < t.write_capacity_units;
      if (decrease && !was_on_demand) {
        if (t.decreases_today >= kMaxDecreasesPerDay) {
          return Status(ErrorKind::kLimitExceeded,
                        "Subscriber limit exceeded: Provisioned throughput decreases are limited "
                        "within a given UTC day. After the first 4 decreases, each subsequent "
                        "decrease in the same UTC day can be performed at most once every 3600 "
                        "seconds. Number of decreases today: " +
                            std::to_string(t.decreases_today));
        }
        ++t.decreases_today;
        t.last_decrease_us = now_us;
      }
      if (increase && !was_on_demand) t.last_increase_us = now_us;
      t.read_capacity_units = throughput->read;
      t.write_capacity_units = throughput->write;
    }
    if (deletion_protection) d.deletion_protection = *deletion_protection;
    if (table_class) d.table_class = std::string(*table_class);
    return Status();
  };
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, ctx.db->UpdateTable(*name, change));
  return TableDescriptionResponse("TableDescription", *table, "UPDATING", *ctx.config);
}

}  // namespace

void UpdateTable(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
