#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/catalog.h"
#include "db/database.h"
#include "db/item/status.h"
#include "server/ops/common.h"
#include "server/request_reader.h"
#include "server/wire/json_writer.h"

// Key schemas and secondary indexes as CreateTable and UpdateTable read them, and as
// TableDescription shows them.
namespace cirrus::server {

// Reads an AttributeDefinitions list member (names 1..255 bytes, types S, N, B).
std::optional<std::vector<db::KeyAttribute>> ReadAttributeDefinitions(RequestReader& r);

// A KeySchema element as given: attribute name and key type (HASH or RANGE).
struct KeyElement {
  std::string name;
  std::string type;
};

// Whose KeySchema: a table's or an LSI's is HASH [RANGE]; a GSI's may have multi-attribute
// keys, 1-4 HASH elements then 0-4 RANGE elements.
enum class KeySchemaOf { kTable, kLocalIndex, kGlobalIndex };

// Reads a KeySchema list member of `r` (1..2 elements; a GSI's, 1 or more).
std::vector<KeyElement> ReadKeySchema(RequestReader& r, KeySchemaOf of,
                                      std::string_view member = "KeySchema");
// HASH first, then RANGE, no name twice, the counts above: DynamoDB's "Invalid KeySchema"
// errors.
Status CheckKeySchema(const std::vector<KeyElement>& keys, KeySchemaOf of);

// An index as CreateTable's GlobalSecondaryIndexes / LocalSecondaryIndexes or UpdateTable's
// Create declare it.
struct IndexRequest {
  std::string name;
  bool global = true;
  std::vector<KeyElement> keys;
  std::string projection_type = "ALL";
  std::optional<std::vector<std::string>> non_key_attributes;
  std::optional<Throughput> throughput;
};

// Reads one index structure (its element reader `e`); shape errors are recorded in `e`.
IndexRequest ReadIndexRequest(RequestReader& e, bool global);

// Checks an index on its own and against the table it will belong to: key schema, LSI
// rules (the table's partition key, a sort key), projection, throughput for the billing
// mode. Then returns its definition, with key types from `definitions`.
// REQUIRES: every key of `x` is in `definitions` (checked by the caller, which words it).
Result<db::IndexDefinition> MakeIndexDefinition(const IndexRequest& x,
                                                const db::KeySchema& table_keys,
                                                const std::vector<db::KeyAttribute>& definitions,
                                                bool on_demand, uint32_t partition_count);

// The limits over all the indexes of one table: 5 LSIs, 20 GSIs, 100 projected non-key
// attributes, unique names.
Status CheckIndexLimits(const std::vector<db::IndexDefinition>& indexes);

// "GlobalSecondaryIndexes" and "LocalSecondaryIndexes" members of a TableDescription (none
// when the table has no index of that kind).
void WriteIndexDescriptions(const db::Table& table, const ServerConfig& config,
                            wire::JsonWriter& w);

// "Projection": {ProjectionType, NonKeyAttributes} of an index, as TableDescription and
// DescribeBackup show it.
void WriteProjection(const db::IndexDefinition& index, wire::JsonWriter& w);

// KeySchema as TableDescription shows it.
void WriteKeySchema(const db::KeySchema& schema, wire::JsonWriter& w);

}  // namespace cirrus::server
