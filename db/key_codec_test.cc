#include "db/key_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace cirrus::db {
namespace {

// The reference order: DynamoDB's, as API_Query.html's ScanIndexForward describes it
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html).
int ReferenceCompare(const AttributeValue& a, const AttributeValue& b) {
  if (a.is(ValueType::kN)) return Decimal::Parse(a.scalar())->Compare(*Decimal::Parse(b.scalar()));
  int c = a.scalar().compare(b.scalar());  // char_traits<char>: unsigned bytes, like memcmp
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

AttributeValue RandomValue(ScalarType type, std::mt19937_64& rng) {
  if (type == ScalarType::kN) {
    if (rng() % 20 == 0) return AttributeValue::Number("0");
    int digits = 1 + static_cast<int>(rng() % 38);
    std::string text = (rng() % 2) ? "-" : "";
    text.push_back(static_cast<char>('1' + rng() % 9));
    for (int k = 1; k < digits; ++k) {
      // Few distinct digits so that long common prefixes occur.
      text.push_back(static_cast<char>('0' + rng() % 3));
    }
    int exp = static_cast<int>(rng() % 40) - 20;
    if (rng() % 10 == 0) exp = static_cast<int>(rng() % 240) - 125;
    exp = std::clamp(exp, -129 - 1 + 1, 125 - digits + 1);
    return AttributeValue::Number(text + "e" + std::to_string(exp));
  }
  // Bytes from a small alphabet with the troublemakers: 0x00, 0x01, 0xFF.
  static const char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\x7F', '\x80', '\xFF'};
  std::string s;
  size_t len = 1 + rng() % 6;
  for (size_t i = 0; i < len; ++i) s.push_back(kAlphabet[rng() % sizeof(kAlphabet)]);
  return type == ScalarType::kS ? AttributeValue::String(s) : AttributeValue::Binary(s);
}

class KeyCodecOrderTest : public ::testing::TestWithParam<ScalarType> {};

TEST_P(KeyCodecOrderTest, SortKeyByteOrderIsDynamoDbOrder) {
  KeyCodec codec(KeySchema::PartitionAndSort("p", ScalarType::kS, "s", GetParam()));
  std::mt19937_64 rng(1234 + static_cast<int>(GetParam()));
  for (int i = 0; i < 20000; ++i) {
    AttributeValue a = RandomValue(GetParam(), rng), b = RandomValue(GetParam(), rng);
    std::string ka, kb;
    ASSERT_TRUE(codec.EncodeKeyOf({{"p", AttributeValue::String("x")}, {"s", a}}, &ka).ok());
    ASSERT_TRUE(codec.EncodeKeyOf({{"p", AttributeValue::String("x")}, {"s", b}}, &kb).ok());
    ASSERT_EQ(Sign(ka.compare(kb)), ReferenceCompare(a, b)) << a.scalar() << " vs " << b.scalar();
    // Invariant 2: no stored key is a proper prefix of another.
    if (ka != kb) {
      ASSERT_FALSE(kb.rfind(ka, 0) == 0) << a.scalar() << " prefixes " << b.scalar();
    }
    // Round trip.
    Result<Item> decoded = codec.DecodeKey(ka);
    ASSERT_TRUE(decoded.ok());
    ASSERT_EQ(decoded->at("s"), a);
    ASSERT_EQ(decoded->at("p"), AttributeValue::String("x"));
  }
}

TEST_P(KeyCodecOrderTest, PartitionKeysRoundTripAndShareTheirPrefix) {
  KeyCodec codec(KeySchema::PartitionAndSort("p", GetParam(), "s", ScalarType::kN));
  std::mt19937_64 rng(99);
  for (int i = 0; i < 5000; ++i) {
    AttributeValue pk = RandomValue(GetParam(), rng);
    std::string key;
    ASSERT_TRUE(codec.EncodeKeyOf({{"p", pk}, {"s", AttributeValue::Number("1")}}, &key).ok());
    EXPECT_EQ(key.rfind(codec.PartitionPrefix(pk), 0), 0u);  // invariant 3
    Result<Item> decoded = codec.DecodeKey(key);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->at("p"), pk);
  }
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, KeyCodecOrderTest,
                         ::testing::Values(ScalarType::kS, ScalarType::kN, ScalarType::kB));

