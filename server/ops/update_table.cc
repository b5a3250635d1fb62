// UpdateTable: billing mode, provisioned throughput, deletion protection, table class, and
// global secondary indexes (created online, with a backfill; deleted in the background).
#include <algorithm>
#include <chrono>

#include "server/ops/common.h"
#include "server/ops/indexes.h"
#include "server/ops/ops.h"
#include "streams/records.h"

namespace cirrus::server {
namespace {

constexpr int64_t kMaxDecreasesPerDay = 27;
constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

// One GlobalSecondaryIndexUpdates element: exactly one of Create, Update, Delete.
struct IndexUpdate {
  int actions = 0;
  std::optional<IndexRequest> create;
  struct Update {
    std::string index_name;
    std::optional<Throughput> throughput;
  };
  std::optional<Update> update;
  std::string delete_name;
  std::string index_name;  // of whichever action
};

IndexUpdate ReadIndexUpdate(RequestReader& e) {
  IndexUpdate u;
  if (std::optional<wire::JsonValue> create = e.Object("Create")) {
    ++u.actions;
    RequestReader c = e.Nested(*create, e.PathOf("Create"));
    u.create = ReadIndexRequest(c, /*global=*/true);
    u.index_name = u.create->name;
  }
  if (std::optional<wire::JsonValue> update = e.Object("Update")) {
    ++u.actions;
    RequestReader c = e.Nested(*update, e.PathOf("Update"));
    std::optional<std::string_view> index = c.String("IndexName");
    c.Required("IndexName", index.has_value());
    c.Name("IndexName", index);
    u.update.emplace();
    u.update->throughput = ReadProvisionedThroughput(c);
    c.Required("ProvisionedThroughput", u.update->throughput.has_value());
    u.index_name = std::string(index.value_or(""));
  }
  if (std::optional<wire::JsonValue> del = e.Object("Delete")) {
    ++u.actions;
    RequestReader c = e.Nested(*del, e.PathOf("Delete"));
    std::optional<std::string_view> index = c.String("IndexName");
    c.Required("IndexName", index.has_value());
    c.Name("IndexName", index);
    u.delete_name = std::string(index.value_or(""));
    u.index_name = u.delete_name;
  }
  return u;
}

db::IndexDefinition* FindGlobalIndex(db::TableDefinition& d, std::string_view name) {
  for (db::IndexDefinition& x : d.indexes) {
    if (x.name == name && x.kind == db::IndexKind::kGlobal) return &x;
  }
  return nullptr;
}
const db::IndexDefinition* FindGlobalIndex(const db::TableDefinition& d, std::string_view name) {
  return FindGlobalIndex(const_cast<db::TableDefinition&>(d), name);
}

Status IndexNotFound(std::string_view name) {
  return Status(ErrorKind::kResourceNotFound,
                "Requested resource not found: Index: " + std::string(name) + " not found");
}

// A GSI Create against the table as it is: its keys must be in AttributeDefinitions, with
// the types the table already uses for them.
Result<db::IndexDefinition> CheckCreate(const db::Table& table, const IndexRequest& x,
                                        const std::vector<db::KeyAttribute>& given,
                                        bool has_definitions,
                                        std::optional<std::string_view> billing,
                                        uint32_t partitions) {
  const db::TableDefinition& d = table.definition();
  if (d.FindIndex(x.name)) {
    return ValidationError("One or more parameter values were invalid: Attempting to create an "
                           "index which already exists");
  }
  if (!has_definitions) {
    return ValidationError(
        "One or more parameter values were invalid: AttributeDefinitions must be specified when "
        "creating a global secondary index");
  }
  CIRRUS_RETURN_IF_ERROR(CheckKeySchema(x.keys, KeySchemaOf::kGlobalIndex));
  std::vector<db::KeyAttribute> definitions = d.attribute_definitions;
  for (const db::KeyAttribute& a : given) {
    auto it = std::find_if(definitions.begin(), definitions.end(),
                           [&](const db::KeyAttribute& b) { return b.name == a.name; });
    if (it == definitions.end()) {
      definitions.push_back(a);
    } else if (it->type != a.type) {
      // The service's text, with the attribute's role where it is used now and in the new
      // index (conformance fact T2).
      std::string existing_role = "HASH", new_role = "HASH";
      auto role_in = [&](const db::KeySchema& k) -> std::optional<std::string> {
        auto named = [&](const db::KeyAttribute& b) { return b.name == a.name; };
        if (std::any_of(k.partition_keys.begin(), k.partition_keys.end(), named)) return std::string("HASH");
        if (std::any_of(k.sort_keys.begin(), k.sort_keys.end(), named)) return std::string("RANGE");
        return std::nullopt;
      };
      if (auto r = role_in(d.key_schema)) {
        existing_role = *r;
      } else {
        for (const db::IndexDefinition& index : d.indexes) {
          if (auto ir = role_in(index.key_schema)) {
            existing_role = *ir;
            break;
          }
        }
      }
      for (const KeyElement& k : x.keys) {
        if (k.name == a.name) new_role = k.type;
      }
      return ValidationError(
          "One or more parameter values were invalid: Attributes cannot be redefined. Please "
          "check that your attribute has the same type as previously defined. Existing schema: "
          "Schema:[SchemaElement: key{" + a.name + ":" + std::string(db::TypeName(it->type)) + ":" +
          existing_role + "}] New schema: Schema:[SchemaElement: key{" + a.name + ":" +
          std::string(db::TypeName(a.type)) + ":" + new_role + "}]");
    }
  }
  for (const KeyElement& k : x.keys) {
    auto same = [&](const db::KeyAttribute& a) { return a.name == k.name; };
    if (std::find_if(given.begin(), given.end(), same) == given.end()) {
      std::string names;
      for (const db::KeyAttribute& a : given) names += (names.empty() ? "" : ", ") + a.name;
      return ValidationError(
          "One or more parameter values were invalid: Some index key attributes are not defined "
          "in AttributeDefinitions. Keys: [" + k.name + "], AttributeDefinitions: [" + names + "]");
    }
  }
  const bool on_demand = billing ? *billing == "PAY_PER_REQUEST"
                                 : d.billing_mode == db::BillingMode::kPayPerRequest;
  CIRRUS_ASSIGN_OR_RETURN(db::IndexDefinition index,
                          MakeIndexDefinition(x, d.key_schema, definitions, on_demand, partitions));
  std::vector<db::IndexDefinition> all = d.indexes;
  all.push_back(index);
  CIRRUS_RETURN_IF_ERROR(CheckIndexLimits(all));
  return index;
}

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
  std::optional<std::vector<wire::JsonValue>> gsi_list = r.List("GlobalSecondaryIndexUpdates");
  std::vector<IndexUpdate> gsi_updates;
  for (size_t i = 0; gsi_list && i < gsi_list->size(); ++i) {
    std::optional<RequestReader> e = r.Element("GlobalSecondaryIndexUpdates", i, (*gsi_list)[i]);
    if (!e) break;
    gsi_updates.push_back(ReadIndexUpdate(*e));
  }
  std::optional<bool> stream_enabled;
  std::optional<std::string_view> view_type;
  if (std::optional<wire::JsonValue> stream = r.Object("StreamSpecification")) {
    RequestReader s = r.Nested(*stream, "streamSpecification");
    stream_enabled = s.Bool("StreamEnabled");
    s.Required("StreamEnabled", stream_enabled.has_value());
    view_type = s.String("StreamViewType");
    s.Enum("StreamViewType", view_type, {"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"});
  }
  std::optional<std::vector<db::KeyAttribute>> defined = ReadAttributeDefinitions(r);
  const bool has_definitions = defined.has_value();
  std::vector<db::KeyAttribute> definitions = defined.value_or(std::vector<db::KeyAttribute>());
  const SseRequest sse = ReadSseSpecification(r);
  db::TableDefinition settings;
  const bool has_settings = ReadThroughputSettings(r, &settings);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  if (sse.asks_for_kms) return SseRefused();

