#include "db/index.h"

#include <gtest/gtest.h>

namespace cirrus::db {
namespace {

IndexDefinition Gsi(ProjectionType projection, std::vector<std::string> extra = {}) {
  IndexDefinition x;
  x.name = "byStatus";
  x.kind = IndexKind::kGlobal;
  x.key_schema = KeySchema::PartitionAndSort("status", ScalarType::kS, "at", ScalarType::kN);
  x.projection = projection;
  x.non_key_attributes = std::move(extra);
  x.partition_count = 2;
  return x;
}

const KeySchema kTable = KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kN);

Item Sample() {
  return {{"pk", AttributeValue::String("p")},   {"sk", AttributeValue::Number("1")},
          {"status", AttributeValue::String("open")}, {"at", AttributeValue::Number("42")},
          {"total", AttributeValue::Number("9.5")},   {"note", AttributeValue::String("x")}};
}

TEST(IndexTest, EntryKeysAreSparseAndCarryTheTableKey) {
  Index index(Gsi(ProjectionType::kAll), kTable, std::make_shared<PartitionStorage>());
  Item item = Sample();
  std::optional<std::string> key = index.EntryKey(item, "TABLEKEY");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->substr(key->size() - 8), "TABLEKEY");
  std::string index_part;
  ASSERT_TRUE(index.codec().EncodeKeyOf(item, &index_part).ok());
  EXPECT_EQ(key->substr(0, index_part.size()), index_part);
  item.erase("at");
  EXPECT_FALSE(index.EntryKey(item, "TABLEKEY").has_value());  // sparse: no sort key
}

TEST(IndexTest, ProjectionsKeepKeysAndTheirAttributes) {
  Item item = Sample();
  Index keys_only(Gsi(ProjectionType::kKeysOnly), kTable, std::make_shared<PartitionStorage>());
  EXPECT_EQ(keys_only.Project(item),
            (Item{{"pk", item["pk"]}, {"sk", item["sk"]}, {"status", item["status"]}, {"at", item["at"]}}));
  Index include(Gsi(ProjectionType::kInclude, {"total"}), kTable, std::make_shared<PartitionStorage>());
  EXPECT_EQ(include.Project(item).count("total"), 1u);
  EXPECT_EQ(include.Project(item).count("note"), 0u);
  EXPECT_TRUE(include.Projects("total"));
  EXPECT_TRUE(include.Projects("pk"));
  EXPECT_FALSE(include.Projects("note"));
  Index all(Gsi(ProjectionType::kAll), kTable, std::make_shared<PartitionStorage>());
  EXPECT_EQ(all.Project(item), item);
  EXPECT_EQ(all.key_attributes(), (std::vector<std::string>{"status", "at", "pk", "sk"}));
}

TEST(IndexTest, ValidatesIndexKeysAsDynamoDbDoes) {
  Index index(Gsi(ProjectionType::kAll), kTable, std::make_shared<PartitionStorage>());
  Item item = Sample();
  EXPECT_TRUE(index.Validate(item).ok());
  item["status"] = AttributeValue::Number("1");
  EXPECT_EQ(index.Validate(item).message(),
            "One or more parameter values were invalid: Type mismatch for Index Key status "
            "Expected: S Actual: N IndexName: byStatus");
  item["status"] = AttributeValue::String("");
  EXPECT_EQ(index.Validate(item).kind(), ErrorKind::kValidation);
  item.erase("status");
  EXPECT_TRUE(index.Validate(item).ok());  // absent is fine: the item is not indexed
}

}  // namespace
}  // namespace cirrus::db
