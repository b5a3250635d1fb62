#include "server/wire/json.h"

#include <gtest/gtest.h>

#include "server/wire/base64.h"
#include "server/wire/errors.h"
#include "server/wire/json_writer.h"

namespace cirrus::wire {
namespace {

TEST(JsonTest, ParsesAndNavigates) {
  JsonParser parser;
  std::string body = R"({"TableName":"T","Limit":5,"Consistent":true,"List":[1,"a"],"N":null,"Esc":"\u00e9"})";
  Result<JsonValue> root = parser.Parse(&body);
  ASSERT_TRUE(root.ok()) << root.status().message();
  EXPECT_EQ(root->Find("TableName")->string(), "T");
  EXPECT_TRUE(root->Find("Limit")->is_integer());
  EXPECT_EQ(root->Find("Limit")->integer(), 5);
  EXPECT_TRUE(root->Find("Consistent")->boolean());
  EXPECT_EQ(root->Find("List")->elements().size(), 2u);
  EXPECT_FALSE(root->Find("N").has_value());  // null is absent
  EXPECT_FALSE(root->Find("Missing").has_value());
  EXPECT_EQ(root->Find("Esc")->string(), "\xC3\xA9");
  EXPECT_EQ(root->members().size(), 6u);
}

TEST(JsonTest, DigestIgnoresMemberOrderAndSpacingButNothingElse) {
  JsonParser parser;
  auto digest = [&](std::string body) {
    Result<JsonValue> root = parser.Parse(&body);
    EXPECT_TRUE(root.ok()) << body;
    return root.ok() ? Digest(*root) : std::string();
  };
  const std::string base = digest(R"({"a":{"S":"x"},"b":[1,true,null]})");
  EXPECT_EQ(base.size(), 16u);
  EXPECT_EQ(base, digest(R"({ "b" : [1, true, null], "a": {"S": "x"} })"));
  EXPECT_NE(base, digest(R"({"a":{"S":"y"},"b":[1,true,null]})"));
  EXPECT_NE(base, digest(R"({"a":{"S":"x"},"b":[true,1,null]})"));
  EXPECT_NE(base, digest(R"({"a":{"N":"x"},"b":[1,true,null]})"));
  EXPECT_NE(base, digest(R"({"a":{"S":"x"},"b":[1,true,null],"c":null})"));
  // Lengths are part of the digest: moving a byte between two strings changes it.
  EXPECT_NE(digest(R"({"x":["ab","c"]})"), digest(R"({"x":["a","bc"]})"));
}

TEST(JsonTest, RejectsMalformedBodies) {
  JsonParser parser;
  for (std::string body : {std::string(""), std::string("{"), std::string("{\"a\":1"),
                           std::string("[]"), std::string("\"x\""), std::string("{\"a\":1} x"),
                           std::string("{\"a\":\"\xff\"}"), std::string(200, '[') }) {
    Result<JsonValue> root = parser.Parse(&body);
    EXPECT_FALSE(root.ok()) << body;
    EXPECT_EQ(root.status().kind(), ErrorKind::kSerialization) << body;
  }
  std::string deep = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
  EXPECT_EQ(parser.Parse(&deep).status().kind(), ErrorKind::kSerialization);
}

TEST(JsonTest, WriterEscapes) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a\"b");
  w.String(std::string("x\n\x01\\", 4));
  w.Key("n");
  w.Int(-5);
  w.Key("d");
  w.Double(1.5);
  w.Key("i");
  w.Double(2);
  w.Key("l");
  w.BeginArray();
  w.Bool(true);
  w.Null();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(out, R"({"a\"b":"x\n\u0001\\","n":-5,"d":1.5,"i":2.0,"l":[true,null]})");
}

TEST(JsonTest, Base64IsStrict) {
  std::string out;
  AppendBase64(std::string("\x00\x01\xff", 3), &out);
  EXPECT_EQ(out, "AAH/");
  std::string decoded;
  ASSERT_TRUE(DecodeBase64("AAH/", &decoded));
  EXPECT_EQ(decoded, std::string("\x00\x01\xff", 3));
  ASSERT_TRUE(DecodeBase64("YQ==", &decoded));
  EXPECT_EQ(decoded, "a");
  ASSERT_TRUE(DecodeBase64("", &decoded));
  EXPECT_EQ(decoded, "");
  EXPECT_FALSE(DecodeBase64("YQ=", &decoded));
  EXPECT_FALSE(DecodeBase64("Y=Q=", &decoded));
  EXPECT_FALSE(DecodeBase64("YQ!=", &decoded));
}

TEST(ErrorsTest, BodiesUseDynamoDbTypes) {
  EXPECT_EQ(ErrorBody(Status(ErrorKind::kValidation, "bad")),
            R"({"__type":"com.amazon.coral.validate#ValidationException","message":"bad"})");
  EXPECT_EQ(ErrorBody(Status(ErrorKind::kSerialization, "x")),
            R"({"__type":"com.amazon.coral.service#SerializationException","Message":"x"})");
  EXPECT_EQ(ErrorBody(Status(ErrorKind::kUnknownOperation, "")),
            R"({"__type":"com.amazon.coral.service#UnknownOperationException"})");
  EXPECT_EQ(ShapeOf(ErrorKind::kInternal).http_status, 500);
  EXPECT_EQ(ErrorBody(Status(ErrorKind::kRequestTooLarge, "")), "");
}

}  // namespace
}  // namespace cirrus::wire