  if (stream_enabled && *stream_enabled && !view_type) {
    return ValidationError(
        "One or more parameter values were invalid: StreamSpecification must have "
        "StreamViewType specified when StreamEnabled is true");
  }
  if (stream_enabled && !*stream_enabled && view_type) {
    return ValidationError(
        "One or more parameter values were invalid: StreamSpecification must not have "
        "StreamViewType specified when StreamEnabled is false");
  }
  if (!billing && !has_throughput && !deletion_protection && !table_class && !sse.present && !stream_enabled &&
      !has_definitions && gsi_updates.empty() && !has_settings) {
    return ValidationError(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  }
  if (throughput) CIRRUS_RETURN_IF_ERROR(CheckThroughputQuota(*throughput));
  size_t online = 0;  // creates and deletes
  for (const IndexUpdate& u : gsi_updates) {
    if (u.actions != 1) {
      return ValidationError(
          "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Create, "
          "GlobalSecondaryIndexUpdate.Update or GlobalSecondaryIndexUpdate.Delete must be "
          "specified, and only one");
    }
    if (!u.update) ++online;
  }
  if (online > 1) {
    return Status(ErrorKind::kLimitExceeded,
                  "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                  "simultaneously per table");
  }
  std::shared_ptr<const db::Table> current = ctx.db->FindTable(*name);
  if (!current) return TableNotFound(*name);
  CIRRUS_RETURN_IF_ERROR(TableBeingRestored(*current));

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
      // A BillingMode equal to the current one is no change either (conformance fact T8).
      if (!was_on_demand && throughput->read == t.read_capacity_units && throughput->write == t.write_capacity_units &&
          !deletion_protection && !table_class) {
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
    if (stream_enabled) {
      if (*stream_enabled && d.stream.enabled) {
        return ValidationError("Table already has an enabled stream: TableName: " + d.name);
      }
      if (!*stream_enabled && !d.stream.enabled) {
        return ValidationError("Table has no stream to disable: TableName: " + d.name);
      }
      d.stream.enabled = *stream_enabled;
      if (view_type) d.stream.view_type = *streams::ParseViewType(*view_type);
    }
    if (deletion_protection) d.deletion_protection = *deletion_protection;
    if (table_class) d.table_class = std::string(*table_class);
    if (settings.max_read_request_units) d.max_read_request_units = settings.max_read_request_units;
    if (settings.max_write_request_units) d.max_write_request_units = settings.max_write_request_units;
    if (settings.warm_read_units) d.warm_read_units = settings.warm_read_units;
    if (settings.warm_write_units) d.warm_write_units = settings.warm_write_units;
    for (const IndexUpdate& u : gsi_updates) {
      if (!u.update) continue;
      db::IndexDefinition* x = FindGlobalIndex(d, u.index_name);
      if (!x) return IndexNotFound(u.index_name);
      if (on_demand) {
        return ValidationError(
            "One or more parameter values were invalid: ProvisionedThroughput cannot be specified "
            "for index: " + u.index_name + " when BillingMode is PAY_PER_REQUEST");
      }
      x->read_capacity_units = u.update->throughput->read;
      x->write_capacity_units = u.update->throughput->write;
    }
    return Status();
  };
  const bool table_change = billing || has_throughput || deletion_protection || table_class || stream_enabled ||
                            has_settings ||
                            std::any_of(gsi_updates.begin(), gsi_updates.end(),
                                        [](const IndexUpdate& u) { return u.update.has_value(); });
  std::shared_ptr<const db::Table> table = current;
  // An index create or delete is checked in full before anything changes.
  const IndexUpdate* online_update = nullptr;
  for (const IndexUpdate& u : gsi_updates) {
    if (!u.update) online_update = &u;
  }
  std::optional<db::IndexDefinition> created;
  if (online_update && online_update->create) {
    CIRRUS_ASSIGN_OR_RETURN(created, CheckCreate(*current, *online_update->create, definitions,
                                                 has_definitions, billing, ctx.config->default_partitions));
  } else if (online_update && !FindGlobalIndex(current->definition(), online_update->delete_name)) {
    return IndexNotFound(online_update->delete_name);
  }
  if (table_change) {
    CIRRUS_ASSIGN_OR_RETURN(table, ctx.db->UpdateTable(*name, change));
  }
  if (created) {
    CIRRUS_ASSIGN_OR_RETURN(table, ctx.db->CreateIndex(*name, std::move(*created)));
  } else if (online_update) {
    CIRRUS_ASSIGN_OR_RETURN(table, ctx.db->DeleteIndex(*name, online_update->delete_name));
  }
  return TableDescriptionResponse("TableDescription", *table, "UPDATING", *ctx.config);
}

}  // namespace

void UpdateTable(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
