#include "query/key_condition.h"

#include <gtest/gtest.h>

namespace cirrus::query {
namespace {

class KeyConditionTest : public ::testing::Test {
 protected:
  Result<KeyCondition> Parse(std::string_view text) {
    Placeholders placeholders(&names_, &values_);
    return ParseKeyCondition(text, placeholders, keys_);
  }
  std::string Error(std::string_view text) {
    Result<KeyCondition> c = Parse(text);
    EXPECT_FALSE(c.ok()) << text;
    return c.ok() ? "" : c.status().message();
  }

  QueryKeys keys_{{{"pk", ValueType::kS}}, {{"sk", ValueType::kN}}};
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
    EXPECT_EQ(k->partition_values, std::vector<AttributeValue>{AttributeValue::String("a")});
  }
  keys_.sort_keys = {{"sk", ValueType::kS}};
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

// A GSI keyed by (h1 S, h2 N) and sorted by (r1 S, r2 N, r3 S).
class MultiAttributeKeyConditionTest : public KeyConditionTest {
 protected:
  MultiAttributeKeyConditionTest() {
    keys_ = {{{"h1", ValueType::kS}, {"h2", ValueType::kN}},
             {{"r1", ValueType::kS}, {"r2", ValueType::kN}, {"r3", ValueType::kS}}};
    names_["#r2"] = "r2";
  }
};

TEST_F(MultiAttributeKeyConditionTest, SplitsEqualityPrefixAndLastCondition) {
  Result<KeyCondition> k = Parse("r2 > :two AND h2 = :one AND r1 = :s AND h1 = :p");
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->partition_values,
            (std::vector<AttributeValue>{AttributeValue::String("a"), AttributeValue::Number("1")}));
  EXPECT_EQ(k->sort_prefix, std::vector<AttributeValue>{AttributeValue::String("x")});
  EXPECT_EQ(k->sort_op, KeyCondition::SortOp::kGt);
  EXPECT_EQ(k->sort_value, AttributeValue::Number("2"));

  k = Parse("h1 = :p AND h2 = :one");
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_TRUE(k->sort_prefix.empty());
  EXPECT_EQ(k->sort_op, KeyCondition::SortOp::kNone);

  k = Parse("h1 = :p AND h2 = :one AND r1 = :s AND #r2 = :two AND begins_with(r3, :s)");
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->sort_prefix.size(), 2u);
  EXPECT_EQ(k->sort_op, KeyCondition::SortOp::kBeginsWith);
}

TEST_F(MultiAttributeKeyConditionTest, NeedsEveryPartitionKeyByEquality) {
  EXPECT_EQ(Error("h1 = :p"),
            "Query key condition not supported: HASH key attributes h2 must have equality "
            "conditions specified in the query");
  EXPECT_EQ(Error("h1 = :p AND h2 > :one"),
            "Query key condition not supported: HASH key attributes h2 must have equality "
            "conditions specified in the query");
  EXPECT_EQ(Error("r1 = :s"),
            "Query key condition not supported: HASH key attributes h1, h2 must have equality "
            "conditions specified in the query");
  EXPECT_EQ(Error("h1 = :p AND h2 = :one AND #o = :one"), "Query key condition not supported");
  EXPECT_EQ(Error("h1 = :one AND h2 = :one"),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
}

TEST_F(MultiAttributeKeyConditionTest, SortKeysAreALeadingRunOfEqualities) {
  const std::string because =
      " must have equality conditions specified in the query because a condition is present "
      "on key attribute ";
  EXPECT_EQ(Error("h1 = :p AND h2 = :one AND r2 = :one"),
            "Query key condition not supported: RANGE key attributes r1" + because + "r2");
  EXPECT_EQ(Error("h1 = :p AND h2 = :one AND r1 = :s AND r3 = :s"),
            "Query key condition not supported: RANGE key attributes r2" + because + "r3");
  EXPECT_EQ(Error("h1 = :p AND h2 = :one AND r1 > :s AND r2 = :one"),
            "Query key condition not supported: RANGE key attributes r1" + because + "r2");
  EXPECT_EQ(Error("h1 = :p AND h2 = :one AND begins_with(r1, :s) AND r2 < :one AND r3 = :s"),
            "Query key condition not supported: RANGE key attributes r1, r2" + because + "r3");
  EXPECT_EQ(Error("h1 = :p AND h2 = :one AND r1 = :s AND begins_with(r2, :s)"),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
}

}  // namespace
}  // namespace cirrus::query
