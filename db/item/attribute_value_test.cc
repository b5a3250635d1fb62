#include "db/item/attribute_value.h"

#include <gtest/gtest.h>

#include <random>

namespace cirrus {
namespace {

TEST(AttributeValueTest, ItemSizeCountsNamesAndValues) {
  // The AWS developer guide's example: 11+1+10+1.
  Item item{{"shirt-color", AttributeValue::String("R")},
            {"shirt-size", AttributeValue::String("M")}};
  EXPECT_EQ(ItemSize(item), 23u);
}

TEST(AttributeValueTest, ContainerSizesAddOverhead) {
  AttributeValue list = AttributeValue::List({AttributeValue::String("ab"), AttributeValue::Null()});
  EXPECT_EQ(ValueSize(list), 3u + (1 + 2) + (1 + 1));
  AttributeValue map = AttributeValue::Map({{"k", AttributeValue::Bool(true)}});
  EXPECT_EQ(ValueSize(map), 3u + 1 + 1 + 1);
  EXPECT_EQ(ValueSize(AttributeValue::StringSet({"a", "bcd"})), 4u);
  EXPECT_EQ(ValueSize(AttributeValue::NumberSet({"1", "123"})), 2u + 3);
}

TEST(AttributeValueTest, NumberSizeMatchesDecimalStorageSize) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text = (rng() % 2) ? "-" : "";
    int digits = 1 + static_cast<int>(rng() % 38);
    text.push_back(static_cast<char>('1' + rng() % 9));
    for (int k = 1; k < digits; ++k) text.push_back(static_cast<char>('0' + rng() % 10));
    text += "e" + std::to_string(static_cast<int>(rng() % 160) - 100 - digits);
    Result<Decimal> d = Decimal::Parse(text);
    ASSERT_TRUE(d.ok()) << text;
    EXPECT_EQ(ValueSize(AttributeValue::Number(*d)), d->StorageSize()) << d->ToString();
  }
}

TEST(AttributeValueTest, EqualityIsSemantic) {
  EXPECT_EQ(AttributeValue::Number("1.0"), AttributeValue::Number("1"));
  EXPECT_FALSE(AttributeValue::Number("1") == AttributeValue::String("1"));
  EXPECT_EQ(AttributeValue::StringSet({"a", "b"}), AttributeValue::StringSet({"b", "a"}));
  EXPECT_EQ(AttributeValue::Map({{"x", AttributeValue::List({AttributeValue::Bool(false)})}}),
            AttributeValue::Map({{"x", AttributeValue::List({AttributeValue::Bool(false)})}}));
  EXPECT_FALSE(AttributeValue::List({AttributeValue::Null()}) == AttributeValue::List({}));
}

TEST(AttributeValueTest, CopiesAreDeep) {
  AttributeValue original = AttributeValue::Map({{"x", AttributeValue::String("1")}});
  AttributeValue copy = original;
  copy.mutable_map()["y"] = AttributeValue::Null();
  EXPECT_EQ(original.map().size(), 1u);
  EXPECT_EQ(copy.map().size(), 2u);
}

}  // namespace
}  // namespace cirrus
