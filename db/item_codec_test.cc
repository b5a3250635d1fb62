#include "db/item_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace cirrus::db {
namespace {

AttributeValue RandomValue(std::mt19937_64& rng, int depth) {
  auto random_bytes = [&] {
    std::string s;
    size_t len = rng() % 8;
    for (size_t i = 0; i < len; ++i) s.push_back(static_cast<char>(rng() % 256));
    return s;
  };
  int kind = static_cast<int>(rng() % (depth < 4 ? 10 : 8));
  switch (kind) {
    case 0: return AttributeValue::String(random_bytes());
    case 1: return AttributeValue::Number(std::to_string(static_cast<int64_t>(rng())) + "e-5");
    case 2: return AttributeValue::Binary(random_bytes());
    case 3: return AttributeValue::Bool(rng() % 2);
    case 4: return AttributeValue::Null();
    case 5: return AttributeValue::StringSet({"a", random_bytes() + "b"});
    case 6: return AttributeValue::NumberSet({"1", "-2.5"});
    case 7: return AttributeValue::BinarySet({std::string("\0", 1), "x"});
    case 8: {
      std::vector<AttributeValue> list;
      for (size_t i = 0, n = rng() % 4; i < n; ++i) list.push_back(RandomValue(rng, depth + 1));
      return AttributeValue::List(std::move(list));
    }
    default: {
      Item map;
      for (size_t i = 0, n = rng() % 4; i < n; ++i) map["k" + std::to_string(i)] = RandomValue(rng, depth + 1);
      return AttributeValue::Map(std::move(map));
    }
  }
}

TEST(ItemCodecTest, RoundTripsEveryType) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 3000; ++i) {
    Item item;
    for (size_t a = 0, n = 1 + rng() % 6; a < n; ++a) item["attr" + std::to_string(a)] = RandomValue(rng, 1);
    std::string stored;
    EncodeItem(item, ItemSize(item), &stored);
    EXPECT_EQ(StoredItemSize(stored), ItemSize(item));
    Result<Item> decoded = DecodeItem(stored);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(*decoded, item);
  }
}

TEST(ItemCodecTest, DecodesSelectedAttributes) {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 500; ++i) {
    Item item;
    for (size_t a = 0, n = 1 + rng() % 6; a < n; ++a) item["attr" + std::to_string(a)] = RandomValue(rng, 1);
    std::string stored;
    EncodeItem(item, ItemSize(item), &stored);
    std::set<std::string, std::less<>> names{"attr1", "attr3", "nope"};
    Result<Item> some = DecodeItemAttributes(stored, names);
    ASSERT_TRUE(some.ok());
    Item expected;
    for (const auto& [name, value] : item) {
      if (names.count(name)) expected.emplace(name, value);
    }
    EXPECT_EQ(*some, expected);
  }
}

TEST(ItemCodecTest, RejectsTruncatedAndGarbage) {
  Item item{{"pk", AttributeValue::String("abc")},
            {"m", AttributeValue::Map({{"l", AttributeValue::List({AttributeValue::Number("1")})}})}};
  std::string stored;
  EncodeItem(item, ItemSize(item), &stored);
  for (size_t len = 0; len < stored.size(); ++len) {
    EXPECT_EQ(DecodeItem(stored.substr(0, len)).status().kind(), ErrorKind::kInternal) << len;
  }
  EXPECT_FALSE(DecodeItem(stored + "x").ok());
  EXPECT_FALSE(DecodeItem("\x02\x00\x00").ok());  // unknown version
}

}  // namespace
}  // namespace cirrus::db
