#include "query/evaluate.h"

#include <gtest/gtest.h>

namespace cirrus::query {
namespace {

// Parses with ":s" -> "abc", ":n" -> 5, ":n2" -> 10, ":set" -> SS{a,b}, ":l" -> [1], ":b" -> 0x0102,
// ":t" -> "N", ":e" -> "é", ":sx" -> SS{x}.
class EvaluateTest : public ::testing::Test {
 protected:
  EvaluateTest() {
    values_ = {{":s", AttributeValue::String("abc")},
               {":a", AttributeValue::String("a")},
               {":n", AttributeValue::Number("5")},
               {":n2", AttributeValue::Number("10")},
               {":one", AttributeValue::Number("1")},
               {":big", AttributeValue::Number("99999999999999999999999999999999999999")},
               {":set", AttributeValue::StringSet({"a", "b"})},
               {":sx", AttributeValue::StringSet({"x"})},
               {":ns", AttributeValue::NumberSet({"7"})},
               {":l", AttributeValue::List({AttributeValue::Number("1")})},
               {":b", AttributeValue::Binary("\x01\x02")},
               {":b1", AttributeValue::Binary("\x01")},
               {":t", AttributeValue::String("N")},
               {":tm", AttributeValue::String("M")},
               {":null", AttributeValue::Null()}};
    item_ = {{"pk", AttributeValue::String("k")},
             {"s", AttributeValue::String("abcdef")},
             {"n", AttributeValue::Number("5")},
             {"neg", AttributeValue::Number("-2.5")},
             {"b", AttributeValue::Binary("\x01\x02\x03")},
             {"tags", AttributeValue::StringSet({"a", "b", "c"})},
             {"nums", AttributeValue::NumberSet({"1", "7"})},
             {"arr", AttributeValue::List({AttributeValue::Number("1"), AttributeValue::String("x"),
                                            AttributeValue::Map({{"deep", AttributeValue::Bool(true)}})})},
             {"addr", AttributeValue::Map({{"city", AttributeValue::String("Paris")},
                                          {"zip", AttributeValue::Number("75001")}})},
             {"nul", AttributeValue::Null()},
             {"emoji", AttributeValue::String("é\xF0\x9D\x84\x9E")}};
  }

  bool Eval(std::string_view expression) {
    Placeholders p(&names_, &values_);
    Result<ParsedCondition> c = ParseCondition(expression, ExpressionKind::kCondition, p);
    EXPECT_TRUE(c.ok()) << expression << ": " << c.status().message();
    if (!c.ok()) return false;
    Result<Values> values = p.Bind(c->use, ExpressionKind::kCondition);
    EXPECT_TRUE(values.ok()) << values.status().message();
    EXPECT_TRUE(CheckConditionValues(c->tree, *values, ExpressionKind::kCondition).ok());
    return Matches(c->tree, *values, item_);
  }

  Result<Item> Update(std::string_view expression, Item item) {
    Placeholders p(&names_, &values_);
    CIRRUS_ASSIGN_OR_RETURN(ParsedUpdate u, ParseUpdate(expression, p));
    CIRRUS_ASSIGN_OR_RETURN(Values values, p.Bind(u.use, ExpressionKind::kUpdate));
    CIRRUS_RETURN_IF_ERROR(CheckUpdate(u.tree, values, {"pk"}));
    CIRRUS_RETURN_IF_ERROR(ApplyUpdate(u.tree, values, &item));
    return item;
  }

