#include "db/catalog.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "db/bytes.h"

namespace cirrus::db {
namespace {

constexpr uint8_t kCatalogVersion = 1;

// Field tags. On disk: never renumber or reuse.
enum Field : uint64_t {
  kFieldName = 1,
  kFieldTableId = 2,
  kFieldStorageId = 3,
  kFieldPartitionKey = 4,
  kFieldSortKey = 5,
  kFieldAttributeDefinition = 6,  // repeated
  kFieldPartitionCount = 7,
  kFieldCreationTime = 8,
  kFieldBillingMode = 9,
  kFieldReadCapacity = 10,
  kFieldWriteCapacity = 11,
  kFieldLastIncrease = 12,
  kFieldLastDecrease = 13,
  kFieldDecreasesToday = 14,
  kFieldPayPerRequestSince = 15,
  kFieldDeletionProtection = 16,
  kFieldTableClass = 17,
  kFieldTag = 18,  // repeated: key:bytes value:bytes
  kFieldIndex = 19,  // repeated: an IndexDefinition, fields kIndexField*
  kFieldStreamId = 20,
  kFieldStreamEnabled = 21,
  kFieldStreamViewType = 22,
  kFieldStreamLabel = 23,
  kFieldTtlAttribute = 24,
  kFieldTtlEnabled = 25,
  kFieldTtlChanged = 26,
  kFieldRecoveryEnabled = 27,
  kFieldRecoverySince = 28,
  kFieldRecoveryPeriod = 29,
  kFieldRestoreInProgress = 30,
  kFieldRestoreBackup = 31,
  kFieldRestoreSourceTable = 32,
  kFieldRestoreTime = 33,
  kFieldMaxReadRequestUnits = 34,
  kFieldMaxWriteRequestUnits = 35,
  kFieldWarmReadUnits = 36,
  kFieldWarmWriteUnits = 37,
};

// Fields of a stream record ("streams" B-tree). On disk: never renumber or reuse.
enum StreamField : uint64_t {
  kStreamFieldId = 1,
  kStreamFieldTableName = 2,
  kStreamFieldTableId = 3,
  kStreamFieldLabel = 4,
  kStreamFieldViewType = 5,
  kStreamFieldPartitionKey = 6,
  kStreamFieldSortKey = 7,
  kStreamFieldShardCount = 8,
  kStreamFieldStartSequence = 9,
  kStreamFieldCreated = 10,
  kStreamFieldClosed = 11,
  kStreamFieldTrimmed = 12,  // repeated, one per shard
};

// Fields of an index record (nested in kFieldIndex). On disk: never renumber or reuse.
enum IndexField : uint64_t {
  kIndexFieldName = 1,
  kIndexFieldKind = 2,
  kIndexFieldPartitionKey = 3,  // repeated: a multi-attribute GSI's, in order
  kIndexFieldSortKey = 4,       // repeated, as kIndexFieldPartitionKey
  kIndexFieldProjection = 5,
  kIndexFieldNonKeyAttribute = 6,  // repeated
  kIndexFieldStorageId = 7,
  kIndexFieldPartitionCount = 8,
  kIndexFieldStatus = 9,
  kIndexFieldReadCapacity = 10,
  kIndexFieldWriteCapacity = 11,
};

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

class FieldWriter {
 public:
  explicit FieldWriter(std::string* out) : out_(out) {}
  void Bytes(uint64_t f, std::string_view v) {
    PutVarint(f, out_);
    PutBytes(v, out_);
  }
  void Int(uint64_t f, int64_t v) {
    std::string tmp;
    PutVarint(ZigZag(v), &tmp);
    Bytes(f, tmp);
  }
  void Key(uint64_t f, const KeyAttribute& a) {
    std::string tmp;
    PutBytes(a.name, &tmp);
    tmp.push_back(static_cast<char>(a.type));
    Bytes(f, tmp);
  }
  // One field per attribute, in order (tables and streams have one partition key and at most
  // one sort key; the fields were single before multi-attribute GSI keys).
  void Keys(uint64_t partition_field, uint64_t sort_field, const KeySchema& schema) {
    for (const KeyAttribute& a : schema.partition_keys) Key(partition_field, a);
    for (const KeyAttribute& a : schema.sort_keys) Key(sort_field, a);
  }