// A multi-attribute key (GSI): the partition key values hash together; the stored keys of one
// partition sort as their sort key tuples do, component by component, each by its own type.
TEST(KeyCodecTest, MultiAttributeKeysSortByTupleAndRoundTrip) {
  const KeySchema schema{{{"h1", ScalarType::kS}, {"h2", ScalarType::kN}},
                         {{"r1", ScalarType::kB}, {"r2", ScalarType::kN}, {"r3", ScalarType::kS}}};
  KeyCodec codec(schema);
  std::mt19937_64 rng(7);
  const AttributeValue h1 = AttributeValue::String("a"), h2 = AttributeValue::Number("7");
  const std::vector<AttributeValue> partition = {h1, h2};
  auto random_item = [&] {
    Item item{{"h1", h1}, {"h2", h2}};
    for (const KeyAttribute& a : schema.sort_keys) {
      // Half the time one fixed value per component, so that ties on a prefix are common.
      std::mt19937_64 fixed(1);
      item[a.name] = RandomValue(a.type, rng() % 2 ? rng : fixed);
    }
    return item;
  };
  auto reference = [&](const Item& a, const Item& b) {
    for (const KeyAttribute& k : schema.sort_keys) {
      if (int c = ReferenceCompare(a.at(k.name), b.at(k.name))) return c;
    }
    return 0;
  };
  for (int i = 0; i < 5000; ++i) {
    Item a = random_item(), b = random_item();
    std::string ka, kb;
    ASSERT_TRUE(codec.EncodeKeyOf(a, &ka).ok());
    ASSERT_TRUE(codec.EncodeKeyOf(b, &kb).ok());
    ASSERT_EQ(ka.rfind(codec.PartitionPrefix(partition), 0), 0u);
    ASSERT_EQ(Sign(ka.compare(kb)), reference(a, b));
    Result<Item> decoded = codec.DecodeKey(ka);
    ASSERT_TRUE(decoded.ok());
    ASSERT_EQ(*decoded, a);
  }
  // A missing component is named; a Key parameter must hold every component.
  std::string out;
  EXPECT_EQ(codec.EncodeKeyOf({{"h1", h1}, {"r1", AttributeValue::Binary("x")}}, &out).message(),
            "One or more parameter values were invalid: Missing the key h2 in the item");
  EXPECT_EQ(codec.EncodeKey({{"h1", h1}, {"h2", h2}}, &out).message(),
            "The provided key element does not match the schema");
}

TEST(KeyCodecTest, NumbersSortNumerically) {
  KeyCodec codec(KeySchema::PartitionAndSort("p", ScalarType::kS, "c", ScalarType::kN));
  std::string previous;
  for (const char* n : {"-1e125", "-10", "-2.5", "-1", "-0.001", "-1e-130", "0", "1e-130",
                        "0.5", "2", "10", "10.5", "11", "1e125"}) {
    std::string stored;
    ASSERT_TRUE(codec.EncodeKeyOf({{"p", AttributeValue::String("a")},
                                   {"c", AttributeValue::Number(n)}},
                                  &stored)
                    .ok())
        << n;
    EXPECT_LT(previous, stored) << n;
    previous = std::move(stored);
  }
}

TEST(KeyCodecTest, EqualNumbersEncodeEqually) {
  KeyCodec codec(KeySchema::PartitionOnly("p", ScalarType::kN));
  std::string a, b;
  ASSERT_TRUE(codec.EncodeKeyOf({{"p", AttributeValue::Number("1e3")}}, &a).ok());
  ASSERT_TRUE(codec.EncodeKeyOf({{"p", AttributeValue::Number("1000.00")}}, &b).ok());
  EXPECT_EQ(a, b);
}

