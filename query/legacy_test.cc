#include "query/legacy.h"

#include <gtest/gtest.h>

#include "query/evaluate.h"

namespace cirrus::query {
namespace {

LegacyCondition Cond(std::string attribute, std::string op, std::vector<AttributeValue> values = {}) {
  LegacyCondition c;
  c.attribute = std::move(attribute);
  c.comparison_operator = std::move(op);
  c.values = std::move(values);
  return c;
}

const Item kItem{{"s", AttributeValue::String("hello")},
                 {"n", AttributeValue::Number("5")},
                 {"tags", AttributeValue::StringSet({"a", "b"})}};

bool Eval(const std::vector<LegacyCondition>& entries, bool use_or = false) {
  Result<std::optional<Translated<Condition>>> c = TranslateConditions(entries, use_or);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() && c->has_value() && Matches((*c)->tree, (*c)->Bound(), kItem);
}

TEST(LegacyTest, ComparisonOperatorsMatchTheirExpressions) {
  EXPECT_TRUE(Eval({Cond("n", "EQ", {AttributeValue::Number("5.0")})}));
  EXPECT_TRUE(Eval({Cond("n", "NE", {AttributeValue::Number("4")})}));
  EXPECT_TRUE(Eval({Cond("n", "LT", {AttributeValue::Number("6")})}));
  EXPECT_TRUE(Eval({Cond("n", "GE", {AttributeValue::Number("5")})}));
  EXPECT_TRUE(Eval({Cond("s", "BEGINS_WITH", {AttributeValue::String("he")})}));
  EXPECT_TRUE(Eval({Cond("tags", "CONTAINS", {AttributeValue::String("a")})}));
  EXPECT_TRUE(Eval({Cond("tags", "NOT_CONTAINS", {AttributeValue::String("z")})}));
  EXPECT_FALSE(Eval({Cond("absent", "NOT_CONTAINS", {AttributeValue::String("z")})}));  // fact L4
  EXPECT_TRUE(Eval({Cond("s", "NOT_NULL")}));
  EXPECT_TRUE(Eval({Cond("missing", "NULL")}));
  EXPECT_TRUE(Eval({Cond("n", "IN", {AttributeValue::Number("1"), AttributeValue::Number("5")})}));
  EXPECT_TRUE(Eval({Cond("n", "BETWEEN", {AttributeValue::Number("1"), AttributeValue::Number("9")})}));
  EXPECT_FALSE(Eval({Cond("n", "EQ", {AttributeValue::Number("1")}), Cond("s", "NOT_NULL")}));
  EXPECT_TRUE(Eval({Cond("n", "EQ", {AttributeValue::Number("1")}), Cond("s", "NOT_NULL")}, true));
}

TEST(LegacyTest, ExpectedShortForms) {
  LegacyCondition equals;
  equals.attribute = "n";
  equals.value = AttributeValue::Number("5");
  EXPECT_TRUE(Eval({equals}));
  LegacyCondition absent;
  absent.attribute = "missing";
  absent.exists = false;
  EXPECT_TRUE(Eval({absent}));
  absent.value = AttributeValue::Number("1");
  EXPECT_EQ(TranslateConditions({absent}, false).status().message(),
            "One or more parameter values were invalid: Value cannot be used when Exists is false "
            "for Attribute: missing");
}

TEST(LegacyTest, RejectsWrongArgumentsAsDynamoDbDoes) {
  EXPECT_EQ(TranslateConditions({Cond("n", "EQ")}, false).status().message(),
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
            "ComparisonOperator");
  EXPECT_EQ(TranslateConditions({Cond("n", "LT", {AttributeValue::StringSet({"a"})})}, false).status().message(),
            "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS "
            "AttributeValue type");
  EXPECT_EQ(TranslateConditions({Cond("n", "LIKE", {})}, false).status().kind(), ErrorKind::kValidation);
}

TEST(LegacyTest, KeyConditions) {
  QueryKeys keys{{{"pk", ValueType::kS}}, {{"sk", ValueType::kN}}};
  Result<KeyCondition> k = TranslateKeyConditions(
      {Cond("pk", "EQ", {AttributeValue::String("a")}),
       Cond("sk", "BETWEEN", {AttributeValue::Number("1"), AttributeValue::Number("3")})},
      keys);
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->sort_op, KeyCondition::SortOp::kBetween);
  EXPECT_EQ(TranslateKeyConditions({Cond("pk", "NE", {AttributeValue::String("a")})}, keys).status().message(),
            "Attempted conditional constraint is not an indexable operation");
  EXPECT_EQ(TranslateKeyConditions({Cond("pk", "EQ", {AttributeValue::String("a")}),
                                    Cond("sk", "BETWEEN", {AttributeValue::Number("3"), AttributeValue::Number("1")})},
                                   keys).status().message(),
            "The BETWEEN condition was provided a range where the lower bound is greater than the "
            "upper bound");
  EXPECT_EQ(TranslateKeyConditions({Cond("sk", "EQ", {AttributeValue::Number("1")})}, keys).status().message(),
            "Query condition missed key schema element: pk");
}

TEST(LegacyTest, AttributeUpdatesBecomeUpdateActions) {
  std::vector<LegacyUpdate> updates = {
      {"s", "PUT", AttributeValue::String("bye")},
      {"n", "ADD", AttributeValue::Number("2")},
      {"tags", "DELETE", AttributeValue::StringSet({"a"})},
      {"gone", "DELETE", std::nullopt},
      {"list", "ADD", AttributeValue::List({AttributeValue::Null()})}};
  Result<Translated<UpdateExpression>> u = TranslateAttributeUpdates(updates, {"pk"});
  ASSERT_TRUE(u.ok()) << u.status().message();
  Item item = kItem;
  item["gone"] = AttributeValue::Bool(true);
  ASSERT_TRUE(ApplyUpdate(u->tree, u->Bound(), &item).ok());
  EXPECT_EQ(item.at("s").scalar(), "bye");
  EXPECT_EQ(item.at("n").scalar(), "7");
  EXPECT_EQ(item.at("tags"), AttributeValue::StringSet({"b"}));
  EXPECT_EQ(item.count("gone"), 0u);
  EXPECT_EQ(item.at("list").list().size(), 1u);
  EXPECT_EQ(TranslateAttributeUpdates({{"pk", "PUT", AttributeValue::String("x")}}, {"pk"}).status().message(),
            "One or more parameter values were invalid: Cannot update attribute pk. This "
            "attribute is part of the key");
  EXPECT_EQ(TranslateAttributeUpdates({{"s", "ADD", AttributeValue::String("x")}}, {"pk"}).status().message(),
            "One or more parameter values were invalid: ADD action is not supported for the type S");
}

TEST(LegacyTest, AttributesToGet) {
  Result<std::vector<Path>> p = TranslateAttributesToGet({"a", "status"});  // reserved words fine
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->size(), 2u);
  EXPECT_EQ(TranslateAttributesToGet({"a", "a"}).status().message(),
            "One or more parameter values were invalid: Duplicate value in attribute name: a");
}

}  // namespace
}  // namespace cirrus::query
