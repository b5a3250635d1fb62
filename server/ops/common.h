#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "server/ops/operation.h"
#include "server/request_reader.h"
#include "server/wire/json_writer.h"

// Helpers shared by the operations in server/ops/.
namespace cirrus::server {

// Reads TableName (a table name, or a table ARN of which the name is used) with DynamoDB's
// constraints. nullopt when absent or invalid (the violation is recorded in `r`).
std::optional<std::string> ReadTableName(RequestReader& r, std::string_view member = "TableName");

// The table, or ResourceNotFoundException as data-plane operations report it.
Result<std::shared_ptr<const db::Table>> FindTable(OperationContext& ctx, std::string_view name);

std::string TableArn(const ServerConfig& config, std::string_view table_name);

// A timestamp as DynamoDB's JSON answers carry one: epoch seconds with milliseconds.
double EpochSeconds(int64_t micros);

// Writes a stored item (db/item_codec.h) as DynamoDB JSON without decoding it into an Item.
Status WriteStoredItem(std::string_view stored, wire::JsonWriter& w);

// TableDescription, as CreateTable, DescribeTable, UpdateTable and DeleteTable return it.
void WriteTableDescription(const db::Table& table, std::string_view status,
                           const ServerConfig& config, wire::JsonWriter& w);
// {"<member>": TableDescription}: a control-plane operation's whole response.
std::string TableDescriptionResponse(std::string_view member, const db::Table& table,
                                     std::string_view status, const ServerConfig& config);
// ResourceInUseException while the table is being restored from a backup (UpdateTable,
// DeleteTable, ...), else OK.
Status TableBeingRestored(const db::Table& table);
// ResourceNotFoundException as the control plane words it.
Status TableNotFound(std::string_view name);

// AWS's default quota of tables per region (2,500): LimitExceededException when there is no
// room for one more (CreateTable, the restores).
Status CheckTableQuota(const db::Database& db);

// ProvisionedThroughput {ReadCapacityUnits, WriteCapacityUnits}, both required, >= 1.
struct Throughput {
  int64_t read = 0;
  int64_t write = 0;
};
std::optional<Throughput> ReadProvisionedThroughput(RequestReader& r);
// AWS's default per-table quota: LimitExceededException above it.
Status CheckThroughputQuota(const Throughput& t);

// ReturnConsumedCapacity and DynamoDB's capacity arithmetic
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
enum class CapacityReport : uint8_t { kNone, kTotal, kIndexes };
CapacityReport ReadCapacityReport(RequestReader& r);
// One read of `bytes`: 4 KB units rounded up, at least one; halved when eventually consistent.
double ReadUnits(size_t bytes, bool consistent);
// One write of `bytes` (the larger of the old and new item): 1 KB units rounded up, at least one.
double WriteUnits(size_t bytes);
// Writes a ConsumedCapacity object as the next value; `index`: the units were consumed
// reading that index (INDEXES then reports them under it rather than under "Table").
void WriteConsumedCapacity(wire::JsonWriter& w, CapacityReport report, std::string_view table,
                           double units, bool read, const db::IndexDefinition* index = nullptr);

// The write units of one table's writes by part: the table's and each index's (an index
// is charged for each entry a write puts or deletes, db::ItemWrite::index_writes).
struct TableWriteUnits {
  double table = 0;
  std::map<std::string, double> global, local;  // by index name
  // Adds a committed write, `factor` times (transactions: 2).
  void Add(const db::ItemWrite& write, double factor = 1);
  double total() const;
};
// Metering (db/usage.h): what a request consumed, whether or not it asked for
// ConsumedCapacity. A read of an index is metered as the index's (and the table's total).
void MeterRead(OperationContext& ctx, std::string_view table, double units,
               const db::IndexDefinition* index = nullptr);
void MeterWrite(OperationContext& ctx, std::string_view table, const TableWriteUnits& units);

// A ConsumedCapacity object for writes: TOTAL counts the indexes' units too; INDEXES also
// gives "Table" and the "GlobalSecondaryIndexes" / "LocalSecondaryIndexes" written.
void WriteWriteCapacity(wire::JsonWriter& w, CapacityReport report, std::string_view table,
                        const TableWriteUnits& units);

// An ItemCollectionMetrics object (tables with LSIs): the write's partition key and its item
// collection's size in GB as a [lower, upper] estimate. REQUIRES: write.collection_size.
void WriteItemCollectionMetrics(const db::ItemWrite& write, wire::JsonWriter& w);

// One action's entry in TransactionCanceledException's CancellationReasons
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html).
struct CancellationReason {
  std::string_view code = "None";
  std::string message;         // empty: none
  const Item* item = nullptr;  // the item a failed condition saw (ALL_OLD), or none
};
// TransactionCanceledException with DynamoDB's message listing the codes, and the reasons in
// action order.
Outcome TransactionCanceled(const std::vector<CancellationReason>& reasons);

// Reads a list of tags ({Key, Value}: CreateTable's and TagResource's Tags) with DynamoDB's
// member checks, recorded in `r`; returns the tagging rules' error (the `aws:` prefix, at
// most 50 tags), to report after r.Finish().
Status ReadTags(RequestReader& r, std::string_view member, bool required,
                std::vector<std::pair<std::string, std::string>>* tags);

// Rejects a request member this version of CirrusDB does not serve yet, rather than
// silently ignoring it.
Status NotYetSupported(std::string_view member);

// SSESpecification: what it asks for, read with DynamoDB's member checks (Enabled, SSEType of
// AES256 or KMS, KMSMasterKeyId). asks_for_kms is true when it asks for encryption with a KMS
// key (Enabled true, SSEType KMS or a key id), which CirrusDB does not do (SseRefused).
struct SseRequest {
  bool present = false;
  bool asks_for_kms = false;
};
SseRequest ReadSseSpecification(RequestReader& r);
Status SseRefused();

// OnDemandThroughput (MaxReadRequestUnits, MaxWriteRequestUnits: -1 for no maximum, or >= 1)
// and WarmThroughput (ReadUnitsPerSecond, WriteUnitsPerSecond >= 1) of CreateTable and
// UpdateTable, read into `d` (members given only); true if either was given.
bool ReadThroughputSettings(RequestReader& r, db::TableDefinition* d);

// Reads a DynamoDB JSON item member (Item, Key, ExclusiveStartKey).
Result<Item> ReadItem(const wire::JsonValue& json);

}  // namespace cirrus::server