TEST(KeyCodecTest, ItemKeyErrorsUseDynamoDbMessages) {
  KeyCodec codec(KeySchema::PartitionAndSort("pk", ScalarType::kS, "sk", ScalarType::kB));
  std::string out;
  Status s = codec.EncodeKeyOf({{"sk", AttributeValue::Binary("x")}}, &out);
  EXPECT_EQ(s.kind(), ErrorKind::kValidation);
  EXPECT_EQ(s.message(), "One or more parameter values were invalid: Missing the key pk in the item");
  s = codec.EncodeKeyOf({{"pk", AttributeValue::Number("1")}, {"sk", AttributeValue::Binary("x")}},
                        &out);
  EXPECT_EQ(s.message(),
            "One or more parameter values were invalid: Type mismatch for key pk expected: S "
            "actual: N");
  s = codec.EncodeKeyOf({{"pk", AttributeValue::String("")}, {"sk", AttributeValue::Binary("x")}},
                        &out);
  EXPECT_EQ(s.message(),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: pk");
  s = codec.EncodeKeyOf({{"pk", AttributeValue::String("a")}, {"sk", AttributeValue::Binary("")}},
                        &out);
  EXPECT_EQ(s.message(),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty binary value. Key: sk");
  s = codec.EncodeKeyOf({{"pk", AttributeValue::String(std::string(2049, 'a'))},
                         {"sk", AttributeValue::Binary("x")}},
                        &out);
  EXPECT_EQ(s.message(),
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
            "size limit of2048 bytes");
  s = codec.EncodeKeyOf({{"pk", AttributeValue::String(std::string(2048, 'a'))},
                         {"sk", AttributeValue::Binary(std::string(1025, 'b'))}},
                        &out);
  EXPECT_EQ(s.message(),
            "One or more parameter values were invalid: Aggregated size of all range keys has "
            "exceeded the size limit of 1024 bytes");
  out.clear();
  EXPECT_TRUE(codec
                  .EncodeKeyOf({{"pk", AttributeValue::String(std::string(2048, 'a'))},
                                {"sk", AttributeValue::Binary(std::string(1024, 'b'))}},
                               &out)
                  .ok());
}

TEST(KeyCodecTest, KeyParameterMustMatchTheSchemaExactly) {
  KeyCodec codec(KeySchema::PartitionOnly("pk", ScalarType::kS));
  std::string out;
  for (const Item& key : std::vector<Item>{
           {},
           {{"pk", AttributeValue::Number("1")}},
           {{"pk", AttributeValue::String("a")}, {"extra", AttributeValue::String("b")}},
           {{"other", AttributeValue::String("a")}}}) {
    Status s = codec.EncodeKey(key, &out);
    EXPECT_EQ(s.kind(), ErrorKind::kValidation);
    EXPECT_EQ(s.message(), "The provided key element does not match the schema");
  }
}

TEST(KeyCodecTest, PartitionsOwnConsecutiveHashRanges) {
  EXPECT_EQ(PartitionOf(0, 1), 0u);
  EXPECT_EQ(PartitionOf(~0ull, 1), 0u);
  EXPECT_EQ(PartitionOf(0, 8), 0u);
  EXPECT_EQ(PartitionOf(~0ull, 8), 7u);
  for (uint32_t n : {1u, 2u, 4u, 16u, 256u}) {
    for (uint32_t p = 0; p < n; ++p) {
      EXPECT_EQ(PartitionOf(PartitionStart(p, n), n), p);
      if (p > 0) {
        EXPECT_EQ(PartitionOf(PartitionStart(p, n) - 1, n), p - 1);
      }
    }
  }
  // Keys spread over partitions.
  KeyCodec codec(KeySchema::PartitionOnly("pk", ScalarType::kS));
  std::vector<int> counts(8);
  for (int i = 0; i < 8000; ++i) {
    std::string key;
    ASSERT_TRUE(codec.EncodeKeyOf({{"pk", AttributeValue::String("user#" + std::to_string(i))}}, &key).ok());
    counts[PartitionOf(KeyCodec::HashOf(key), 8)]++;
  }
  for (int c : counts) EXPECT_GT(c, 800);
}

TEST(KeyCodecTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xFF", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xFF\xFF", 2)), "");
}

TEST(KeyCodecTest, BeginsWithPrefixSelectsExactlyTheMatchingSortKeys) {
  KeyCodec codec(KeySchema::PartitionAndSort("p", ScalarType::kS, "s", ScalarType::kB));
  std::mt19937_64 rng(5);
  for (int i = 0; i < 5000; ++i) {
    AttributeValue prefix = RandomValue(ScalarType::kB, rng);
    AttributeValue value = RandomValue(ScalarType::kB, rng);
    if (i % 3 == 0) value = AttributeValue::Binary(prefix.scalar() + value.scalar());
    std::string key, encoded_prefix;
    ASSERT_TRUE(codec.EncodeKeyOf({{"p", AttributeValue::String("x")}, {"s", value}}, &key).ok());
    encoded_prefix = codec.PartitionPrefix(AttributeValue::String("x"));
    KeyCodec::AppendPrefix(prefix, &encoded_prefix);
    bool expected = value.scalar().rfind(prefix.scalar(), 0) == 0;
    EXPECT_EQ(key.rfind(encoded_prefix, 0) == 0, expected);
  }
}

}  // namespace
}  // namespace cirrus::db
