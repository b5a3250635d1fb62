#include "query/expression.h"

#include <gtest/gtest.h>

#include "query/reserved_words.h"

namespace cirrus::query {
namespace {

class ExpressionTest : public ::testing::Test {
 protected:
  // Parses, binds and checks values, as a request does.
  Result<Condition> Parse(std::string_view text, ExpressionKind kind = ExpressionKind::kCondition) {
    placeholders_ = Placeholders(&names_, &values_);
    CIRRUS_ASSIGN_OR_RETURN(ParsedCondition parsed, ParseCondition(text, kind, placeholders_));
    CIRRUS_ASSIGN_OR_RETURN(Values values, placeholders_.Bind(parsed.use, kind));
    CIRRUS_RETURN_IF_ERROR(CheckConditionValues(parsed.tree, values, kind));
    return std::move(parsed.tree);
  }
  std::string Error(std::string_view text, ExpressionKind kind = ExpressionKind::kCondition) {
    Result<Condition> c = Parse(text, kind);
    EXPECT_FALSE(c.ok()) << text;
    if (c.ok()) return "";
    EXPECT_EQ(c.status().kind(), ErrorKind::kValidation);
    return c.status().message();
  }

  std::map<std::string, std::string, std::less<>> names_{{"#n", "name"}, {"#dot", "a.b"}};
  Item values_{{":v", AttributeValue::String("x")},
               {":one", AttributeValue::Number("1")},
               {":five", AttributeValue::Number("5")},
               {":t", AttributeValue::String("SS")},
               {":l", AttributeValue::List({})},
               {":yes", AttributeValue::Bool(true)}};
  Placeholders placeholders_;
};

// Conformance fact E2: a literal without an order in <, <=, >, >= or BETWEEN fails the
// request; = and <> compare anything.
TEST_F(ExpressionTest, OrderingALiteralWithoutAnOrderIsRefused) {
  EXPECT_EQ(Error("a < :l"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: <, operand type: L");
  EXPECT_EQ(Error(":yes >= a"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: >=, operand type: BOOL");
  EXPECT_EQ(Error("a BETWEEN :one AND :l", ExpressionKind::kFilter),
            "Invalid FilterExpression: Incorrect operand type for operator or function; "
            "operator or function: BETWEEN, operand type: L");
  EXPECT_TRUE(Parse("a = :l AND a <> :yes AND a < :v AND a BETWEEN :one AND :five").ok());
}

TEST_F(ExpressionTest, ParsesPrecedenceNotOverAndOverOr) {
  Result<Condition> c = Parse("a = :v OR NOT b = :v AND c = :v");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->kind, Condition::Kind::kOr);
  EXPECT_EQ(c->children[0].kind, Condition::Kind::kCompare);
  ASSERT_EQ(c->children[1].kind, Condition::Kind::kAnd);
  EXPECT_EQ(c->children[1].children[0].kind, Condition::Kind::kNot);
}

TEST_F(ExpressionTest, ParsesPathsFunctionsAndOperators) {
  Result<Condition> c = Parse("#n.b[3].#dot >= :one");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->operands[0].path.ToString(), "name.b[3].a.b");
  EXPECT_EQ(c->operands[0].path.steps.size(), 4u);
  EXPECT_EQ(c->comparator, Comparator::kGe);
  for (const char* text :
       {"attribute_exists(a)", "attribute_not_exists(a.b)", "attribute_type(a, :t)",
        "begins_with(a, :v)", "contains(a, :v)", "size(a) > :one", "a BETWEEN :one AND :five",
        "a IN (:one, :five, b)", "(a = :v)", "a <> b", "NOT (a < :one)", "a between :one and :five"}) {
    EXPECT_TRUE(Parse(text).ok()) << text << ": " << Parse(text).status().message();
  }
}

TEST_F(ExpressionTest, RejectsAsDynamoDbDoes) {
  EXPECT_EQ(Error("year = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: year");
  EXPECT_EQ(Error("a = :nope"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :nope");
  EXPECT_EQ(Error("#nope = :v", ExpressionKind::kKeyCondition),
            "Invalid KeyConditionExpression: An expression attribute name used in the document "
            "path is not defined; attribute name: #nope");
  EXPECT_EQ(Error(""), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(Error("a = "), "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"= \"");
  EXPECT_EQ(Error("a = :v :v"),
            "Invalid ConditionExpression: Syntax error; token: \":v\", near: \":v :v\"");
  EXPECT_EQ(Error("_a = :v"), "Invalid ConditionExpression: Syntax error; token: \"_\", near: \"_a\"");
  EXPECT_EQ(Error("a = @"), "Invalid ConditionExpression: Syntax error; token: \"@\", near: \"= @\"");
  // Conformance fact E5: '!' is an ordinary syntax error.
  EXPECT_EQ(Error("i != :v", ExpressionKind::kFilter),
            "Invalid FilterExpression: Syntax error; token: \"!\", near: \"i !=\"");
  EXPECT_EQ(Error("a = \xc3\xa9"), "Invalid ConditionExpression: Syntax error; token: \"\xc3\xa9\", near: \"= \xc3\xa9\"");
  EXPECT_EQ(Error("a BETWEEN :five AND :one"),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper "
            "bound operand: AttributeValue: {N:1}");
  EXPECT_EQ(Error("a BETWEEN :v AND :one"),
            "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower "
            "and upper bounds; lower bound operand: AttributeValue: {S:x}, upper bound operand: "
            "AttributeValue: {N:1}");
  EXPECT_EQ(Error("foo(a)"), "Invalid ConditionExpression: Invalid function name; function: foo");
  // The update-only functions are known, but not allowed here (conformance fact E4).
  EXPECT_EQ(Error("if_not_exists(a, :v)"),
            "Invalid ConditionExpression: The function is not allowed in a condition expression; "
            "function: if_not_exists");
  EXPECT_EQ(Error("a = list_append(a, :v)", ExpressionKind::kFilter),
            "Invalid FilterExpression: The function is not allowed in a condition expression; "
            "function: list_append");
  EXPECT_EQ(Error("size(a)"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: size");
  EXPECT_EQ(Error("attribute_exists(a) = :v"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: attribute_exists");
  EXPECT_EQ(Error("((a = :v))"), "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_TRUE(Parse("(a = :v) AND ((b = :v) OR c = :v)").ok());
  EXPECT_TRUE(Parse("(a) = :v").ok());
  EXPECT_TRUE(Parse("(size(a)) > :v AND a = (:v)").ok());
  EXPECT_EQ(Error("a = attribute_exists(b)"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: attribute_exists");
  EXPECT_EQ(Error("attribute_exists(a, b)"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
            "operator or function: attribute_exists, number of operands: 2");
  EXPECT_EQ(Error("attribute_exists(:v)"),
            "Invalid ConditionExpression: Operator or function requires a document path; "
            "operator or function: attribute_exists");
  EXPECT_EQ(Error("begins_with(a, :one)"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(Error("attribute_type(a, :v)"),
            "Invalid ConditionExpression: Invalid attribute type name found; type: x, valid "
            "types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(Error("n = n"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: =, first operand: [n]");
  EXPECT_EQ(Error("a.b <> a.b"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: <>, first operand: [a.b]");
  EXPECT_TRUE(Parse("a = b AND a.b = a.c").ok());
  EXPECT_EQ(Error("contains(a, a)"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: contains, first operand: [a]");
  EXPECT_EQ(Error("a[x] = :v"), "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"[x]\"");
  std::string in = "a IN (:v";
  for (int i = 0; i < 100; ++i) in += ", :v";
  EXPECT_EQ(Error(in + ")"),
            "Invalid ConditionExpression: The IN operator is provided with too many operands; "
            "number of operands: 101");
  std::string deep = "a";
  for (int i = 0; i < 32; ++i) deep += ".b";
  EXPECT_EQ(Error(deep + " = :v"),
            "Invalid ConditionExpression: The document path has too many nesting levels; "
            "nesting levels: 33");
  EXPECT_EQ(Error(std::string(4097, ' ')),
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 4097");
}

TEST_F(ExpressionTest, KeywordsAreCaseInsensitiveFunctionNamesAreNot) {
  EXPECT_TRUE(Parse("a = :v aNd b = :v oR NoT c = :v").ok());
  EXPECT_EQ(Error("BEGINS_WITH(a, :v)"),
            "Invalid ConditionExpression: Invalid function name; function: BEGINS_WITH");
}

TEST_F(ExpressionTest, ReportsUnusedPlaceholders) {
  ASSERT_TRUE(Parse("#n = :v").ok());
  Status s = placeholders_.CheckAllUsed();
  EXPECT_EQ(s.message(), "Value provided in ExpressionAttributeNames unused in expressions: keys: {#dot}");
  ASSERT_TRUE(Parse("#n = :v AND #dot = :one AND c IN (:five, :t) AND d = :l AND e = :yes").ok());
  EXPECT_TRUE(placeholders_.CheckAllUsed().ok());
}

TEST(ReservedWordsTest, HasDynamoDbsWholeList) {
  EXPECT_EQ(ReservedWordCount(), 573u);
  for (const char* w : {"ABORT", "zone", "Name", "status", "DATA", "ttl", "size"}) {
    EXPECT_TRUE(IsReservedWord(w)) << w;
  }
  for (const char* w : {"pk", "sk", "price", "abortx", "", "a_very_long_attribute_name_beyond_32_chars"}) {
    EXPECT_FALSE(IsReservedWord(w)) << w;
  }
}

}  // namespace
}  // namespace cirrus::query

namespace cirrus::query {
namespace {

// Found by expression_fuzz: deep nesting used to recurse until the stack ran out.
TEST(ExpressionNestingTest, DeepNestingIsAnErrorNotACrash) {
  Item values{{":v", AttributeValue::Number("1")}};
  Placeholders p(nullptr, &values);
  std::string parens = std::string(4000, '(') + "a = :v" + std::string(4000, ')');
  Result<ParsedCondition> c = ParseCondition(parens.substr(0, 4096), ExpressionKind::kCondition, p);
  EXPECT_EQ(c.status().kind(), ErrorKind::kValidation);
  std::string nots;
  for (int i = 0; i < 400; ++i) nots += "(";
  EXPECT_EQ(ParseCondition(nots + "a = :v", ExpressionKind::kCondition, p).status().message(),
            "Invalid ConditionExpression: The expression is nested too deeply; nesting levels: 301");
  // DynamoDB accepts 149 nested ORs (299 operators): conformance fact E6.
  std::string ors = "a = :v";
  for (int i = 0; i < 149; ++i) ors = "a = :v OR (" + ors + ")";
  EXPECT_TRUE(ParseCondition(ors, ExpressionKind::kCondition, p).ok());
  std::string deep = "SET a = " + std::string(400, '(') + ":v" + std::string(400, ')');
  EXPECT_EQ(ParseUpdate(deep, p).status().kind(), ErrorKind::kValidation);
  std::string chain = "a = :v";
  for (int i = 0; i < 50; ++i) chain = "(a = :v AND " + chain + ")";
  EXPECT_TRUE(ParseCondition(chain, ExpressionKind::kCondition, p).ok());
}

}  // namespace
}  // namespace cirrus::query
