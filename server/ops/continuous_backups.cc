// DescribeContinuousBackups and UpdateContinuousBackups: point-in-time recovery as a table
// setting, recorded and described (Terraform reads it on every plan). Restoring to a point
// in time (RestoreTableToPointInTime) is not served.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContinuousBackups.html
#include <algorithm>

#include "db/item/clock.h"
#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {
namespace {

constexpr int64_t kDayUs = int64_t{24} * 3600 * 1000000;
constexpr int64_t kLatestLagUs = int64_t{5} * 60 * 1000000;  // DynamoDB: about 5 minutes

Result<std::shared_ptr<const db::Table>> Find(OperationContext& ctx, const std::string& name) {
  std::shared_ptr<const db::Table> table = ctx.db->FindTable(name);
  if (!table) return Status(ErrorKind::kTableNotFound, "Table not found: " + name);
  return table;
}

std::string Describe(const db::RecoverySettings& recovery) {
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("ContinuousBackupsDescription");
  w.BeginObject();
  w.Key("ContinuousBackupsStatus");
  w.String("ENABLED");  // as DynamoDB reports every table
  w.Key("PointInTimeRecoveryDescription");
  w.BeginObject();
  w.Key("PointInTimeRecoveryStatus");
  w.String(recovery.enabled ? "ENABLED" : "DISABLED");
  if (recovery.enabled) {
    const int64_t now = NowMicros();
    const int64_t earliest = std::max(recovery.since_us, now - recovery.period_days * kDayUs);
    w.Key("RecoveryPeriodInDays");
    w.Int(recovery.period_days);
    w.Key("EarliestRestorableDateTime");
    w.Double(EpochSeconds(earliest));
    w.Key("LatestRestorableDateTime");
    w.Double(EpochSeconds(std::max(earliest, now - kLatestLagUs)));
  }
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return body;
}

Result<std::string> RunDescribe(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, Find(ctx, *name));
  return Describe(table->definition().recovery);
}

Result<std::string> RunUpdate(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  std::optional<wire::JsonValue> spec = r.Object("PointInTimeRecoverySpecification");
  r.Required("PointInTimeRecoverySpecification", spec.has_value());
  std::optional<bool> enabled;
  std::optional<int64_t> days;
  if (spec) {
    RequestReader s = r.Nested(*spec, "pointInTimeRecoverySpecification");
    enabled = s.Bool("PointInTimeRecoveryEnabled");
    s.Required("PointInTimeRecoveryEnabled", enabled.has_value());
    days = s.Long("RecoveryPeriodInDays");
    s.Minimum("RecoveryPeriodInDays", days, 1);
    s.Maximum("RecoveryPeriodInDays", days, 35);
  }
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(Find(ctx, *name).status());
  CIRRUS_ASSIGN_OR_RETURN(
      std::shared_ptr<const db::Table> table,
      ctx.db->UpdateTable(*name, [&](db::TableDefinition& d) {
        if (*enabled && !d.recovery.enabled) d.recovery.since_us = NowMicros();
        d.recovery.enabled = *enabled;
        if (days) d.recovery.period_days = *days;
        return Status();
      }));
  return Describe(table->definition().recovery);
}

}  // namespace

void DescribeContinuousBackups(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunDescribe(ctx, request));
}

void UpdateContinuousBackups(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunUpdate(ctx, request));
}

}  // namespace cirrus::server
