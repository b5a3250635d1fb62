#include "db/catalog.h"

#include <gtest/gtest.h>

namespace cirrus::db {
namespace {

TEST(CatalogTest, TableDefinitionRoundTrips) {
  TableDefinition d;
  d.name = "Orders";
  d.table_id = "4f0c2a9e-0000-4000-8000-000000000001";
  d.storage_id = 77;
  d.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kN);
  d.attribute_definitions = {{"pk", ScalarType::kS}, {"sk", ScalarType::kN}};
  d.partition_count = 8;
  d.creation_time_us = 1704067200123456;
  d.billing_mode = BillingMode::kPayPerRequest;
  d.throughput = {5, 7, 1, 2, 3};
  d.pay_per_request_since_us = 1704067200123456;
  d.deletion_protection = true;
  d.tags = {{"env", "dev"}, {"team", ""}};
  d.ttl = {"expiresAt", true, 1704067200999999};
  d.recovery = {true, 1704067200555555, 7};
  d.max_read_request_units = -1;
  d.max_write_request_units = 500;
  d.warm_read_units = 15000;
  d.warm_write_units = 5000;
  d.restore = {true, "01704067200555-0a1b2c3d", "arn:aws:dynamodb:us-east-1:123456789012:table/src", 1704067200000000};
  IndexDefinition gsi;
  gsi.name = "byStatus";
  gsi.kind = IndexKind::kGlobal;
  gsi.key_schema = KeySchema::PartitionAndSort("status", ScalarType::kS, "at", ScalarType::kN);
  gsi.projection = ProjectionType::kInclude;
  gsi.non_key_attributes = {"total", "owner"};
  gsi.storage_id = 78;
  gsi.partition_count = 4;
  gsi.status = IndexStatus::kCreating;
  gsi.read_capacity_units = 3;
  gsi.write_capacity_units = 4;
  IndexDefinition lsi;
  lsi.name = "byTotal";
  lsi.kind = IndexKind::kLocal;
  lsi.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "total", ScalarType::kN);
  lsi.projection = ProjectionType::kKeysOnly;
  lsi.storage_id = 79;
  IndexDefinition multi;  // a multi-attribute GSI key keeps its order
  multi.name = "byRegion";
  multi.kind = IndexKind::kGlobal;
  multi.key_schema = {{{"region", ScalarType::kS}, {"tier", ScalarType::kN}},
                      {{"at", ScalarType::kN}, {"pk", ScalarType::kS}, {"code", ScalarType::kB}}};
  multi.storage_id = 80;
  d.indexes = {gsi, lsi, multi};
  Result<TableDefinition> back = DecodeTableDefinition(EncodeTableDefinition(d));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, d);
}

TEST(CatalogTest, SkipsUnknownFieldsAndRejectsCorruption) {
  TableDefinition d;
  d.name = "T";
  d.key_schema = KeySchema::PartitionOnly("pk", ScalarType::kB);
  std::string stored = EncodeTableDefinition(d);
  std::string newer = stored + std::string("\x63\x02zz", 4);  // field 99, two bytes
  ASSERT_TRUE(DecodeTableDefinition(newer).ok());
  EXPECT_EQ(DecodeTableDefinition(stored.substr(0, stored.size() - 1)).status().kind(),
            ErrorKind::kInternal);
}

TEST(CatalogTest, AttributeDefinitionsFollowTheKeysInUse) {
  TableDefinition d;
  d.key_schema = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kN);
  d.attribute_definitions = {{"sk", ScalarType::kN}, {"pk", ScalarType::kS}};
  IndexDefinition gsi;
  gsi.key_schema = KeySchema::PartitionAndSort("status", ScalarType::kS, "sk", ScalarType::kN);
  d.indexes = {gsi};
  d.SyncAttributeDefinitions();
  std::vector<KeyAttribute> expected = {{"sk", ScalarType::kN}, {"pk", ScalarType::kS}, {"status", ScalarType::kS}};
  EXPECT_EQ(d.attribute_definitions, expected);
  d.indexes.clear();
  d.SyncAttributeDefinitions();
  expected.pop_back();
  EXPECT_EQ(d.attribute_definitions, expected);
}

}  // namespace
}  // namespace cirrus::db
