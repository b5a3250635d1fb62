#include "server/ops/common.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "db/item_codec.h"
#include "server/capacity.h"
#include "server/ops/indexes.h"
#include "server/wire/item_json.h"
#include "streams/records.h"

namespace cirrus::server {

using wire::JsonValue;
using wire::JsonWriter;

std::optional<std::string> ReadTableName(RequestReader& r, std::string_view member) {
  std::optional<std::string_view> value = r.String(member);
  r.Required(member, value.has_value());
  if (!value) return std::nullopt;
  if (value->empty()) {  // one error, the ARN form's length (conformance fact M8)
    r.Length(member, value, 1, 1024);
    return std::nullopt;
  }
  // A table ARN: arn:aws:dynamodb:<region>:<account>:table/<name>
  constexpr std::string_view kArnPrefix = "arn:";
  if (value->substr(0, kArnPrefix.size()) == kArnPrefix) {
    r.Length(member, value, 1, 1024);
    size_t slash = value->find(":table/");
    if (slash == std::string_view::npos) {
      r.Violation(member, "'" + std::string(*value) + "'",
                  "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
      return std::nullopt;
    }
    std::string_view name = value->substr(slash + 7);
    r.Name(member, name);
    return std::string(name);
  }
  r.Name(member, value);
  return std::string(*value);
}

Result<std::shared_ptr<const db::Table>> FindTable(OperationContext& ctx, std::string_view name) {
  std::shared_ptr<const db::Table> table = ctx.db->FindTable(name);
  // A table being restored is CREATING: not there yet for items, as in DynamoDB.
  if (!table || table->definition().restore.in_progress) {
    return Status(ErrorKind::kResourceNotFound, "Requested resource not found");
  }
  return table;
}

std::string TableArn(const ServerConfig& config, std::string_view table_name) {
  return "arn:aws:dynamodb:" + config.region + ":" + config.account_id + ":table/" +
         std::string(table_name);
}

double EpochSeconds(int64_t micros) { return static_cast<double>(micros / 1000) / 1000.0; }

void WriteTableDescription(const db::Table& table, std::string_view status,
                           const ServerConfig& config, JsonWriter& w) {
  const db::TableDefinition& d = table.definition();
  w.BeginObject();
  w.Key("AttributeDefinitions");
  w.BeginArray();
  for (const db::KeyAttribute& a : d.attribute_definitions) {
    w.BeginObject();
    w.Key("AttributeName");
    w.String(a.name);
    w.Key("AttributeType");
    w.String(db::TypeName(a.type));
    w.EndObject();
  }
  w.EndArray();
  w.Key("TableName");
  w.String(d.name);
  w.Key("KeySchema");
  WriteKeySchema(d.key_schema, w);
  w.Key("TableStatus");
  w.String(d.restore.in_progress ? "CREATING" : status);
  w.Key("CreationDateTime");
  w.Double(EpochSeconds(d.creation_time_us));
  w.Key("ProvisionedThroughput");
  w.BeginObject();
  if (d.throughput.last_increase_us) {
    w.Key("LastIncreaseDateTime");
    w.Double(EpochSeconds(d.throughput.last_increase_us));
  }
  if (d.throughput.last_decrease_us) {
    w.Key("LastDecreaseDateTime");
    w.Double(EpochSeconds(d.throughput.last_decrease_us));
  }
  w.Key("NumberOfDecreasesToday");
  w.Int(d.throughput.decreases_today);
  w.Key("ReadCapacityUnits");
  w.Int(d.billing_mode == db::BillingMode::kPayPerRequest ? 0 : d.throughput.read_capacity_units);
  w.Key("WriteCapacityUnits");
  w.Int(d.billing_mode == db::BillingMode::kPayPerRequest ? 0 : d.throughput.write_capacity_units);
  w.EndObject();
  w.Key("TableSizeBytes");
  w.Int(table.size_bytes());
  w.Key("ItemCount");
  w.Int(table.item_count());
  w.Key("TableArn");
  w.String(TableArn(config, d.name));
  w.Key("TableId");
  w.String(d.table_id);
  if (d.billing_mode == db::BillingMode::kPayPerRequest || d.pay_per_request_since_us != 0) {
    w.Key("BillingModeSummary");
    w.BeginObject();
    w.Key("BillingMode");
    w.String(d.billing_mode == db::BillingMode::kPayPerRequest ? "PAY_PER_REQUEST" : "PROVISIONED");
    w.Key("LastUpdateToPayPerRequestDateTime");
    w.Double(EpochSeconds(d.pay_per_request_since_us));
    w.EndObject();
  }
  if (d.table_class != "STANDARD") {
    w.Key("TableClassSummary");
    w.BeginObject();
    w.Key("TableClass");
    w.String(d.table_class);
    w.EndObject();
  }
  WriteIndexDescriptions(table, config, w);
  if (d.stream.enabled) {
    w.Key("StreamSpecification");
    w.BeginObject();
    w.Key("StreamEnabled");
    w.Bool(true);
    w.Key("StreamViewType");
    w.String(streams::ViewTypeName(d.stream.view_type));
    w.EndObject();
  }
  if (d.stream.stream_id) {
    w.Key("LatestStreamLabel");
    w.String(d.stream.label);
    w.Key("LatestStreamArn");
    w.String(streams::StreamArn(config.region, config.account_id, d.name, d.stream.label));
  }
  if (d.max_read_request_units || d.max_write_request_units) {
    w.Key("OnDemandThroughput");
    w.BeginObject();
    w.Key("MaxReadRequestUnits");
    w.Int(d.max_read_request_units ? d.max_read_request_units : -1);
    w.Key("MaxWriteRequestUnits");
    w.Int(d.max_write_request_units ? d.max_write_request_units : -1);
    w.EndObject();
  }
  // DynamoDB describes every table's warm throughput: at least its defaults (12,000 reads
  // and 4,000 writes a second), more when asked for.
  w.Key("WarmThroughput");
  w.BeginObject();
  w.Key("ReadUnitsPerSecond");
  w.Int(std::max<int64_t>(d.warm_read_units, 12000));
  w.Key("WriteUnitsPerSecond");
  w.Int(std::max<int64_t>(d.warm_write_units, 4000));
  w.Key("Status");
  w.String("ACTIVE");
  w.EndObject();
  if (!d.restore.backup_id.empty()) {
    w.Key("RestoreSummary");
    w.BeginObject();
    if (d.restore.backup_id.rfind("pitr-", 0) != 0) {  // not a point-in-time restore
      w.Key("SourceBackupArn");
      w.String(d.restore.source_table_arn + "/backup/" + d.restore.backup_id);
    }
    w.Key("SourceTableArn");
    w.String(d.restore.source_table_arn);
    w.Key("RestoreDateTime");
    w.Double(EpochSeconds(d.restore.restored_us));
    w.Key("RestoreInProgress");
    w.Bool(d.restore.in_progress);
    w.EndObject();
  }
  w.Key("DeletionProtectionEnabled");
  w.Bool(d.deletion_protection);
  w.EndObject();
}

bool ReadThroughputSettings(RequestReader& r, db::TableDefinition* d) {
  bool given = false;
  if (std::optional<JsonValue> od = r.Object("OnDemandThroughput")) {
    given = true;
    RequestReader o = r.Nested(*od, "onDemandThroughput");
    std::optional<int64_t> read = o.Long("MaxReadRequestUnits");
    std::optional<int64_t> write = o.Long("MaxWriteRequestUnits");
    for (auto [member, value] : {std::pair{"MaxReadRequestUnits", read}, {"MaxWriteRequestUnits", write}}) {
      if (value && *value != -1 && *value < 1) {
        o.Violation(member, std::to_string(*value), "Member must be -1 or greater than or equal to 1");
      }
    }
    if (read) d->max_read_request_units = *read;
    if (write) d->max_write_request_units = *write;
  }
  if (std::optional<JsonValue> warm = r.Object("WarmThroughput")) {
    given = true;
    RequestReader o = r.Nested(*warm, "warmThroughput");
    std::optional<int64_t> read = o.Long("ReadUnitsPerSecond");
    std::optional<int64_t> write = o.Long("WriteUnitsPerSecond");
    o.Minimum("ReadUnitsPerSecond", read, 1);
    o.Minimum("WriteUnitsPerSecond", write, 1);
    if (read) d->warm_read_units = *read;
    if (write) d->warm_write_units = *write;
  }
  return given;
}

Status CheckTableQuota(const db::Database& db) {
  constexpr size_t kMaxTables = 2500;
  if (db.TableNames().size() < kMaxTables) return Status();
  return Status(ErrorKind::kLimitExceeded,
                "Subscriber limit exceeded: You have exceeded the maximum number of tables "
                "allowed: " + std::to_string(kMaxTables));
}

Status TableBeingRestored(const db::Table& table) {
  if (!table.definition().restore.in_progress) return Status();
  return Status(ErrorKind::kResourceInUse,
                "Attempt to change a resource which is still in use: Table is being created: " +
                    table.name());
}

std::string TableDescriptionResponse(std::string_view member, const db::Table& table,
                                     std::string_view status, const ServerConfig& config) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key(member);
  WriteTableDescription(table, status, config, w);
  w.EndObject();
  return body;
}

Status TableNotFound(std::string_view name) {
  return Status(ErrorKind::kResourceNotFound,
                "Requested resource not found: Table: " + std::string(name) + " not found");
}

std::optional<Throughput> ReadProvisionedThroughput(RequestReader& r) {
  std::optional<JsonValue> pt = r.Object("ProvisionedThroughput");
  if (!pt) return std::nullopt;
  RequestReader p = r.Nested(*pt, r.PathOf("ProvisionedThroughput"));
  std::optional<int64_t> read = p.Long("ReadCapacityUnits");
  std::optional<int64_t> write = p.Long("WriteCapacityUnits");
  p.Required("ReadCapacityUnits", read.has_value());
  p.Minimum("ReadCapacityUnits", read, 1);
  p.Required("WriteCapacityUnits", write.has_value());
  p.Minimum("WriteCapacityUnits", write, 1);
  return Throughput{read.value_or(0), write.value_or(0)};
}

Status CheckThroughputQuota(const Throughput& t) {
  constexpr int64_t kMaxTableThroughput = 40000;
  if (t.read > kMaxTableThroughput || t.write > kMaxTableThroughput) {
    return Status(ErrorKind::kLimitExceeded,
                  "Subscriber limit exceeded: Provisioned throughput for a table cannot exceed " +
                      std::to_string(kMaxTableThroughput) + " read or write capacity units");
  }
  return Status();
}

CapacityReport ReadCapacityReport(RequestReader& r) {
  std::optional<std::string_view> v = r.String("ReturnConsumedCapacity");
  r.Enum("ReturnConsumedCapacity", v, {"INDEXES", "TOTAL", "NONE"});
  if (v == "TOTAL") return CapacityReport::kTotal;
  if (v == "INDEXES") return CapacityReport::kIndexes;
  return CapacityReport::kNone;
}

double ReadUnits(size_t bytes, bool consistent) {
  double units = std::max<double>(1, std::ceil(static_cast<double>(bytes) / 4096));
  return consistent ? units : units / 2;
}

double WriteUnits(size_t bytes) {
  return std::max<double>(1, std::ceil(static_cast<double>(bytes) / 1024));
}

void WriteConsumedCapacity(JsonWriter& w, CapacityReport report, std::string_view table,
                           double units, bool read, const db::IndexDefinition* index) {
  auto write_units = [&] {
    w.Key("CapacityUnits");
    w.Double(units);
    w.Key(read ? "ReadCapacityUnits" : "WriteCapacityUnits");
    w.Double(units);
  };
  w.BeginObject();
  w.Key("TableName");
  w.String(table);
  write_units();
  if (report == CapacityReport::kIndexes) {
    if (index) {
      w.Key(index->kind == db::IndexKind::kGlobal ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
      w.BeginObject();
      w.Key(index->name);
    } else {
      w.Key("Table");
    }
    w.BeginObject();
    write_units();
    w.EndObject();
    if (index) w.EndObject();
  }
  w.EndObject();
}

void TableWriteUnits::Add(const db::ItemWrite& write, double factor) {
  table += factor * WriteUnits(std::max(write.old_size, write.new_size));
  for (const db::ItemWrite::IndexWrites& x : write.index_writes) {
    double& part = (x.global ? global : local)[x.index];
    for (int64_t size : x.entry_sizes) part += factor * WriteUnits(static_cast<size_t>(size));
  }
}

double TableWriteUnits::total() const {
  double sum = table;
  for (const auto& [name, units] : global) sum += units;
  for (const auto& [name, units] : local) sum += units;
  return sum;
}

void MeterRead(OperationContext& ctx, std::string_view table, double units, const db::IndexDefinition* index) {
  const std::string_view index_name = index ? std::string_view(index->name) : std::string_view();
  if (ctx.meter) ctx.meter->AddRead(table, index_name, units);
  if (ctx.limiter) ctx.limiter->Consume(table, index_name, units, true);
}

void MeterWrite(OperationContext& ctx, std::string_view table, const TableWriteUnits& units) {
  auto add = [&](std::string_view index, double u) {
    if (ctx.meter) ctx.meter->AddWrite(table, index, u);
    if (ctx.limiter) ctx.limiter->Consume(table, index, u, false);
  };
  add("", units.table);
  for (const auto& [name, u] : units.global) add(name, u);
  for (const auto& [name, u] : units.local) add(name, u);
}

void WriteWriteCapacity(JsonWriter& w, CapacityReport report, std::string_view table,
                        const TableWriteUnits& units) {
  auto write_units = [&](double u) {
    w.Key("CapacityUnits");
    w.Double(u);
    w.Key("WriteCapacityUnits");
    w.Double(u);
  };
  w.BeginObject();
  w.Key("TableName");
  w.String(table);
  write_units(units.total());
  if (report == CapacityReport::kIndexes) {
    w.Key("Table");
    w.BeginObject();
    write_units(units.table);
    w.EndObject();
    for (const auto* part : {&units.global, &units.local}) {
      if (part->empty()) continue;
      w.Key(part == &units.global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
      w.BeginObject();
      for (const auto& [name, u] : *part) {
        w.Key(name);
        w.BeginObject();
        write_units(u);
        w.EndObject();
      }
      w.EndObject();
    }
  }
  w.EndObject();
}

void WriteItemCollectionMetrics(const db::ItemWrite& write, JsonWriter& w) {
  const db::KeyAttribute& pk = write.table->codec().schema().partition_key();
  Result<Item> key = write.table->codec().DecodeKey(write.key);
  w.BeginObject();
  w.Key("ItemCollectionKey");
  Item collection_key;
  if (key.ok()) collection_key.emplace(pk.name, key->at(pk.name));
  wire::WriteItem(collection_key, w);
  // DynamoDB gives a range of whole gigabytes around its estimate; ours is exact.
  constexpr double kGb = 1024.0 * 1024 * 1024;
  const double lower = std::floor(static_cast<double>(*write.collection_size) / kGb);
  w.Key("SizeEstimateRangeGB");
  w.BeginArray();
  w.Double(lower);
  w.Double(lower + 1);
  w.EndArray();
  w.EndObject();
}

Outcome TransactionCanceled(const std::vector<CancellationReason>& reasons) {
  std::string codes, members = "\"CancellationReasons\":";
  wire::JsonWriter w(&members);
  w.BeginArray();
  for (const CancellationReason& reason : reasons) {
    if (!codes.empty()) codes += ", ";
    codes += reason.code;
    w.BeginObject();
    w.Key("Code");
    w.String(reason.code);
    if (!reason.message.empty()) {
      w.Key("Message");
      w.String(reason.message);
    }
    if (reason.item) {
      w.Key("Item");
      wire::WriteItem(*reason.item, w);
    }
    w.EndObject();
  }
  w.EndArray();
  return Outcome(Status(ErrorKind::kTransactionCanceled,
                        "Transaction cancelled, please refer cancellation reasons for specific "
                        "reasons [" + codes + "]"),
                 std::move(members));
}

Status NotYetSupported(std::string_view member) {
  return ValidationError(std::string(member) +
                         " is not supported by this version of CirrusDB yet");
}

SseRequest ReadSseSpecification(RequestReader& r) {
  SseRequest out;
  std::optional<JsonValue> spec = r.Object("SSESpecification");
  if (!spec) return out;
  out.present = true;
  RequestReader s = r.Nested(*spec, r.PathOf("SSESpecification"));
  std::optional<bool> enabled = s.Bool("Enabled");
  std::optional<std::string_view> type = s.String("SSEType");
  s.Enum("SSEType", type, {"AES256", "KMS"});
  std::optional<std::string_view> key = s.String("KMSMasterKeyId");
  out.asks_for_kms = enabled.value_or(false) || (type && *type == "KMS") || key.has_value();
  return out;
}

Status SseRefused() {
  return ValidationError(
      "SSESpecification with an AWS KMS key is not supported by this version of CirrusDB: its data "
      "is protected by the data directory's own file permissions and disk encryption. Omit "
      "SSESpecification or set Enabled to false (the default, an AWS owned key)");
}

Result<Item> ReadItem(const JsonValue& json) { return wire::ParseItem(json); }

Status WriteStoredItem(std::string_view stored, wire::JsonWriter& w) {
  wire::StoredItemJsonWriter writer(w);
  w.BeginObject();
  CIRRUS_RETURN_IF_ERROR(db::WalkStoredItem(stored, writer));
  w.EndObject();
  return Status();
}

}  // namespace cirrus::server
