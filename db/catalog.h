#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/item/status.h"
#include "db/key_codec.h"

namespace cirrus::db {

// On disk: never renumber.
enum class BillingMode : uint8_t { kProvisioned = 1, kPayPerRequest = 2 };

struct ProvisionedThroughput {
  int64_t read_capacity_units = 0;
  int64_t write_capacity_units = 0;
  int64_t last_increase_us = 0;  // epoch microseconds; 0 = never
  int64_t last_decrease_us = 0;
  int64_t decreases_today = 0;
  friend bool operator==(const ProvisionedThroughput&, const ProvisionedThroughput&) = default;
};

// On disk: never renumber.
enum class IndexKind : uint8_t { kGlobal = 1, kLocal = 2 };
enum class ProjectionType : uint8_t { kKeysOnly = 1, kInclude = 2, kAll = 3 };
enum class IndexStatus : uint8_t { kCreating = 1, kActive = 2, kDeleting = 3 };

// A secondary index of a table. Its entries live in their own partition B-trees (like a
// table's), keyed by the index key and then the table's stored key.
struct IndexDefinition {
  std::string name;
  IndexKind kind = IndexKind::kGlobal;
  KeySchema key_schema;  // LSI: the table's partition key and another sort key
  ProjectionType projection = ProjectionType::kAll;
  std::vector<std::string> non_key_attributes;  // kInclude
  uint32_t storage_id = 0;
  uint32_t partition_count = 1;
  IndexStatus status = IndexStatus::kActive;  // kCreating while a GSI is backfilled
  int64_t read_capacity_units = 0;  // GSI, provisioned tables
  int64_t write_capacity_units = 0;

  friend bool operator==(const IndexDefinition&, const IndexDefinition&) = default;
};

// On disk: never renumber.
enum class StreamViewType : uint8_t { kKeysOnly = 1, kNewImage = 2, kOldImage = 3, kNewAndOldImages = 4 };

// A table's latest change stream. DynamoDB keeps reporting it (LatestStreamArn) after it
// is disabled; enabling again starts a new one.
struct StreamSettings {
  uint32_t stream_id = 0;  // 0: the table never had a stream
  bool enabled = false;    // changes are being recorded
  StreamViewType view_type = StreamViewType::kNewAndOldImages;
  std::string label;  // creation time, "2015-05-20T20:51:10.252"

  friend bool operator==(const StreamSettings&, const StreamSettings&) = default;
};

// A table's time to live: items whose `attribute` is a Number of epoch seconds in the past
// are deleted in the background (db/ttl.h).
struct TimeToLiveSettings {
  std::string attribute;  // empty: never set
  bool enabled = false;
  int64_t changed_us = 0;  // the last UpdateTimeToLive (its cool-down counts from there)
  friend bool operator==(const TimeToLiveSettings&, const TimeToLiveSettings&) = default;
};

// Point-in-time recovery as UpdateContinuousBackups sets it (recorded and described; a
// restore to a point in time is not served).
struct RecoverySettings {
  bool enabled = false;
  int64_t since_us = 0;       // when it was last enabled
  int64_t period_days = 35;   // RecoveryPeriodInDays
  friend bool operator==(const RecoverySettings&, const RecoverySettings&) = default;
};

// A table restored from a backup (RestoreTableFromBackup): where from, and whether its items
// are still being written (the table is CREATING until they are).
struct RestoreSettings {
  bool in_progress = false;
  std::string backup_id;         // the backup's id (db/backup.h), empty: not restored
  std::string source_table_arn;
  int64_t restored_us = 0;       // the backup's creation time (RestoreDateTime)
  friend bool operator==(const RestoreSettings&, const RestoreSettings&) = default;
};

// A table as the catalog B-tree stores it: what the storage engine needs (name, key schema,
// partitions, storage id) and what DescribeTable reports. Times are epoch microseconds.
struct TableDefinition {
  std::string name;
  std::string table_id;     // TableId: a UUID, fixed at creation
  uint32_t storage_id = 0;  // names the partition B-trees; never reused within a data dir
  KeySchema key_schema;
  std::vector<KeyAttribute> attribute_definitions;
  uint32_t partition_count = 1;  // a power of two, fixed at creation
  int64_t creation_time_us = 0;
  BillingMode billing_mode = BillingMode::kProvisioned;
  ProvisionedThroughput throughput;
  int64_t pay_per_request_since_us = 0;  // LastUpdateToPayPerRequestDateTime; 0 = unset
  bool deletion_protection = false;
  std::string table_class = "STANDARD";
  // OnDemandThroughput's maximum request units per second (-1: no maximum; 0: never set) and
  // WarmThroughput's asked-for units per second (0: the default). Recorded and described;
  // nothing is throttled.
  int64_t max_read_request_units = 0;
  int64_t max_write_request_units = 0;
  int64_t warm_read_units = 0;
  int64_t warm_write_units = 0;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<IndexDefinition> indexes;
  StreamSettings stream;
  TimeToLiveSettings ttl;
  RecoverySettings recovery;
  RestoreSettings restore;

  const IndexDefinition* FindIndex(std::string_view index_name) const;
  // Makes attribute_definitions the key attributes of the table and its indexes, each once,
  // in the order they are first used (an index added or dropped adds or drops its keys).
  void SyncAttributeDefinitions();

  friend bool operator==(const TableDefinition&, const TableDefinition&) = default;
};

// Catalog record := version:u8(=1)  (field:varint  value:bytes)*
//   Each field is a tag (kField* in catalog.cc) and its value's bytes: integers as zigzag varints,
//   strings as bytes, key attributes as name:bytes type:u8. A reader skips fields it does
//   not know, so adding a field needs no version bump; changing one does.
std::string EncodeTableDefinition(const TableDefinition& definition);
// A change stream as the "streams" B-tree stores it. It outlives its table: a disabled
// stream, or the stream of a deleted table, stays readable for the retention period.
// Each table partition is a shard; a record's sequence number is unique in the data
// directory and grows with commit order.
struct StreamDefinition {
  uint32_t stream_id = 0;
  std::string table_name;
  std::string table_id;
  std::string label;
  StreamViewType view_type = StreamViewType::kNewAndOldImages;
  KeySchema key_schema;
  uint32_t shard_count = 1;
  uint64_t start_sequence = 0;    // no record of the stream has a smaller sequence number
  int64_t created_us = 0;
  int64_t closed_us = 0;          // 0 while changes are recorded
  // Per shard: its records up to this sequence number were removed (absent: none).
  std::vector<uint64_t> trimmed;

  uint64_t TrimmedThrough(uint32_t shard) const { return shard < trimmed.size() ? trimmed[shard] : 0; }

  friend bool operator==(const StreamDefinition&, const StreamDefinition&) = default;
};

std::string EncodeStreamDefinition(const StreamDefinition& definition);
Result<StreamDefinition> DecodeStreamDefinition(std::string_view stored);

// A fresh TableId: a random (version 4) UUID.
std::string NewTableId();
Result<TableDefinition> DecodeTableDefinition(std::string_view stored);

}  // namespace cirrus::db
