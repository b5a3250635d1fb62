// UpdateTimeToLive and DescribeTimeToLive: a table's TTL setting (db/ttl.h expires the items).
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
// The change takes effect at once, so the status is ENABLED or DISABLED (DynamoDB may show
// ENABLING or DISABLING for a while).
#include "db/item/clock.h"
#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {
namespace {

Result<std::string> Update(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  std::optional<wire::JsonValue> spec = r.Object("TimeToLiveSpecification");
  r.Required("TimeToLiveSpecification", spec.has_value());
  std::optional<bool> enabled;
  std::optional<std::string_view> attribute;
  if (spec) {
    RequestReader s = r.Nested(*spec, "timeToLiveSpecification");
    enabled = s.Bool("Enabled");
    s.Required("Enabled", enabled.has_value());
    attribute = s.String("AttributeName");
    s.Required("AttributeName", attribute.has_value());
    s.Length("AttributeName", attribute, 1, 255);
  }
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *name));
  const int64_t now_us = NowMicros();
  const int64_t cooldown_us = ctx.config->ttl_cooldown_s * 1000000;
  CIRRUS_RETURN_IF_ERROR(ctx.db->UpdateTable(*name, [&](db::TableDefinition& d) {
    db::TimeToLiveSettings& ttl = d.ttl;
    if (*enabled && ttl.enabled) {
      if (ttl.attribute != *attribute) {
        return ValidationError(
            "TimeToLive is active on a different AttributeName: current AttributeName is " +
            ttl.attribute);
      }
      return ValidationError("TimeToLive is already enabled");
    }
    if (!*enabled && !ttl.enabled) return ValidationError("TimeToLive is already disabled");
    if (!*enabled && ttl.attribute != *attribute) {
      return ValidationError(
          "TimeToLive is active on a different AttributeName: current AttributeName is " +
          ttl.attribute);
    }
    if (ttl.changed_us != 0 && now_us - ttl.changed_us < cooldown_us) {
      return ValidationError(
          "Time to live has been modified multiple times within a fixed interval");
    }
    ttl = {std::string(*attribute), *enabled, now_us};
    return Status();
  }).status());
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("TimeToLiveSpecification");
  w.BeginObject();
  w.Key("Enabled");
  w.Bool(*enabled);
  w.Key("AttributeName");
  w.String(*attribute);
  w.EndObject();
  w.EndObject();
  return body;
}

Result<std::string> Describe(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, *name));
  const db::TimeToLiveSettings& ttl = table->definition().ttl;
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("TimeToLiveDescription");
  w.BeginObject();
  w.Key("TimeToLiveStatus");
  w.String(ttl.enabled ? "ENABLED" : "DISABLED");
  if (ttl.enabled) {
    w.Key("AttributeName");
    w.String(ttl.attribute);
  }
  w.EndObject();
  w.EndObject();
  return body;
}

}  // namespace

void UpdateTimeToLive(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Update(ctx, request));
}

void DescribeTimeToLive(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Describe(ctx, request));
}

}  // namespace cirrus::server
