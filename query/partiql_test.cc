#include "query/partiql.h"

#include <gtest/gtest.h>

namespace cirrus::query {
namespace {

using Op = PartiqlStatement::Conjunct::Op;

PartiqlStatement Parse(std::string_view text) {
  Result<PartiqlStatement> st = ParsePartiql(text);
  EXPECT_TRUE(st.ok()) << text << ": " << st.status().message();
  return st.ok() ? std::move(*st) : PartiqlStatement();
}

std::string Error(std::string_view text) {
  Result<PartiqlStatement> st = ParsePartiql(text);
  EXPECT_FALSE(st.ok()) << text;
  return st.ok() ? "" : st.status().message();
}

AttributeValue Bind(const PartiqlStatement& st, size_t value, std::vector<AttributeValue> parameters = {}) {
  Result<AttributeValue> v = BindPartiqlValue(st.values[value], parameters);
  EXPECT_TRUE(v.ok()) << v.status().message();
  return v.ok() ? *v : AttributeValue();
}

TEST(PartiqlTest, SelectCompilesToConditionsOverPlaceholders) {
  PartiqlStatement st = Parse(
      "select a, \"b\".c, l[1] FROM \"Orders\".\"byDate\" WHERE pk = ? AND 5 < sk AND "
      "begins_with(name, 'x') AND (n = 1 OR n = 2) ORDER BY sk DESC");
  EXPECT_EQ(st.kind, PartiqlStatement::Kind::kSelect);
  EXPECT_EQ(st.table, "Orders");
  EXPECT_EQ(st.index, "byDate");
  EXPECT_EQ(st.projection, "#n0, #n1.#n2, #n3[1]");
  ASSERT_EQ(st.where.size(), 4u);
  EXPECT_EQ(st.where[0].text, "#n4 = :v0");
  EXPECT_EQ(st.where[0].op, Op::kEq);
  EXPECT_EQ(st.where[0].attribute, "pk");
  EXPECT_EQ(st.where[1].text, ":v1 < #n5");
  EXPECT_EQ(st.where[1].op, Op::kGt);  // 5 < sk is sk > 5
  EXPECT_EQ(st.where[2].op, Op::kBeginsWith);
  EXPECT_EQ(st.where[3].text, "(#n7 = :v3 OR #n7 = :v4)");
  EXPECT_EQ(st.where[3].op, Op::kOther);
  EXPECT_EQ(st.names, (std::vector<std::string>{"a", "b", "c", "l", "pk", "sk", "name", "n"}));
  EXPECT_EQ(st.order_by, "sk");
  EXPECT_TRUE(st.descending);
  EXPECT_EQ(st.parameter_count, 1u);
  EXPECT_EQ(Bind(st, 0, {AttributeValue::String("k")}), AttributeValue::String("k"));
  EXPECT_EQ(Bind(st, 1), AttributeValue::Number("5"));
}

TEST(PartiqlTest, PredicatesAndFunctions) {
  PartiqlStatement st = Parse(
      "SELECT * FROM t WHERE a IS MISSING AND b IS NOT MISSING AND c IN ['x', ?] AND "
      "d BETWEEN 1 AND 2 AND NOT contains(e, 'y') AND size(f) >= 3 AND g <> NULL AND "
      "attribute_type(h, 'S') AND i != TRUE");
  ASSERT_EQ(st.where.size(), 9u);
  EXPECT_EQ(st.where[0].text, "attribute_not_exists(#n0)");
  EXPECT_EQ(st.where[1].text, "attribute_exists(#n1)");
  EXPECT_EQ(st.where[2].text, "#n2 IN (:v0, :v1)");
  EXPECT_EQ(st.where[2].op, Op::kIn);
  EXPECT_EQ(st.where[3].text, "#n3 BETWEEN :v2 AND :v3");
  EXPECT_EQ(st.where[3].op, Op::kBetween);
  EXPECT_EQ(st.where[4].text, "NOT contains(#n4, :v4)");
  EXPECT_EQ(st.where[5].text, "size(#n5) >= :v5");
  EXPECT_EQ(st.where[5].op, Op::kOther);  // not a key condition
  EXPECT_EQ(st.where[6].text, "#n6 <> :v6");
  EXPECT_EQ(st.where[8].text, "#n8 <> :v8");
  EXPECT_EQ(Bind(st, 6), AttributeValue::Null());
  EXPECT_EQ(Bind(st, 8), AttributeValue::Bool(true));
}

TEST(PartiqlTest, LiteralsBindToAttributeValues) {
  PartiqlStatement st = Parse(
      "INSERT INTO \"t\" VALUE {'pk': 'it''s', 'n': -1.50, 'l': [1, 'x', NULL], "
      "'m': {'b': FALSE}, 'ss': <<'a', 'b'>>, 'ns': <<2, 1>>, 'p': ?}");
  EXPECT_EQ(st.kind, PartiqlStatement::Kind::kInsert);
  EXPECT_EQ(st.item_ref, ":v0");
  AttributeValue item = Bind(st, 0, {AttributeValue::Binary("\x01")});
  ASSERT_TRUE(item.is(ValueType::kM));
  const Item& m = item.map();
  EXPECT_EQ(m.at("pk"), AttributeValue::String("it's"));
  EXPECT_EQ(m.at("n"), AttributeValue::Number("-1.5"));
  EXPECT_EQ(m.at("l"), AttributeValue::List({AttributeValue::Number("1"), AttributeValue::String("x"),
                                             AttributeValue::Null()}));
  EXPECT_EQ(m.at("m"), AttributeValue::Map({{"b", AttributeValue::Bool(false)}}));
  EXPECT_EQ(m.at("ss"), AttributeValue::StringSet({"a", "b"}));
  EXPECT_EQ(m.at("ns"), AttributeValue::NumberSet({"2", "1"}));
  EXPECT_EQ(m.at("p"), AttributeValue::Binary("\x01"));

  PartiqlStatement dup = Parse("INSERT INTO t VALUE {'s': <<'a', ?>>}");
  Result<AttributeValue> bad = BindPartiqlValue(dup.values[0], {AttributeValue::String("a")});
  EXPECT_EQ(bad.status().message(), "Input collection contains duplicates");
  bad = BindPartiqlValue(dup.values[0], {AttributeValue::Number("1")});
  EXPECT_EQ(bad.status().kind(), ErrorKind::kValidation);
}

TEST(PartiqlTest, UpdateAndDeleteCompileToUpdateExpressionsAndReturnValues) {
  PartiqlStatement st = Parse(
      "UPDATE t SET a = a + 1, l = list_append(l, [2]) SET s = set_add(s, <<'x'>>) REMOVE m.b "
      "SET d = set_delete(d, <<1>>) WHERE pk = 'k' AND n > 0 RETURNING MODIFIED NEW *");
  EXPECT_EQ(st.kind, PartiqlStatement::Kind::kUpdate);
  EXPECT_EQ(st.update,
            "SET #n0 = #n0 + :v0, #n1 = list_append(#n1, :v1) REMOVE #n3.#n4 ADD #n2 :v2 DELETE #n5 :v3");
  EXPECT_EQ(st.returning, "UPDATED_NEW");
  ASSERT_EQ(st.where.size(), 2u);

  st = Parse("DELETE FROM t WHERE pk = ? AND sk = ? RETURNING ALL OLD *");
  EXPECT_EQ(st.kind, PartiqlStatement::Kind::kDelete);
  EXPECT_EQ(st.returning, "ALL_OLD");
  EXPECT_EQ(st.parameter_count, 2u);

  st = Parse("EXISTS(SELECT * FROM \"t\" WHERE pk = 'a' AND n = 1)");
  EXPECT_EQ(st.kind, PartiqlStatement::Kind::kExists);
  EXPECT_TRUE(st.read());
}

TEST(PartiqlTest, SyntaxErrorsSayWhere) {
  const std::string prefix = "Statement wasn't well formed, can't be processed: ";
  EXPECT_EQ(Error("UPSERT INTO t VALUE {}"), prefix + "Expected data manipulation at line 1, column 1");
  EXPECT_EQ(Error("SELECT * FROM t WHERE"), prefix + "Expected an identifier, found end of statement at line 1, column 22");
  EXPECT_EQ(Error("SELECT * FROM t\nWHERE a = 'x"), prefix + "Unterminated quoted text at line 2, column 11");
  EXPECT_EQ(Error("SELECT * FROM t WHERE a = 1 LIMIT 5"),
            prefix + "Unexpected token 'LIMIT' at line 1, column 29");
  EXPECT_EQ(Error("DELETE FROM t WHERE a = 1 RETURNING ALL NEW *"),
            prefix + "Expected ALL OLD * at line 1, column 41");
  EXPECT_EQ(Error("UPDATE t WHERE a = 1"), prefix + "Expected SET or REMOVE, found token 'WHERE' at line 1, column 10");
  EXPECT_EQ(Error("SELECT * FROM t WHERE a = @"), prefix + "Unexpected character '@' at line 1, column 27");
  // Nesting is bounded, so recursion is.
  std::string deep = "SELECT * FROM t WHERE " + std::string(100, '(') + "a = 1" + std::string(100, ')');
  EXPECT_EQ(Error(deep).rfind(prefix + "The statement is nested too deeply", 0), 0u);
  // Documents nest as deep as items may: 32 levels.
  std::string deep_value = "INSERT INTO t VALUE {'a': " + std::string(31, '[') + std::string(31, ']') + "}";
  EXPECT_TRUE(ParsePartiql(deep_value).ok());
  deep_value = "INSERT INTO t VALUE {'a': " + std::string(32, '[') + std::string(32, ']') + "}";
  EXPECT_EQ(Error(deep_value).rfind(prefix + "A value is nested more than 32 levels deep", 0), 0u);
  std::string in = "SELECT * FROM t WHERE a IN [1";
  for (int i = 0; i < 100; ++i) in += ", 1";
  EXPECT_EQ(Error(in + "]").rfind(prefix + "IN takes at most 100 values", 0), 0u);
}

TEST(PartiqlTest, CacheReturnsTheSameParse) {
  Result<std::shared_ptr<const PartiqlStatement>> a = ParsePartiqlCached("SELECT * FROM t WHERE pk = ?");
  Result<std::shared_ptr<const PartiqlStatement>> b = ParsePartiqlCached("SELECT * FROM t WHERE pk = ?");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_FALSE(ParsePartiqlCached("SELECT").ok());
}

}  // namespace
}  // namespace cirrus::query
