#include <gtest/gtest.h>

#include "query/expression.h"

namespace cirrus::query {
namespace {

class UpdateParserTest : public ::testing::Test {
 protected:
  // Parses, binds and checks, as a request does.
  Result<UpdateExpression> Parse(std::string_view text) {
    Placeholders p(&names_, &values_);
    CIRRUS_ASSIGN_OR_RETURN(ParsedUpdate u, ParseUpdate(text, p));
    CIRRUS_ASSIGN_OR_RETURN(Values values, p.Bind(u.use, ExpressionKind::kUpdate));
    CIRRUS_RETURN_IF_ERROR(CheckUpdate(u.tree, values, {"pk", "sk"}));
    return std::move(u.tree);
  }
  std::string Error(std::string_view text) {
    Result<UpdateExpression> u = Parse(text);
    EXPECT_FALSE(u.ok()) << text;
    if (u.ok()) return "";
    EXPECT_EQ(u.status().kind(), ErrorKind::kValidation);
    return u.status().message();
  }

  std::map<std::string, std::string, std::less<>> names_{{"#a", "a"}};
  Item values_{{":n", AttributeValue::Number("1")},
               {":s", AttributeValue::String("x")},
               {":l", AttributeValue::List({})},
               {":ss", AttributeValue::StringSet({"a"})},
               {":m", AttributeValue::Map({})}};
};

TEST_F(UpdateParserTest, ParsesEveryClause) {
  Result<UpdateExpression> u = Parse(
      "SET a = :n, b.c[2] = a + :n, d = if_not_exists(d, :n) - :n, e = list_append(:l, e) "
      "REMOVE f, g[1] ADD h :n, i :ss DELETE j :ss");
  ASSERT_TRUE(u.ok()) << u.status().message();
  ASSERT_EQ(u->actions.size(), 9u);
  EXPECT_EQ(u->actions[1].path.ToString(), "b.c[2]");
  EXPECT_EQ(u->actions[1].value.kind, Operand::Kind::kPlus);
  EXPECT_EQ(u->actions[2].value.kind, Operand::Kind::kMinus);
  EXPECT_EQ(u->actions[2].value.args[0].kind, Operand::Kind::kIfNotExists);
  EXPECT_EQ(u->actions[3].value.kind, Operand::Kind::kListAppend);
  EXPECT_EQ(u->actions[4].kind, UpdateAction::Kind::kRemove);
  EXPECT_EQ(u->actions[6].kind, UpdateAction::Kind::kAdd);
  EXPECT_EQ(u->actions[8].kind, UpdateAction::Kind::kDelete);
  EXPECT_TRUE(Parse("remove a set b = :n").ok());  // keywords in any case and order
  EXPECT_TRUE(Parse("SET #a = (:n)").ok());
}

TEST_F(UpdateParserTest, RejectsAsDynamoDbDoes) {
  EXPECT_EQ(Error("SET a = :n SET b = :n"),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(Error("SET a = :n, a = :n"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
            "or rewrite one of these paths; path one: [a], path two: [a]");
  EXPECT_EQ(Error("SET a.b = :n REMOVE a"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
            "or rewrite one of these paths; path one: [a, b], path two: [a]");
  EXPECT_EQ(Error("SET a.b = :n REMOVE a[0]"),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
            "or rewrite one of these paths; path one: [a, b], path two: [a, [0]]");
  EXPECT_EQ(Error("SET pk = :s"),
            "One or more parameter values were invalid: Cannot update attribute pk. This "
            "attribute is part of the key");
  EXPECT_EQ(Error("REMOVE sk"),
            "One or more parameter values were invalid: Cannot update attribute sk. This "
            "attribute is part of the key");
  EXPECT_EQ(Error("ADD a :s"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND");
  EXPECT_EQ(Error("ADD a :l"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator: ADD, operand type: LIST, typeSet: ALLOWED_FOR_ADD_OPERAND");
  EXPECT_EQ(Error("DELETE a :n"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND");
  EXPECT_EQ(Error("SET a = b + :s"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator or function: +, operand type: S");
  EXPECT_EQ(Error("SET a = list_append(a, :m)"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator or function: list_append, operand type: M");
  EXPECT_EQ(Error("SET a = if_not_exists(:n, :n)"),
            "Invalid UpdateExpression: Operator or function requires a document path; operator "
            "or function: if_not_exists");
  EXPECT_EQ(Error("SET a = list_append(a)"),
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
            "operator or function: list_append, number of operands: 1");
  EXPECT_EQ(Error("SET a = size(b)"),
            "Invalid UpdateExpression: The function is not allowed in an update expression; "
            "function: size");
  EXPECT_EQ(Error("SET a = nope(b)"), "Invalid UpdateExpression: Invalid function name; function: nope");
  EXPECT_EQ(Error("SET a = b + c + d"),
            "Invalid UpdateExpression: Syntax error; token: \"+\", near: \"c + d\"");
  EXPECT_EQ(Error("ADD a b"), "Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a b\"");
  EXPECT_EQ(Error("UPSERT a = :n"),
            "Invalid UpdateExpression: Syntax error; token: \"UPSERT\", near: \"UPSERT a\"");
  EXPECT_EQ(Error("SET"), "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"SET\"");
  EXPECT_EQ(Error(""), "Invalid UpdateExpression: The expression can not be empty;");
  EXPECT_EQ(Error("SET status = :n"),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status");
}

TEST_F(UpdateParserTest, CountsOperators) {
  std::string many = "SET a0 = :n";
  for (int i = 1; i < 301; ++i) many += ", a" + std::to_string(i) + " = :n";
  EXPECT_EQ(Error(many),
            "Invalid UpdateExpression: The expression contains too many operators; operator "
            "count: 301");
}

TEST(ProjectionParserTest, ParsesAndRejectsOverlaps) {
  std::map<std::string, std::string, std::less<>> names{{"#k", "key"}};
  Placeholders p(&names, nullptr);
  Result<ParsedProjection> paths = ParseProjection("a, b.c, d[1], #k", p);
  ASSERT_TRUE(paths.ok()) << paths.status().message();
  EXPECT_EQ(paths->tree.size(), 4u);
  EXPECT_EQ(ParseProjection("a, a.b", p).status().message(),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must "
            "remove or rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(ParseProjection("a, ", p).status().message(),
            "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \", \"");
}

}  // namespace
}  // namespace cirrus::query
