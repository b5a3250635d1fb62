#include "server/ops/common.h"

#include <gtest/gtest.h>

#include "db/item_codec.h"
#include "server/wire/item_json.h"
#include "server/wire/json.h"

namespace cirrus::server {
namespace {

// The fast path answers straight from the stored bytes (db/item_codec.h) without building an
// Item: it must write exactly what the item model's writer writes.
TEST(WriteStoredItem, WritesWhatWriteItemWrites) {
  std::string body =
      R"({"b":{"B":"AAH/"},"bs":{"BS":["YQ==","Yg=="]},"f":{"BOOL":false},)"
      R"("l":{"L":[{"N":"1"},{"S":"x"}]},"m":{"M":{"k":{"NULL":true},"e":{"M":{}}}},)"
      R"("n":{"N":"-1.50E+3"},"ns":{"NS":["2","1e0"]},"s":{"S":"h\u00e9\"\\"},"ss":{"SS":["a","b"]},)"
      R"("z":{"NULL":true},"t":{"BOOL":true},"el":{"L":[]}})";
  body.reserve(body.size() + wire::JsonParser::kPadding);
  wire::JsonParser parser;
  Result<wire::JsonValue> root = parser.Parse(&body);
  ASSERT_TRUE(root.ok());
  Result<Item> item = wire::ParseItem(*root);
  ASSERT_TRUE(item.ok()) << item.status().message();

  std::string expected, stored, got;
  wire::JsonWriter we(&expected);
  wire::WriteItem(*item, we);
  db::EncodeItem(*item, ItemSize(*item), &stored);
  wire::JsonWriter wg(&got);
  ASSERT_TRUE(WriteStoredItem(stored, wg).ok());
  EXPECT_EQ(got, expected);
}

TEST(WriteStoredItem, RefusesBytesThatAreNotAStoredItem) {
  std::string got;
  wire::JsonWriter w(&got);
  EXPECT_FALSE(WriteStoredItem(std::string("\xff\xff\xff", 3), w).ok());
}

}  // namespace
}  // namespace cirrus::server
