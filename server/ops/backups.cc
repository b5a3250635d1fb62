// On-demand backups: CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
// RestoreTableFromBackup (server/backups.h keeps them), and RestoreTableToPointInTime to the
// latest restorable time (a copy of the table now; earlier times are refused).
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateBackup.html
#include <algorithm>

#include "db/item/clock.h"
#include "server/backups.h"
#include "server/ops/common.h"
#include "server/ops/indexes.h"
#include "server/ops/ops.h"
#include "streams/records.h"

namespace cirrus::server {
namespace {

using wire::JsonWriter;

constexpr int64_t kListPage = 100;   // ListBackups' answers without a Limit

std::string BackupArn(const ServerConfig& config, std::string_view table, std::string_view id) {
  return TableArn(config, table) + "/backup/" + std::string(id);
}

// The backup id of an ARN ".../table/<name>/backup/<id>"; empty when it has none.
std::string BackupIdOf(std::string_view arn) {
  size_t at = arn.rfind("/backup/");
  return at == std::string_view::npos ? std::string() : std::string(arn.substr(at + 8));
}

Status BackupNotFound(std::string_view arn) {
  return Status(ErrorKind::kBackupNotFound, "Backup not found: " + std::string(arn));
}

Result<Backups*> Service(OperationContext& ctx) {
  if (!ctx.backups) return InternalError("backups are not available on this server");
  return ctx.backups.get();
}

// Reads BackupArn and finds its backup.
Result<BackupRecord> FindBackup(OperationContext& ctx, std::string_view arn) {
  CIRRUS_ASSIGN_OR_RETURN(Backups * backups, Service(ctx));
  const std::string id = BackupIdOf(arn);
  if (id.empty()) return BackupNotFound(arn);
  CIRRUS_ASSIGN_OR_RETURN(std::optional<BackupRecord> record, backups->Find(id));
  if (!record) return BackupNotFound(arn);
  return std::move(*record);
}

std::optional<std::string_view> ReadBackupArn(RequestReader& r, std::string_view member) {
  std::optional<std::string_view> arn = r.String(member);
  r.Required(member, arn.has_value());
  r.Length(member, arn, 37, 1024);
  return arn;
}

// BackupStatus: CREATING, AVAILABLE, or DELETED in DeleteBackup's answer.
const char* StatusOf(const BackupRecord& b, bool deleted = false) {
  return deleted ? "DELETED" : b.available ? "AVAILABLE" : "CREATING";
}

void WriteBackupDetails(const BackupRecord& b, bool deleted, const ServerConfig& config,
                        JsonWriter& w) {
  w.BeginObject();
  w.Key("BackupArn");
  w.String(BackupArn(config, b.table_name, b.id));
  w.Key("BackupName");
  w.String(b.name);
  if (b.available) {
    w.Key("BackupSizeBytes");
    w.Int(static_cast<int64_t>(b.size_bytes));
  }
  w.Key("BackupStatus");
  w.String(StatusOf(b, deleted));
  w.Key("BackupType");
  w.String("USER");
  w.Key("BackupCreationDateTime");
  w.Double(EpochSeconds(b.created_us));
  w.EndObject();
}

void WriteThroughput(int64_t read, int64_t write, JsonWriter& w) {
  w.Key("ProvisionedThroughput");
  w.BeginObject();
  w.Key("ReadCapacityUnits");
  w.Int(read);
  w.Key("WriteCapacityUnits");
  w.Int(write);
  w.EndObject();
}

std::string BackupDescription(const BackupRecord& b, const ServerConfig& config,
                              bool deleted = false) {
  Result<db::TableDefinition> decoded = db::DecodeTableDefinition(b.definition);
  const db::TableDefinition d = decoded.ok() ? std::move(*decoded) : db::TableDefinition();
  const bool on_demand = d.billing_mode == db::BillingMode::kPayPerRequest;
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("BackupDescription");
  w.BeginObject();
  w.Key("BackupDetails");
  WriteBackupDetails(b, deleted, config, w);
  w.Key("SourceTableDetails");
  w.BeginObject();
  w.Key("TableName");
  w.String(b.table_name);
  w.Key("TableId");
  w.String(b.table_id);
  w.Key("TableArn");
  w.String(TableArn(config, b.table_name));
  w.Key("TableSizeBytes");
  w.Int(b.table_size_bytes);
  w.Key("KeySchema");
  WriteKeySchema(d.key_schema, w);
  w.Key("TableCreationDateTime");
  w.Double(EpochSeconds(d.creation_time_us));
  WriteThroughput(on_demand ? 0 : d.throughput.read_capacity_units,
                  on_demand ? 0 : d.throughput.write_capacity_units, w);
  w.Key("ItemCount");
  w.Int(b.table_item_count);
  w.Key("BillingMode");
  w.String(on_demand ? "PAY_PER_REQUEST" : "PROVISIONED");
  w.EndObject();
  w.Key("SourceTableFeatureDetails");
  w.BeginObject();
  for (db::IndexKind kind : {db::IndexKind::kLocal, db::IndexKind::kGlobal}) {
    const bool any = std::any_of(d.indexes.begin(), d.indexes.end(),
                                 [&](const db::IndexDefinition& x) { return x.kind == kind; });
    if (!any) continue;
    w.Key(kind == db::IndexKind::kLocal ? "LocalSecondaryIndexes" : "GlobalSecondaryIndexes");
    w.BeginArray();
    for (const db::IndexDefinition& x : d.indexes) {
      if (x.kind != kind) continue;
      w.BeginObject();
      w.Key("IndexName");
      w.String(x.name);
      w.Key("KeySchema");
      WriteKeySchema(x.key_schema, w);
      WriteProjection(x, w);
      if (kind == db::IndexKind::kGlobal) {
        WriteThroughput(x.read_capacity_units, x.write_capacity_units, w);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  if (d.stream.enabled) {
    w.Key("StreamDescription");
    w.BeginObject();
    w.Key("StreamEnabled");
    w.Bool(true);
    w.Key("StreamViewType");
    w.String(streams::ViewTypeName(d.stream.view_type));
    w.EndObject();
  }
  if (d.ttl.enabled) {
    w.Key("TimeToLiveDescription");
    w.BeginObject();
    w.Key("TimeToLiveStatus");
    w.String("ENABLED");
    w.Key("AttributeName");
    w.String(d.ttl.attribute);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return body;
}

Result<std::string> RunCreate(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> table_name = ReadTableName(r);
  std::optional<std::string_view> backup_name = r.String("BackupName");
  r.Required("BackupName", backup_name.has_value());
  r.Name("BackupName", backup_name);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(Backups * backups, Service(ctx));
  std::shared_ptr<const db::Table> table = ctx.db->FindTable(*table_name);
  if (!table) return Status(ErrorKind::kTableNotFound, "Table not found: " + *table_name);
  if (table->definition().restore.in_progress) {
    return Status(ErrorKind::kTableInUse, "Table is being restored: " + *table_name);
  }
  CIRRUS_ASSIGN_OR_RETURN(BackupRecord record,
                          backups->Create(std::move(table), std::string(*backup_name)));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("BackupDetails");
  WriteBackupDetails(record, /*deleted=*/false, *ctx.config, w);
  w.EndObject();
  return body;
}

Result<std::string> RunDescribe(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> arn = ReadBackupArn(r, "BackupArn");
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(BackupRecord record, FindBackup(ctx, *arn));
  return BackupDescription(record, *ctx.config);
}

Result<std::string> RunDelete(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> arn = ReadBackupArn(r, "BackupArn");
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(Backups * backups, Service(ctx));
  const std::string id = BackupIdOf(*arn);
  if (id.empty()) return BackupNotFound(*arn);
  Result<BackupRecord> deleted = backups->Delete(id);
  if (!deleted.ok()) {
    if (deleted.status().kind() == ErrorKind::kBackupNotFound) return BackupNotFound(*arn);
    if (deleted.status().kind() == ErrorKind::kBackupInUse) {
      return Status(ErrorKind::kBackupInUse, deleted.status().message() + std::string(*arn));
    }
    return deleted.status();
  }
  return BackupDescription(*deleted, *ctx.config, /*deleted=*/true);
}

Result<std::string> RunList(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> table_name;
  if (request.Find("TableName")) table_name = ReadTableName(r);
  std::optional<int64_t> limit = r.Long("Limit");
  r.Minimum("Limit", limit, 1);
  r.Maximum("Limit", limit, 100);
  std::optional<double> lower = r.Timestamp("TimeRangeLowerBound");
  std::optional<double> upper = r.Timestamp("TimeRangeUpperBound");
  std::optional<std::string_view> start = r.String("ExclusiveStartBackupArn");
  r.Length("ExclusiveStartBackupArn", start, 37, 1024);
  std::optional<std::string_view> type = r.String("BackupType");
  r.Enum("BackupType", type, {"USER", "SYSTEM", "AWS_BACKUP", "ALL"});
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(Backups * backups, Service(ctx));
  if (lower && upper && *lower > *upper) {
    return ValidationError("TimeRangeUpperBound cannot be less than TimeRangeLowerBound");
  }
  const bool user = !type || *type == "USER" || *type == "ALL";  // every backup here is USER
  const size_t page = static_cast<size_t>(limit.value_or(kListPage));
  auto keep = [&](const BackupRecord& b) {
    const double created = EpochSeconds(b.created_us);
    return user && (!table_name || b.table_name == *table_name) && (!lower || created >= *lower) &&
           (!upper || created < *upper);
  };
  // One more than a page tells whether there is a next one.
  CIRRUS_ASSIGN_OR_RETURN(std::vector<BackupRecord> found,
                          backups->List(start ? BackupIdOf(*start) : std::string(), page + 1, keep));
  const bool more = found.size() > page;
  if (more) found.resize(page);
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("BackupSummaries");
  w.BeginArray();
  for (const BackupRecord& b : found) {
    w.BeginObject();
    w.Key("TableName");
    w.String(b.table_name);
    w.Key("TableId");
    w.String(b.table_id);
    w.Key("TableArn");
    w.String(TableArn(*ctx.config, b.table_name));
    w.Key("BackupArn");
    w.String(BackupArn(*ctx.config, b.table_name, b.id));
    w.Key("BackupName");
    w.String(b.name);
    w.Key("BackupCreationDateTime");
    w.Double(EpochSeconds(b.created_us));
    w.Key("BackupStatus");
    w.String(StatusOf(b));
    w.Key("BackupType");
    w.String("USER");
    if (b.available) {
      w.Key("BackupSizeBytes");
      w.Int(static_cast<int64_t>(b.size_bytes));
    }
    w.EndObject();
  }
  w.EndArray();
  if (more) {
    w.Key("LastEvaluatedBackupArn");
    w.String(BackupArn(*ctx.config, found.back().table_name, found.back().id));
  }
  w.EndObject();
  return body;
}

// Which of the backup's indexes of one kind an override list keeps (each must name one of
// them); every one when there is no list. GSI throughput may be given anew.
Status ApplyIndexOverride(RequestReader& r, std::string_view member, bool global,
                          db::TableDefinition& d) {
  std::optional<std::vector<wire::JsonValue>> list = r.List(member);
  if (!list) return Status();
  std::vector<db::IndexDefinition> kept;
  for (size_t i = 0; i < list->size(); ++i) {
    std::optional<RequestReader> e = r.Element(member, i, (*list)[i]);
    if (!e) return Status();
    IndexRequest x = ReadIndexRequest(*e, global);
    if (e->failed()) return Status();  // r.Finish() reports it
    const db::IndexDefinition* found = d.FindIndex(x.name);
    if (!found || (found->kind == db::IndexKind::kGlobal) != global) {
      return ValidationError("One or more parameter values were invalid: " + std::string(member) +
                             " names " + x.name +
                             ", which is not an index of the backup's table");
    }
    db::IndexDefinition index = *found;
    if (x.throughput) {
      index.read_capacity_units = x.throughput->read;
      index.write_capacity_units = x.throughput->write;
    }
    kept.push_back(std::move(index));
  }
  const db::IndexKind other = global ? db::IndexKind::kLocal : db::IndexKind::kGlobal;
  for (const db::IndexDefinition& x : d.indexes) {
    if (x.kind == other) kept.push_back(x);
  }
  d.indexes = std::move(kept);
  return Status();
}

// What RestoreTableFromBackup and RestoreTableToPointInTime may change of the source table.
struct RestoreOverrides {
  std::optional<std::string_view> billing;
  std::optional<Throughput> throughput;
  std::optional<int64_t> max_read, max_write;  // OnDemandThroughputOverride
  SseRequest sse;
};

RestoreOverrides ReadRestoreOverrides(RequestReader& r, const wire::JsonValue& request) {
  RestoreOverrides o;
  o.billing = r.String("BillingModeOverride");
  r.Enum("BillingModeOverride", o.billing, {"PROVISIONED", "PAY_PER_REQUEST"});
  if (request.Find("ProvisionedThroughputOverride")) {
    if (std::optional<wire::JsonValue> t = r.Object("ProvisionedThroughputOverride")) {
      RequestReader p = r.Nested(*t, "provisionedThroughputOverride");
      std::optional<int64_t> read = p.Long("ReadCapacityUnits");
      std::optional<int64_t> write = p.Long("WriteCapacityUnits");
      p.Required("ReadCapacityUnits", read.has_value());
      p.Required("WriteCapacityUnits", write.has_value());
      p.Minimum("ReadCapacityUnits", read, 1);
      p.Minimum("WriteCapacityUnits", write, 1);
      if (read && write) o.throughput = Throughput{*read, *write};
    }
  }
  if (std::optional<wire::JsonValue> od = r.Object("OnDemandThroughputOverride")) {
    RequestReader p = r.Nested(*od, "onDemandThroughputOverride");
    o.max_read = p.Long("MaxReadRequestUnits");
    o.max_write = p.Long("MaxWriteRequestUnits");
  }
  if (request.Find("SSESpecificationOverride")) {
    if (std::optional<wire::JsonValue> spec = r.Object("SSESpecificationOverride")) {
      RequestReader s = r.Nested(*spec, "sSESpecificationOverride");
      std::optional<bool> enabled = s.Bool("Enabled");
      std::optional<std::string_view> type = s.String("SSEType");
      s.Enum("SSEType", type, {"AES256", "KMS"});
      std::optional<std::string_view> key = s.String("KMSMasterKeyId");
      o.sse = SseRequest{true, enabled.value_or(false) && (type == "KMS" || key.has_value())};
    }
  }
  return o;
}

// Turns the source table's definition `d` into the restored table's: a new name and id, new
// storage, and what a restore does not carry over (DynamoDB: tags, stream, TTL and PITR are
// set again on the new table) dropped; then the overrides.
Status MakeRestoredDefinition(OperationContext& ctx, const std::string& target,
                              const RestoreOverrides& o, db::TableDefinition& d) {
  if (o.sse.asks_for_kms) return SseRefused();
  if (ctx.db->FindTable(target)) {
    return Status(ErrorKind::kTableAlreadyExists, "Table already exists: " + target);
  }
  CIRRUS_RETURN_IF_ERROR(CheckTableQuota(*ctx.db));
  const int64_t now = NowMicros();
  d.name = target;
  d.table_id = db::NewTableId();
  d.storage_id = 0;
  d.creation_time_us = now;
  for (db::IndexDefinition& x : d.indexes) {
    x.storage_id = 0;
    x.status = db::IndexStatus::kActive;
  }
  d.tags.clear();
  d.stream = db::StreamSettings();
  d.ttl = db::TimeToLiveSettings();
  d.recovery = db::RecoverySettings();
  d.restore = db::RestoreSettings();
  d.deletion_protection = false;
  d.throughput.last_increase_us = d.throughput.last_decrease_us = 0;
  d.throughput.decreases_today = 0;
  if (o.max_read) d.max_read_request_units = *o.max_read;
  if (o.max_write) d.max_write_request_units = *o.max_write;
  if (o.billing == "PAY_PER_REQUEST" && o.throughput) {
    return ValidationError(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  }
  if (o.billing == "PAY_PER_REQUEST") {
    d.billing_mode = db::BillingMode::kPayPerRequest;
    d.pay_per_request_since_us = now;
    d.throughput.read_capacity_units = d.throughput.write_capacity_units = 0;
    for (db::IndexDefinition& x : d.indexes) x.read_capacity_units = x.write_capacity_units = 0;
  } else if (o.billing == "PROVISIONED") {
    d.billing_mode = db::BillingMode::kProvisioned;
  }
  if (d.billing_mode == db::BillingMode::kProvisioned) {
    if (o.throughput) {
      d.throughput.read_capacity_units = o.throughput->read;
      d.throughput.write_capacity_units = o.throughput->write;
    }
    if (d.throughput.read_capacity_units < 1 || d.throughput.write_capacity_units < 1) {
      return ValidationError(
          "One or more parameter values were invalid: ProvisionedThroughputOverride is required "
          "when restoring a PAY_PER_REQUEST table with BillingModeOverride PROVISIONED");
    }
    for (db::IndexDefinition& x : d.indexes) {
      if (x.kind == db::IndexKind::kGlobal && x.read_capacity_units < 1) {
        x.read_capacity_units = d.throughput.read_capacity_units;
        x.write_capacity_units = d.throughput.write_capacity_units;
      }
    }
    CIRRUS_RETURN_IF_ERROR(CheckThroughputQuota(
        {d.throughput.read_capacity_units, d.throughput.write_capacity_units}));
  }
  d.SyncAttributeDefinitions();
  d.restore.in_progress = true;
  return Status();
}

Result<std::string> RestoredTableResponse(OperationContext& ctx, const std::string& target,
                                          Result<std::shared_ptr<const db::Table>> table) {
  if (!table.ok() && table.status().kind() == ErrorKind::kResourceInUse) {
    return Status(ErrorKind::kTableAlreadyExists, "Table already exists: " + target);
  }
  CIRRUS_RETURN_IF_ERROR(table.status());
  return TableDescriptionResponse("TableDescription", **table, "CREATING", *ctx.config);
}

Result<std::string> RunRestore(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> target = ReadTableName(r, "TargetTableName");
  std::optional<std::string_view> arn = ReadBackupArn(r, "BackupArn");
  const RestoreOverrides overrides = ReadRestoreOverrides(r, request);
  // The backup's definition, for the index overrides to pick from.
  if (r.failed()) return r.Finish();
  CIRRUS_ASSIGN_OR_RETURN(BackupRecord backup, FindBackup(ctx, *arn));
  CIRRUS_ASSIGN_OR_RETURN(db::TableDefinition d, db::DecodeTableDefinition(backup.definition));
  Status indexes = ApplyIndexOverride(r, "GlobalSecondaryIndexOverride", true, d);
  if (indexes.ok()) indexes = ApplyIndexOverride(r, "LocalSecondaryIndexOverride", false, d);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(indexes);
  if (!backup.available) {
    return Status(ErrorKind::kBackupInUse, "Backup is being created: " + std::string(*arn));
  }
  CIRRUS_RETURN_IF_ERROR(MakeRestoredDefinition(ctx, *target, overrides, d));
  d.restore.backup_id = backup.id;
  d.restore.source_table_arn = TableArn(*ctx.config, backup.table_name);
  d.restore.restored_us = backup.created_us;
  CIRRUS_ASSIGN_OR_RETURN(Backups * backups, Service(ctx));
  Result<std::shared_ptr<const db::Table>> table = backups->Restore(backup, std::move(d));
  if (!table.ok() && table.status().kind() == ErrorKind::kBackupNotFound) return BackupNotFound(*arn);
  return RestoredTableResponse(ctx, *target, std::move(table));
}

// RestoreTableToPointInTime to the latest restorable time: the table as it is now, copied
// through a snapshot as a backup is. No history of past versions is kept, so an earlier
// RestoreDateTime is refused with a clear error.
Result<std::string> RunRestoreToPointInTime(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> source_arn = r.String("SourceTableArn");
  r.Length("SourceTableArn", source_arn, 1, 1024);
  std::optional<std::string_view> source_name = r.String("SourceTableName");
  r.Name("SourceTableName", source_name);
  std::optional<std::string> target = ReadTableName(r, "TargetTableName");
  std::optional<bool> latest = r.Bool("UseLatestRestorableTime");
  std::optional<double> when = r.Timestamp("RestoreDateTime");
  const RestoreOverrides overrides = ReadRestoreOverrides(r, request);
  if (r.failed()) return r.Finish();
  std::string source;
  if (source_name) {
    source = *source_name;
  } else if (source_arn) {
    size_t at = source_arn->find(":table/");
    source = at == std::string_view::npos ? std::string(*source_arn)
                                          : std::string(source_arn->substr(at + 7));
  } else {
    return ValidationError("Either source table name or source table arn must be specified");
  }
  std::shared_ptr<const db::Table> table = ctx.db->FindTable(source);
  if (!table) return Status(ErrorKind::kTableNotFound, "Table not found: " + source);
  db::TableDefinition d = table->definition();
  Status indexes = ApplyIndexOverride(r, "GlobalSecondaryIndexOverride", true, d);
  if (indexes.ok()) indexes = ApplyIndexOverride(r, "LocalSecondaryIndexOverride", false, d);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(indexes);
  if (!table->definition().recovery.enabled) {
    return Status(ErrorKind::kPointInTimeRecoveryUnavailable,
                  "Point in time recovery is not enabled for table '" + source + "'");
  }
  if (latest.value_or(false) && when) {
    return ValidationError("Only one of RestoreDateTime or UseLatestRestorableTime may be specified");
  }
  if (!latest.value_or(false)) {
    return ValidationError(
        "RestoreTableToPointInTime serves only UseLatestRestorableTime in this version of "
        "CirrusDB: no history of past versions is kept to restore an earlier RestoreDateTime "
        "from. Use CreateBackup and RestoreTableFromBackup to keep a table as it was");
  }
  if (table->definition().restore.in_progress) {
    return Status(ErrorKind::kTableInUse, "Table is being restored: " + source);
  }
  CIRRUS_RETURN_IF_ERROR(MakeRestoredDefinition(ctx, *target, overrides, d));
  d.restore.source_table_arn = TableArn(*ctx.config, source);
  d.restore.restored_us = NowMicros();
  CIRRUS_ASSIGN_OR_RETURN(Backups * backups, Service(ctx));
  return RestoredTableResponse(ctx, *target, backups->RestoreLatest(table, std::move(d)));
}

}  // namespace

void CreateBackup(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunCreate(ctx, request));
}
void DescribeBackup(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunDescribe(ctx, request));
}
void ListBackups(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunList(ctx, request));
}
void DeleteBackup(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunDelete(ctx, request));
}
void RestoreTableFromBackup(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunRestore(ctx, request));
}
void RestoreTableToPointInTime(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunRestoreToPointInTime(ctx, request));
}

}  // namespace cirrus::server