  std::map<std::string, std::string, std::less<>> names_{{"#n", "n"}};
  Item values_;
  Item item_;
};

TEST_F(EvaluateTest, ComparisonsNeedTheSameType) {
  EXPECT_TRUE(Eval("n = :n"));
  EXPECT_TRUE(Eval("#n < :n2"));
  EXPECT_TRUE(Eval("neg < :one"));
  EXPECT_FALSE(Eval("s < :n"));        // S vs N: false, no error
  EXPECT_TRUE(Eval("s <> :n"));        // different types are unequal
  EXPECT_FALSE(Eval("absent = :n"));  // missing: false
  EXPECT_TRUE(Eval("absent <> :n"));
  EXPECT_FALSE(Eval("absent < :n"));
  EXPECT_TRUE(Eval("s > :s"));  // bytes: "abcdef" > "abc"
  EXPECT_TRUE(Eval("b > :b"));
  EXPECT_FALSE(Eval("tags < :t"));  // a set in the item has no order (a literal one is an error)
  EXPECT_TRUE(Eval("n BETWEEN :one AND :n2"));
  EXPECT_TRUE(Eval("n BETWEEN :n AND :n"));
  EXPECT_FALSE(Eval("s BETWEEN :one AND :n2"));
  EXPECT_TRUE(Eval("n IN (:one, :n)"));
  EXPECT_FALSE(Eval("n IN (:one, :n2)"));
  EXPECT_TRUE(Eval("arr[0] = :one"));
  EXPECT_FALSE(Eval("arr[9] = :one"));
}

TEST_F(EvaluateTest, Functions) {
  EXPECT_TRUE(Eval("attribute_exists(addr.zip)"));
  EXPECT_TRUE(Eval("attribute_exists(nul)"));  // NULL exists
  EXPECT_TRUE(Eval("attribute_not_exists(addr.nope)"));
  EXPECT_TRUE(Eval("attribute_not_exists(s.x)"));
  EXPECT_TRUE(Eval("attribute_type(n, :t)"));
  EXPECT_TRUE(Eval("attribute_type(addr, :tm)"));
  EXPECT_FALSE(Eval("attribute_type(s, :t)"));
  EXPECT_TRUE(Eval("begins_with(s, :s)"));
  EXPECT_TRUE(Eval("begins_with(b, :b)"));
  EXPECT_FALSE(Eval("begins_with(b, :s)"));
  EXPECT_FALSE(Eval("begins_with(n, :s)"));
  EXPECT_TRUE(Eval("contains(s, :s)"));
  EXPECT_TRUE(Eval("contains(tags, :a)"));
  EXPECT_FALSE(Eval("contains(tags, :s)"));
  EXPECT_TRUE(Eval("contains(arr, :one)"));
  EXPECT_TRUE(Eval("contains(b, :b1)"));
  EXPECT_FALSE(Eval("contains(nums, :a)"));
  EXPECT_TRUE(Eval("size(s) = :n") == false);
  EXPECT_TRUE(Eval("size(tags) > :one"));
  EXPECT_TRUE(Eval("size(addr) < :n"));
  EXPECT_TRUE(Eval("size(arr) BETWEEN :one AND :n"));
  EXPECT_FALSE(Eval("size(n) > :one"));  // numbers have no size
  EXPECT_FALSE(Eval("size(absent) > :one"));
}

TEST_F(EvaluateTest, SizeCountsUtf16CodeUnits) {
  values_[":three"] = AttributeValue::Number("3");
  EXPECT_TRUE(Eval("size(emoji) = :three"));  // é is 1 unit, U+1D11E is 2
}

TEST_F(EvaluateTest, BooleanLogic) {
  EXPECT_TRUE(Eval("n = :n AND s = :s OR n = :one") == false);
  EXPECT_TRUE(Eval("n = :one OR (n = :n AND NOT s = :s)"));
  EXPECT_TRUE(Eval("NOT n = :one"));
  EXPECT_TRUE(Eval("NOT NOT n = :n"));
}

TEST_F(EvaluateTest, SetCreatesReplacesAndAppends) {
  Result<Item> r = Update("SET a = :s, addr.city = :s, arr[1] = :n, arr[10] = :one", item_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->at("a"), AttributeValue::String("abc"));
  EXPECT_EQ(r->at("addr").map().at("city"), AttributeValue::String("abc"));
  EXPECT_EQ(r->at("arr").list()[1], AttributeValue::Number("5"));
  ASSERT_EQ(r->at("arr").list().size(), 4u);  // [10] past the end appends
  EXPECT_EQ(r->at("arr").list()[3], AttributeValue::Number("1"));
}

TEST_F(EvaluateTest, ArithmeticIsExact) {
  Result<Item> r = Update("SET n = n + :n2, neg = neg - :one, c = if_not_exists(c, :one) + :one", item_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->at("n").scalar(), "15");
  EXPECT_EQ(r->at("neg").scalar(), "-3.5");
  EXPECT_EQ(r->at("c").scalar(), "2");
  // A parenthesized sum, as ElectroDB's add and subtract write it.
  r = Update("SET n = (if_not_exists(n, :one) - :one), fresh = (if_not_exists(fresh, :one) + :n2)",
             item_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->at("n").scalar(), "4");
  EXPECT_EQ(r->at("fresh").scalar(), "11");
  // An exact result past 38 digits is an overflow to DynamoDB (conformance fact E8).
  EXPECT_EQ(Update("SET n = :big + :big", item_).status().message(),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
  EXPECT_EQ(Update("SET x = s + :one", item_).status().message(),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Update("SET x = absent + :one", item_).status().message(),
            "The provided expression refers to an attribute that does not exist in the item");
}

TEST_F(EvaluateTest, RightHandSidesReadTheOriginalItem) {
  Result<Item> r = Update("SET n = :n2, dup = n", item_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("dup").scalar(), "5");
}

TEST_F(EvaluateTest, ListAppendAndIfNotExists) {
  Result<Item> r = Update("SET arr = list_append(arr, :l), l2 = list_append(:l, :l), "
                          "s = if_not_exists(s, :a), fresh = if_not_exists(fresh, :a)", item_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->at("arr").list().size(), 4u);
  EXPECT_EQ(r->at("l2").list().size(), 2u);
  EXPECT_EQ(r->at("s").scalar(), "abcdef");
  EXPECT_EQ(r->at("fresh").scalar(), "a");
  EXPECT_EQ(Update("SET x = list_append(s, :l)", item_).status().message(),
            "An operand in the update expression has an incorrect data type");
}

TEST_F(EvaluateTest, InvalidPathsForUpdate) {
  EXPECT_EQ(Update("SET nope.x = :one", item_).status().message(),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(Update("SET s.x = :one", item_).status().message(),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(Update("SET addr[0] = :one", item_).status().message(),
            "The document path provided in the update expression is invalid for update");
}

TEST_F(EvaluateTest, RemoveShiftsListsAndIgnoresMissing) {
  // A nested path whose parent is missing or of another type (conformance fact E7).
  for (const char* bad : {"REMOVE s.x", "REMOVE absent.x", "REMOVE arr.x", "REMOVE addr[0]"}) {
    EXPECT_EQ(Update(bad, item_).status().message(),
              "The document path provided in the update expression is invalid for update")
        << bad;
  }
  Result<Item> r = Update("REMOVE arr[0], arr[2], s, absent, addr.nope", item_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->at("arr").list().size(), 1u);
  EXPECT_EQ(r->at("arr").list()[0], AttributeValue::String("x"));
  EXPECT_EQ(r->count("s"), 0u);
}

TEST_F(EvaluateTest, AddAndDeleteOnNumbersAndSets) {
  Result<Item> r = Update("ADD n :n, cnt :one, tags :sx, newset :set DELETE nums :ns", item_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->at("n").scalar(), "10");
  EXPECT_EQ(r->at("cnt").scalar(), "1");
  EXPECT_EQ(r->at("tags"), AttributeValue::StringSet({"a", "b", "c", "x"}));
  EXPECT_EQ(r->at("newset"), AttributeValue::StringSet({"a", "b"}));
  EXPECT_EQ(r->at("nums"), AttributeValue::NumberSet({"1"}));
  // Deleting every element removes the attribute: no empty sets.
  Result<Item> gone = Update("DELETE tags :set", Item{{"tags", AttributeValue::StringSet({"a", "b"})}});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->count("tags"), 0u);
  EXPECT_EQ(Update("ADD s :one", item_).status().message(),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Update("DELETE nums :set", item_).status().message(),
            "An operand in the update expression has an incorrect data type");
}

TEST_F(EvaluateTest, ProjectionRebuildsNesting) {
  Placeholders p(&names_, &values_);
  Result<ParsedProjection> paths = ParseProjection("s, addr.city, arr[2].deep, arr[0], nope, #n", p);
  ASSERT_TRUE(paths.ok()) << paths.status().message();
  Item projected = Project(item_, paths->tree);
  EXPECT_EQ(projected.size(), 4u);
  EXPECT_EQ(projected.at("addr"), AttributeValue::Map({{"city", AttributeValue::String("Paris")}}));
  EXPECT_EQ(projected.at("arr"),
            AttributeValue::List({AttributeValue::Number("1"),
                                  AttributeValue::Map({{"deep", AttributeValue::Bool(true)}})}));
  EXPECT_EQ(projected.at("n"), AttributeValue::Number("5"));
}

TEST_F(EvaluateTest, CollectsTopLevelNames) {
  Placeholders p(&names_, &values_);
  Result<ParsedCondition> c = ParseCondition("addr.city = :s AND size(arr) > :n OR attribute_exists(#n)",
                                             ExpressionKind::kFilter, p);
  ASSERT_TRUE(c.ok());
  std::set<std::string, std::less<>> names;
  AddAttributeNames(c->tree, &names);
  EXPECT_EQ(names, (std::set<std::string, std::less<>>{"addr", "arr", "n"}));
}

}  // namespace
}  // namespace cirrus::query
