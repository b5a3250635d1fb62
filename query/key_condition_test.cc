#include "query/key_condition.h"

#include <gtest/gtest.h>

namespace cirrus::query {
namespace {

class KeyConditionTest : public ::testing::Test {
 protected:
  Result<KeyCondition> Parse(std::string_view text) {
    Placeholders placeholders(&names_, &values_);
    return ParseKeyCondition(text, placeholders, pk_, sk_);
  }
  std::string Error(std::string_view text) {
    Result<KeyCondition> c = Parse(text);
    EXPECT_FALSE(c.ok()) << text;
    return c.ok() ? "" : c.status().message();
  }

  KeyAttributeRef pk_{"pk", ValueType::kS};
  std::optional<KeyAttributeRef> sk_ = KeyAttributeRef{"sk", ValueType::kN};
  std::map<std::string, std::string, std::less<>> names_{{"#s", "sk"}, {"#o", "other"}};
  Item values_{{":p", AttributeValue::String("a")},
               {":one", AttributeValue::Number("1")},
               {":two", AttributeValue::Number("2")},
               {":s", AttributeValue::String("x")}};
};

TEST_F(KeyConditionTest, AcceptsEveryAllowedShape) {
  struct Case {
    const char* text;
    KeyCondition::SortOp op;
  } cases[] = {
      {"pk = :p", KeyCondition::SortOp::kNone},
      {":p = pk", KeyCondition::SortOp::kNone},
      {"pk = :p AND sk = :one", KeyCondition::SortOp::kEq},
      {"pk = :p AND sk < :one", KeyCondition::SortOp::kLt},
      {"pk = :p AND #s <= :one", KeyCondition::SortOp::kLe},
      {"sk > :one AND pk = :p", KeyCondition::SortOp::kGt},
      {"(pk = :p) AND (sk >= :one)", KeyCondition::SortOp::kGe},
      {"pk = :p AND :one < sk", KeyCondition::SortOp::kGt},
      {"pk = :p AND sk BETWEEN :one AND :two", KeyCondition::SortOp::kBetween},
  };
  for (const Case& c : cases) {
    Result<KeyCondition> k = Parse(c.text);
    ASSERT_TRUE(k.ok()) << c.text << ": " << k.status().message();
    EXPECT_EQ(k->sort_op, c.op) << c.text;
    EXPECT_EQ(k->partition_value, AttributeValue::String("a"));
  }
  sk_ = KeyAttributeRef{"sk", ValueType::kS};
  Result<KeyCondition> k = Parse("pk = :p AND begins_with(sk, :s)");
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->sort_op, KeyCondition::SortOp::kBeginsWith);
  EXPECT_EQ(k->sort_value, AttributeValue::String("x"));
}

TEST_F(KeyConditionTest, RejectsAsDynamoDbDoes) {
  EXPECT_EQ(Error("pk = :p OR sk = :one"),
            "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR");
  EXPECT_EQ(Error("NOT pk = :p"),
            "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: NOT");
  EXPECT_EQ(Error("pk IN (:p)"),
            "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: IN");
  EXPECT_EQ(Error("pk <> :p"),
            "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>");
  EXPECT_EQ(Error("pk = :p AND attribute_exists(sk)"),
            "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: "
            "attribute_exists");
  EXPECT_EQ(Error("sk = :one"), "Query condition missed key schema element: pk");
  EXPECT_EQ(Error("pk = :p AND #o = :one"), "Query key condition not supported");
  EXPECT_EQ(Error("pk > :p"), "Query key condition not supported");
  EXPECT_EQ(Error("pk = :p AND sk > :one AND sk < :two"),
            "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one "
            "condition per key");
  EXPECT_EQ(Error("pk = :p AND sk.x = :one"),
            "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on "
            "nested attributes");
  EXPECT_EQ(Error("pk = sk"),
            "Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: Multiple "
            "attribute names used in one condition");
  EXPECT_EQ(Error("pk = :one"),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  EXPECT_EQ(Error("pk = :p AND sk = :s"),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  EXPECT_EQ(Error("pk = :p AND begins_with(sk, :s)"),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(Error("pk = :p AND size(sk) = :one"),
            "Invalid KeyConditionExpression: KeyConditionExpressions cannot contain nested "
            "operations");
}

}  // namespace
}  // namespace cirrus::query
