#include "server/wire/item_json.h"

#include <gtest/gtest.h>

namespace cirrus::wire {
namespace {

class ItemJsonTest : public ::testing::Test {
 protected:
  Result<Item> Parse(std::string body) {
    body_ = std::move(body);
    Result<JsonValue> root = parser_.Parse(&body_);
    EXPECT_TRUE(root.ok()) << body_;
    if (!root.ok()) return root.status();
    return ParseItem(*root);
  }
  Status Error(std::string body) {
    Result<Item> item = Parse(std::move(body));
    EXPECT_FALSE(item.ok()) << body_;
    return item.ok() ? Status() : item.status();
  }

  JsonParser parser_;
  std::string body_;
};

TEST_F(ItemJsonTest, ParsesEveryTypeAndWritesItBack) {
  std::string json =
      R"({"b":{"B":"AAH/"},"bs":{"BS":["YQ==","Yg=="]},"f":{"BOOL":false},)"
      R"("l":{"L":[{"N":"1"},{"S":"x"}]},"m":{"M":{"k":{"NULL":true}}},"n":{"N":"1.50"},)"
      R"("ns":{"NS":["2","1e0"]},"s":{"S":"h\u00e9"},"ss":{"SS":["a","b"]}})";
  Result<Item> item = Parse(json);
  ASSERT_TRUE(item.ok()) << item.status().message();
  EXPECT_EQ(item->at("n").scalar(), "1.5");
  EXPECT_EQ(item->at("b").scalar(), std::string("\x00\x01\xff", 3));
  EXPECT_EQ(item->at("ns").set(), (std::vector<std::string>{"2", "1"}));

  std::string written;
  JsonWriter w(&written);
  WriteItem(*item, w);
  EXPECT_EQ(written,
            R"({"b":{"B":"AAH/"},"bs":{"BS":["YQ==","Yg=="]},"f":{"BOOL":false},)"
            R"("l":{"L":[{"N":"1"},{"S":"x"}]},"m":{"M":{"k":{"NULL":true}}},"n":{"N":"1.5"},)"
            R"("ns":{"NS":["2","1"]},"s":{"S":"hé"},"ss":{"SS":["a","b"]}})");
}

TEST_F(ItemJsonTest, RejectsAsDynamoDbDoes) {
  struct Case {
    const char* json;
    ErrorKind kind;
    const char* message;
  } cases[] = {
      {R"({"a":{}})", ErrorKind::kValidation,
       "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
      {R"({"a":{"S":"x","N":"1"}})", ErrorKind::kValidation,
       "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
       "the supported datatypes"},
      {R"({"a":{"S":1}})", ErrorKind::kSerialization, "NUMBER_VALUE cannot be converted to String"},
      {R"({"a":{"S":{"S":"x"}}})", ErrorKind::kSerialization,
       "Start of structure or map found where not expected."},
      {R"({"a":{"N":"abc"}})", ErrorKind::kValidation,
       "The parameter cannot be converted to a numeric value: abc"},
      {R"({"a":{"NULL":false}})", ErrorKind::kValidation,
       "One or more parameter values were invalid: Null attribute value types must have the "
       "value of true"},
      {R"({"a":{"SS":[]}})", ErrorKind::kValidation,
       "One or more parameter values were invalid: An string set  may not be empty"},
      {R"({"a":{"NS":[]}})", ErrorKind::kValidation,
       "One or more parameter values were invalid: An number set  may not be empty"},
      {R"({"a":{"BS":[]}})", ErrorKind::kValidation,
       "One or more parameter values were invalid: Binary sets should not be empty"},
      {R"({"a":{"SS":["a","a"]}})", ErrorKind::kValidation,
       "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
      {R"({"a":{"NS":["1","1.0"]}})", ErrorKind::kValidation,
       "One or more parameter values were invalid: Input collection contains duplicates"},
      {R"({"a":{"B":"abc"}})", ErrorKind::kSerialization, nullptr},
      {R"({"a":{"BOOL":"true"}})", ErrorKind::kSerialization,
       "STRING_VALUE cannot be converted to Boolean"},
      {R"({"a":{"L":{}}})", ErrorKind::kSerialization,
       "Start of structure or map found where not expected."},
      {R"({"a":"x"})", ErrorKind::kSerialization, nullptr},
  };
  for (const Case& c : cases) {
    Status s = Error(c.json);
    EXPECT_EQ(s.kind(), c.kind) << c.json;
    if (c.message) {
      EXPECT_EQ(s.message(), c.message) << c.json;
    }
  }
}

TEST_F(ItemJsonTest, NestingStopsAt32Levels) {
  auto nested = [](int containers) {
    std::string json = R"({"a":)";
    for (int i = 0; i < containers; ++i) json += R"({"L":[)";
    json += R"({"S":"x"})";
    for (int i = 0; i < containers; ++i) json += "]}";
    return json + "}";
  };
  EXPECT_TRUE(Parse(nested(31)).ok());
  Status s = Error(nested(32));
  EXPECT_EQ(s.message(),
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
            "levels beyond supported limit");
}

}  // namespace
}  // namespace cirrus::wire