 private:
  std::string* out_;
};

bool ReadInt(std::string_view bytes, int64_t* v) {
  ByteReader r(bytes);
  uint64_t u;
  if (!r.Varint(&u) || !r.empty()) return false;
  *v = UnZigZag(u);
  return true;
}

bool ReadKey(std::string_view bytes, KeyAttribute* a) {
  ByteReader r(bytes);
  std::string_view name;
  uint8_t type;
  if (!r.Bytes(&name) || !r.U8(&type) || !r.empty() || type < 1 || type > 3) return false;
  a->name = std::string(name);
  a->type = static_cast<ScalarType>(type);
  return true;
}

bool AppendKey(std::string_view bytes, std::vector<KeyAttribute>* keys) {
  KeyAttribute a;
  if (!ReadKey(bytes, &a) || keys->size() >= kMaxKeyAttributesPerRole) return false;
  keys->push_back(std::move(a));
  return true;
}

std::string EncodeIndex(const IndexDefinition& x) {
  std::string out;
  FieldWriter w(&out);
  w.Bytes(kIndexFieldName, x.name);
  w.Int(kIndexFieldKind, static_cast<int64_t>(x.kind));
  w.Keys(kIndexFieldPartitionKey, kIndexFieldSortKey, x.key_schema);
  w.Int(kIndexFieldProjection, static_cast<int64_t>(x.projection));
  for (const std::string& a : x.non_key_attributes) w.Bytes(kIndexFieldNonKeyAttribute, a);
  w.Int(kIndexFieldStorageId, x.storage_id);
  w.Int(kIndexFieldPartitionCount, x.partition_count);
  w.Int(kIndexFieldStatus, static_cast<int64_t>(x.status));
  w.Int(kIndexFieldReadCapacity, x.read_capacity_units);
  w.Int(kIndexFieldWriteCapacity, x.write_capacity_units);
  return out;
}

bool DecodeIndex(std::string_view bytes, IndexDefinition* x) {
  ByteReader r(bytes);
  while (!r.empty()) {
    uint64_t field;
    std::string_view value;
    if (!r.Varint(&field) || !r.Bytes(&value)) return false;
    int64_t i = 0;
    switch (field) {
      case kIndexFieldName: x->name = std::string(value); break;
      case kIndexFieldPartitionKey: if (!AppendKey(value, &x->key_schema.partition_keys)) return false; break;
      case kIndexFieldSortKey: if (!AppendKey(value, &x->key_schema.sort_keys)) return false; break;
      case kIndexFieldNonKeyAttribute: x->non_key_attributes.emplace_back(value); break;
      case kIndexFieldKind:
      case kIndexFieldProjection:
      case kIndexFieldStorageId:
      case kIndexFieldPartitionCount:
      case kIndexFieldStatus:
      case kIndexFieldReadCapacity:
      case kIndexFieldWriteCapacity:
        if (!ReadInt(value, &i)) return false;
        if (field == kIndexFieldKind) x->kind = static_cast<IndexKind>(i);
        if (field == kIndexFieldProjection) x->projection = static_cast<ProjectionType>(i);
        if (field == kIndexFieldStorageId) x->storage_id = static_cast<uint32_t>(i);
        if (field == kIndexFieldPartitionCount) x->partition_count = static_cast<uint32_t>(i);
        if (field == kIndexFieldStatus) x->status = static_cast<IndexStatus>(i);
        if (field == kIndexFieldReadCapacity) x->read_capacity_units = i;
        if (field == kIndexFieldWriteCapacity) x->write_capacity_units = i;
        break;
      default:
        break;  // newer field
    }
  }
  return !x->name.empty() && x->partition_count > 0 && !x->key_schema.partition_keys.empty();
}

}  // namespace

const IndexDefinition* TableDefinition::FindIndex(std::string_view index_name) const {
  for (const IndexDefinition& x : indexes) {
    if (x.name == index_name) return &x;
  }
  return nullptr;
}

void TableDefinition::SyncAttributeDefinitions() {
  std::vector<KeyAttribute> used;
  auto use = [&](const KeySchema& schema) {
    for (const std::vector<KeyAttribute>* role : {&schema.partition_keys, &schema.sort_keys}) {
      for (const KeyAttribute& a : *role) {
        auto same = [&](const KeyAttribute& b) { return b.name == a.name; };
        if (std::find_if(used.begin(), used.end(), same) == used.end()) used.push_back(a);
      }
    }
  };
  use(key_schema);
  for (const IndexDefinition& x : indexes) use(x.key_schema);
  // Keep the order the definitions were given in; append the new ones.
  std::vector<KeyAttribute> synced;
  for (const KeyAttribute& a : attribute_definitions) {
    auto same = [&](const KeyAttribute& b) { return b.name == a.name; };
    if (std::find_if(used.begin(), used.end(), same) != used.end()) synced.push_back(a);
  }
  for (const KeyAttribute& a : used) {
    auto same = [&](const KeyAttribute& b) { return b.name == a.name; };
    if (std::find_if(synced.begin(), synced.end(), same) == synced.end()) synced.push_back(a);
  }
  attribute_definitions = std::move(synced);
}

std::string EncodeTableDefinition(const TableDefinition& d) {
  std::string out;
  out.push_back(static_cast<char>(kCatalogVersion));
  FieldWriter w(&out);
  w.Bytes(kFieldName, d.name);
  w.Bytes(kFieldTableId, d.table_id);
  w.Int(kFieldStorageId, d.storage_id);
  w.Keys(kFieldPartitionKey, kFieldSortKey, d.key_schema);
  for (const KeyAttribute& a : d.attribute_definitions) w.Key(kFieldAttributeDefinition, a);
  w.Int(kFieldPartitionCount, d.partition_count);
  w.Int(kFieldCreationTime, d.creation_time_us);
  w.Int(kFieldBillingMode, static_cast<int64_t>(d.billing_mode));
  w.Int(kFieldReadCapacity, d.throughput.read_capacity_units);
  w.Int(kFieldWriteCapacity, d.throughput.write_capacity_units);
  w.Int(kFieldLastIncrease, d.throughput.last_increase_us);
  w.Int(kFieldLastDecrease, d.throughput.last_decrease_us);
  w.Int(kFieldDecreasesToday, d.throughput.decreases_today);
  w.Int(kFieldPayPerRequestSince, d.pay_per_request_since_us);
  w.Int(kFieldDeletionProtection, d.deletion_protection ? 1 : 0);
  w.Bytes(kFieldTableClass, d.table_class);
  for (const auto& [key, value] : d.tags) {
    std::string tmp;
    PutBytes(key, &tmp);
    PutBytes(value, &tmp);
    w.Bytes(kFieldTag, tmp);
  }
  for (const IndexDefinition& x : d.indexes) w.Bytes(kFieldIndex, EncodeIndex(x));
  if (d.stream.stream_id != 0) {
    w.Int(kFieldStreamId, d.stream.stream_id);
    w.Int(kFieldStreamEnabled, d.stream.enabled ? 1 : 0);
    w.Int(kFieldStreamViewType, static_cast<int64_t>(d.stream.view_type));
    w.Bytes(kFieldStreamLabel, d.stream.label);
  }
  if (!d.ttl.attribute.empty() || d.ttl.changed_us != 0) {
    w.Bytes(kFieldTtlAttribute, d.ttl.attribute);
    w.Int(kFieldTtlEnabled, d.ttl.enabled ? 1 : 0);
    w.Int(kFieldTtlChanged, d.ttl.changed_us);
  }
  if (d.recovery != RecoverySettings()) {
    w.Int(kFieldRecoveryEnabled, d.recovery.enabled ? 1 : 0);
    w.Int(kFieldRecoverySince, d.recovery.since_us);
    w.Int(kFieldRecoveryPeriod, d.recovery.period_days);
  }
  if (d.max_read_request_units) w.Int(kFieldMaxReadRequestUnits, d.max_read_request_units);
  if (d.max_write_request_units) w.Int(kFieldMaxWriteRequestUnits, d.max_write_request_units);
  if (d.warm_read_units) w.Int(kFieldWarmReadUnits, d.warm_read_units);
  if (d.warm_write_units) w.Int(kFieldWarmWriteUnits, d.warm_write_units);
  if (d.restore != RestoreSettings()) {
    w.Int(kFieldRestoreInProgress, d.restore.in_progress ? 1 : 0);
    w.Bytes(kFieldRestoreBackup, d.restore.backup_id);
    w.Bytes(kFieldRestoreSourceTable, d.restore.source_table_arn);
    w.Int(kFieldRestoreTime, d.restore.restored_us);
  }
  return out;
}

Result<TableDefinition> DecodeTableDefinition(std::string_view stored) {
  Status corrupt = InternalError("corrupt catalog record");
  ByteReader r(stored);
  uint8_t version;
  if (!r.U8(&version) || version != kCatalogVersion) return corrupt;
  TableDefinition d;
  while (!r.empty()) {
    uint64_t field;
    std::string_view bytes;
    if (!r.Varint(&field) || !r.Bytes(&bytes)) return corrupt;
    int64_t i = 0;
    bool ok = true;
    switch (field) {
      case kFieldName: d.name = std::string(bytes); break;
      case kFieldTableId: d.table_id = std::string(bytes); break;
      case kFieldTableClass: d.table_class = std::string(bytes); break;
      case kFieldStreamLabel: d.stream.label = std::string(bytes); break;
      case kFieldTtlAttribute: d.ttl.attribute = std::string(bytes); break;
      case kFieldRestoreBackup: d.restore.backup_id = std::string(bytes); break;
      case kFieldRestoreSourceTable: d.restore.source_table_arn = std::string(bytes); break;
      case kFieldPartitionKey: ok = AppendKey(bytes, &d.key_schema.partition_keys); break;
      case kFieldSortKey: ok = AppendKey(bytes, &d.key_schema.sort_keys); break;
      case kFieldAttributeDefinition: {
        KeyAttribute a;
        ok = ReadKey(bytes, &a);
        d.attribute_definitions.push_back(std::move(a));
        break;
      }
      case kFieldIndex: {
        IndexDefinition x;
        ok = DecodeIndex(bytes, &x);
        d.indexes.push_back(std::move(x));
        break;
      }
      case kFieldTag: {
        ByteReader t(bytes);
        std::string_view key, value;
        ok = t.Bytes(&key) && t.Bytes(&value) && t.empty();
        d.tags.emplace_back(std::string(key), std::string(value));
        break;
      }
      case kFieldStorageId:
      case kFieldPartitionCount:
      case kFieldCreationTime:
      case kFieldBillingMode:
      case kFieldReadCapacity:
      case kFieldWriteCapacity:
      case kFieldLastIncrease:
      case kFieldLastDecrease:
      case kFieldDecreasesToday:
      case kFieldPayPerRequestSince:
      case kFieldDeletionProtection:
      case kFieldStreamId:
      case kFieldStreamEnabled:
      case kFieldStreamViewType:
      case kFieldTtlEnabled:
      case kFieldTtlChanged:
      case kFieldRecoveryEnabled:
      case kFieldRecoverySince:
      case kFieldRecoveryPeriod:
      case kFieldRestoreInProgress:
      case kFieldRestoreTime:
      case kFieldMaxReadRequestUnits:
      case kFieldMaxWriteRequestUnits:
      case kFieldWarmReadUnits:
      case kFieldWarmWriteUnits:
        ok = ReadInt(bytes, &i);
        switch (field) {
          case kFieldStorageId: d.storage_id = static_cast<uint32_t>(i); break;
          case kFieldPartitionCount: d.partition_count = static_cast<uint32_t>(i); break;
          case kFieldCreationTime: d.creation_time_us = i; break;
          case kFieldBillingMode: d.billing_mode = static_cast<BillingMode>(i); break;
          case kFieldReadCapacity: d.throughput.read_capacity_units = i; break;
          case kFieldWriteCapacity: d.throughput.write_capacity_units = i; break;
          case kFieldLastIncrease: d.throughput.last_increase_us = i; break;
          case kFieldLastDecrease: d.throughput.last_decrease_us = i; break;
          case kFieldDecreasesToday: d.throughput.decreases_today = i; break;
          case kFieldPayPerRequestSince: d.pay_per_request_since_us = i; break;
          case kFieldDeletionProtection: d.deletion_protection = i != 0; break;
          case kFieldStreamId: d.stream.stream_id = static_cast<uint32_t>(i); break;
          case kFieldStreamEnabled: d.stream.enabled = i != 0; break;
          case kFieldStreamViewType: d.stream.view_type = static_cast<StreamViewType>(i); break;
          case kFieldTtlEnabled: d.ttl.enabled = i != 0; break;
          case kFieldTtlChanged: d.ttl.changed_us = i; break;
          case kFieldRecoveryEnabled: d.recovery.enabled = i != 0; break;
          case kFieldRecoverySince: d.recovery.since_us = i; break;
          case kFieldRecoveryPeriod: d.recovery.period_days = i; break;
          case kFieldRestoreInProgress: d.restore.in_progress = i != 0; break;
          case kFieldRestoreTime: d.restore.restored_us = i; break;
          case kFieldMaxReadRequestUnits: d.max_read_request_units = i; break;
          case kFieldMaxWriteRequestUnits: d.max_write_request_units = i; break;
          case kFieldWarmReadUnits: d.warm_read_units = i; break;
          case kFieldWarmWriteUnits: d.warm_write_units = i; break;
        }
        break;
      default:
        break;  // a field from a newer version: skip it
    }
    if (!ok) return corrupt;
  }
  if (d.name.empty() || d.partition_count == 0 || d.key_schema.partition_keys.size() != 1 ||
      d.key_schema.sort_keys.size() > 1 || (d.partition_count & (d.partition_count - 1)) != 0) {
    return corrupt;
  }
  return d;
}

std::string EncodeStreamDefinition(const StreamDefinition& d) {
  std::string out;
  out.push_back(static_cast<char>(kCatalogVersion));
  FieldWriter w(&out);
  w.Int(kStreamFieldId, d.stream_id);
  w.Bytes(kStreamFieldTableName, d.table_name);
  w.Bytes(kStreamFieldTableId, d.table_id);
  w.Bytes(kStreamFieldLabel, d.label);
  w.Int(kStreamFieldViewType, static_cast<int64_t>(d.view_type));
  w.Keys(kStreamFieldPartitionKey, kStreamFieldSortKey, d.key_schema);
  w.Int(kStreamFieldShardCount, d.shard_count);
  w.Int(kStreamFieldStartSequence, static_cast<int64_t>(d.start_sequence));
  w.Int(kStreamFieldCreated, d.created_us);
  w.Int(kStreamFieldClosed, d.closed_us);
  for (uint64_t t : d.trimmed) w.Int(kStreamFieldTrimmed, static_cast<int64_t>(t));
  return out;
}

Result<StreamDefinition> DecodeStreamDefinition(std::string_view stored) {
  Status corrupt = InternalError("corrupt stream record");
  ByteReader r(stored);
  uint8_t version;
  if (!r.U8(&version) || version != kCatalogVersion) return corrupt;
  StreamDefinition d;
  while (!r.empty()) {
    uint64_t field;
    std::string_view bytes;
    if (!r.Varint(&field) || !r.Bytes(&bytes)) return corrupt;
    int64_t i = 0;
    bool ok = true;
    switch (field) {
      case kStreamFieldTableName: d.table_name = std::string(bytes); break;
      case kStreamFieldTableId: d.table_id = std::string(bytes); break;
      case kStreamFieldLabel: d.label = std::string(bytes); break;
      case kStreamFieldPartitionKey: ok = AppendKey(bytes, &d.key_schema.partition_keys); break;
      case kStreamFieldSortKey: ok = AppendKey(bytes, &d.key_schema.sort_keys); break;
      case kStreamFieldId:
      case kStreamFieldViewType:
      case kStreamFieldShardCount:
      case kStreamFieldStartSequence:
      case kStreamFieldCreated:
      case kStreamFieldClosed:
      case kStreamFieldTrimmed:
        ok = ReadInt(bytes, &i);
        switch (field) {
          case kStreamFieldId: d.stream_id = static_cast<uint32_t>(i); break;
          case kStreamFieldViewType: d.view_type = static_cast<StreamViewType>(i); break;
          case kStreamFieldShardCount: d.shard_count = static_cast<uint32_t>(i); break;
          case kStreamFieldStartSequence: d.start_sequence = static_cast<uint64_t>(i); break;
          case kStreamFieldCreated: d.created_us = i; break;
          case kStreamFieldClosed: d.closed_us = i; break;
          case kStreamFieldTrimmed: d.trimmed.push_back(static_cast<uint64_t>(i)); break;
        }
        break;
      default:
        break;  // a field from a newer version
    }
    if (!ok) return corrupt;
  }
  if (d.stream_id == 0 || d.shard_count == 0 || d.key_schema.partition_keys.size() != 1) return corrupt;
  return d;
}

std::string NewTableId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

}  // namespace cirrus::db
