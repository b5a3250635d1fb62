#include "tools/ion.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

namespace cirrus::tools {
namespace {

std::string Line(const Item& item) {
  std::string line;
  AppendIonItemLine(item, &line);
  return line;
}

// Parses `line`, expecting success.
Item Parse(std::string_view line) {
  Result<Item> item = ParseIonItemLine(line);
  EXPECT_TRUE(item.ok()) << line << "\n" << item.status().message();
  return item.ok() ? *item : Item();
}

// Parses `line`, expecting an error.
Status Error(std::string_view line) {
  Result<Item> item = ParseIonItemLine(line);
  EXPECT_FALSE(item.ok()) << line;
  return item.ok() ? Status() : item.status();
}

// The value of attribute `a` in `$ion_1_0 {Item:{a:<value>}}`.
AttributeValue ParseValue(std::string_view value) {
  Item item = Parse("$ion_1_0 {Item:{a:" + std::string(value) + "}}");
  auto it = item.find("a");
  return it == item.end() ? AttributeValue::Null() : it->second;
}

void ExpectRoundTrip(const Item& item) {
  std::string line = Line(item);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  Result<Item> back = ParseIonItemLine(line);
  ASSERT_TRUE(back.ok()) << line << "\n" << back.status().message();
  EXPECT_TRUE(*back == item) << line;
}

TEST(IonTest, WritesEveryType) {
  Item item{
      {"b", AttributeValue::Binary(std::string("\x00\x01\xff", 3))},
      {"bs", AttributeValue::BinarySet({"a", "b"})},
      {"f", AttributeValue::Bool(false)},
      {"l", AttributeValue::List({AttributeValue::Number("1"), AttributeValue::String("x")})},
      {"m",
       AttributeValue::Map({{"k", AttributeValue::Null()}, {"t", AttributeValue::Bool(true)}})},
      {"n", AttributeValue::Number("1.50")},
      {"ns", AttributeValue::NumberSet({"2", "-0.5"})},
      {"s", AttributeValue::String("h\xc3\xa9")},
      {"ss", AttributeValue::StringSet({"a", "b"})},
  };
  EXPECT_EQ(Line(item),
            "$ion_1_0 {Item:{b:{{AAH/}},bs:$dynamodb_BS::[{{YQ==}},{{Yg==}}],f:false,"
            "l:[1.,\"x\"],m:{k:null,t:true},n:1.5,ns:$dynamodb_NS::[2.,-0.5],s:\"h\xc3\xa9\","
            "ss:$dynamodb_SS::[\"a\",\"b\"]}}");
  ExpectRoundTrip(item);
}

TEST(IonTest, RoundTripsNestedValues) {
  Item inner{{"list", AttributeValue::List({AttributeValue::Map({}), AttributeValue::List({}),
                                            AttributeValue::StringSet({"x"})})},
             {"", AttributeValue::String("an empty name is fine below the top level")}};
  Item item{{"outer", AttributeValue::Map({{"inner", AttributeValue::Map(inner)}})},
            {"empty", AttributeValue::Binary("")},
            {"l", AttributeValue::List({AttributeValue::Null(), AttributeValue::Bool(true)})}};
  ExpectRoundTrip(item);
  EXPECT_EQ(Line({{"m", AttributeValue::Map({})}, {"l", AttributeValue::List({})}}),
            "$ion_1_0 {Item:{l:[],m:{}}}");
}

TEST(IonTest, WritesNumbersAsDecimals) {
  struct Case {
    const char* number;
    const char* ion;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"103", "103."},
           {"0", "0."},
           {"10", "10."},
           {"-7", "-7."},
           {"1.5", "1.5"},
           {"-0.25", "-0.25"},
           {"0.05", "0.05"},
           {"600", "6d2"},
           {"1E+30", "1d30"},
           {"-1.5E-7", "-1.5d-7"},
           {"1e-130", "1d-130"},
           {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678."},
           {"9.9999999999999999999999999999999999999e125",
            "9.9999999999999999999999999999999999999d125"},
       }) {
    EXPECT_EQ(Line({{"n", AttributeValue::Number(c.number)}}),
              std::string("$ion_1_0 {Item:{n:") + c.ion + "}}")
        << c.number;
  }
}

TEST(IonTest, RoundTripsNumbers) {
  for (const char* n :
       {"0", "1", "-1", "103", "600", "1e30", "-1.5e-7", "0.001", "123.456",
        "12345678901234567890123456789012345678", "-0.12345678901234567890123456789012345678",
        "1.2345678901234567890123456789012345678e-100", "1e-130", "-1e-130", "1e125",
        "9.9999999999999999999999999999999999999e125"}) {
    Item item{{"n", AttributeValue::Number(n)}, {"ns", AttributeValue::NumberSet({"7"})}};
    std::string line = Line(item);
    Item back = Parse(line);
    EXPECT_EQ(back["n"].scalar(), item["n"].scalar()) << line;  // the same normalized text
  }
}

TEST(IonTest, RoundTripsTrickyStringsAndNames) {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls.push_back(static_cast<char>(c));
  all_controls += "\x7f";
  Item item;
  for (std::string s : {std::string("quote \" and 'apostrophe'"), std::string("back\\slash\\"),
                        std::string("line\nbreak\r\n\ttab"), all_controls,
                        std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                        std::string("'''not long'''"), std::string("/* not a comment */ //")}) {
    item[s] = AttributeValue::String(s);  // each also as a name
  }
  for (const char* name :
       {"null", "true", "false", "nan", "$ion_1_0", "$7", "$dynamodb_SS", "with space", "1abc",
        "a-b", "a.b", "a:b", "\xc3\xa9t\xc3\xa9", "_ok", "Ok_2", "Item"}) {
    item[name] = AttributeValue::String(name);
  }
  ExpectRoundTrip(item);
  ExpectRoundTrip({{"ss", AttributeValue::StringSet({"a\"b", "\n", "\xf0\x9f\x98\x80", ""})}});

  // Quoted only when needed.
  EXPECT_EQ(Line({{"_ok", AttributeValue::Null()},
                  {"null", AttributeValue::Null()},
                  {"a b", AttributeValue::Null()},
                  {"$x", AttributeValue::Null()},
                  {"it's", AttributeValue::Null()}}),
            "$ion_1_0 {Item:{'$x':null,_ok:null,'a b':null,'it\\'s':null,'null':null}}");
  EXPECT_EQ(Line({{"s", AttributeValue::String(std::string("a\"\\\n\r\t\0\x01\x7f'", 10))}}),
            "$ion_1_0 {Item:{s:\"a\\\"\\\\\\n\\r\\t\\0\\x01\\x7F'\"}}");
}

TEST(IonTest, RoundTripsBinary) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  ExpectRoundTrip({{"b", AttributeValue::Binary(all_bytes)},
                   {"b1", AttributeValue::Binary("x")},
                   {"b2", AttributeValue::Binary("xy")},
                   {"bs", AttributeValue::BinarySet({all_bytes, "", "z"})}});
}

// Random items (fixed seed) survive writing and reading.
TEST(IonTest, RoundTripsRandomItems) {
  std::mt19937 rng(20240601);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  // Pieces that need escaping or look like Ion syntax.
  const std::string pieces[] = {"a",    "Z",        "_",
                                "$",    "0",        " ",
                                "'",    "\"",       "\\",
                                "\n",   "\t",       std::string(1, '\0'),
                                "\x7f", "\xc3\xa9", "\xf0\x9f\x98\x80",
                                "'''",  "//",       "/*",
                                "::",   "{{"};
  auto random_string = [&] {
    std::string s;
    for (size_t i = pick(6); i > 0; --i) s += pieces[pick(std::size(pieces))];
    return s;
  };
  auto random_number = [&] {
    std::string text = pick(2) ? "-" : "";
    for (size_t i = 1 + pick(38); i > 0; --i) text.push_back(static_cast<char>('0' + pick(10)));
    text += "e" + std::to_string(static_cast<int>(pick(200)) - 120);
    Result<Decimal> d = Decimal::Parse(text);
    return d.ok() ? d->ToString() : std::string("0");
  };
  std::function<AttributeValue(int)> random_value = [&](int depth) -> AttributeValue {
    switch (pick(depth > 3 ? 8 : 10)) {
      case 0:
        return AttributeValue::String(random_string());
      case 1:
        return AttributeValue::NumberFromNormalized(random_number());
      case 2:
        return AttributeValue::Binary(random_string());
      case 3:
        return AttributeValue::Bool(pick(2));
      case 4:
        return AttributeValue::Null();
      case 5:
        return AttributeValue::StringSet({random_string() + "1", random_string() + "2"});
      case 6: {
        std::string a = random_number(), b = random_number();
        return a == b ? AttributeValue::NumberSet({a}) : AttributeValue::NumberSet({a, b});
      }
      case 7:
        return AttributeValue::BinarySet({random_string() + "x"});
      case 8: {
        std::vector<AttributeValue> list;
        for (size_t i = pick(4); i > 0; --i) list.push_back(random_value(depth + 1));
        return AttributeValue::List(std::move(list));
      }
      default: {
        Item map;
        for (size_t i = pick(4); i > 0; --i) map[random_string()] = random_value(depth + 1);
        return AttributeValue::Map(std::move(map));
      }
    }
  };
  for (int i = 0; i < 300; ++i) {
    Item item;
    for (size_t n = pick(6); n > 0; --n) item[random_string() + "k"] = random_value(1);
    ExpectRoundTrip(item);
  }
}

TEST(IonTest, ParsesAwsExampleLine) {
  Item item = Parse(
      "$ion_1_0 {Item:{Id:103.,Title:\"Book 103\",Authors:$dynamodb_SS::[\"A1\",\"A2\"],"
      "InPrint:false,Pages:6d2}}");
  EXPECT_EQ(item.size(), 5u);
  EXPECT_EQ(item["Id"].scalar(), "103");
  EXPECT_EQ(item["Title"].scalar(), "Book 103");
  EXPECT_EQ(item["Authors"].set(), (std::vector<std::string>{"A1", "A2"}));
  EXPECT_TRUE(item["Authors"].is(ValueType::kSS));
  EXPECT_TRUE(item["InPrint"].is(ValueType::kBool));
  EXPECT_FALSE(item["InPrint"].boolean());
  EXPECT_TRUE(item["Pages"].is(ValueType::kN));
  EXPECT_EQ(item["Pages"].scalar(), "600");
}

TEST(IonTest, ParsesReasonableIonText) {
  // No marker, spaces and comments between tokens, quoted names, trailing commas.
  Item item = Parse(
      "  {  // the wrapper\n  'Item' /* here */ : { \"a b\" : 1 , '''lo''' '''ng''' : [ 2 , ] ,"
      " c /**/:/**/ { d : null , } , } , }  // done");
  EXPECT_EQ(item.size(), 3u);
  EXPECT_EQ(item["a b"].scalar(), "1");
  EXPECT_EQ(item["long"].list().size(), 1u);
  EXPECT_TRUE(item["c"].map().at("d").is(ValueType::kNull));
  EXPECT_EQ(Parse("$ion_1_0{Item:{}}\r").size(), 0u);
  EXPECT_EQ(Parse("\t$ion_1_0 {\"Item\":{x:true}}").at("x").boolean(), true);
}

TEST(IonTest, ParsesStringEscapes) {
  EXPECT_EQ(ParseValue(R"("\a\b\t\n\f\r\v\?\0\'\"\/\\")").scalar(),
            std::string("\a\b\t\n\f\r\v?\0'\"/\\", 13));
  EXPECT_EQ(ParseValue(R"("\x41\xe9\u00E9\u20ac\U0001F600\uD83D\uDE00")").scalar(),
            "A\xc3\xa9\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
  EXPECT_EQ(ParseValue("\"raw \xc3\xa9 and \t tab\"").scalar(), "raw \xc3\xa9 and \t tab");
  // Long strings: quotes inside, escapes, adjacent ones concatenate across space and comments.
  EXPECT_EQ(ParseValue(R"('''it's "x"''' /* c */ '''\n''' // c
                          '''y''')")
                .scalar(),
            "it's \"x\"\ny");
  EXPECT_EQ(ParseValue("''''''").scalar(), "");
  EXPECT_EQ(ParseValue("'''a\\\nb'''").scalar(), "ab");  // escaped line break
  Item names = Parse(R"({Item:{'\'q\'':1,"\u00e9":2,'''l'''  :3}})");
  EXPECT_EQ(names.count("'q'"), 1u);
  EXPECT_EQ(names.count("\xc3\xa9"), 1u);
  EXPECT_EQ(names.count("l"), 1u);
}

TEST(IonTest, ParsesNumbers) {
  struct Case {
    const char* ion;
    const char* n;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"103.", "103"},
           {"1.5", "1.5"},
           {"6d2", "600"},
           {"-0.5d-3", "-0.0005"},
           {"1D5", "100000"},
           {"1d+2", "100"},
           {"103", "103"},
           {"-7", "-7"},
           {"0", "0"},
           {"-0", "0"},
           {"-0.", "0"},
           {"0.0", "0"},
           {"0x1F", "31"},
           {"-0X1f", "-31"},
           {"0x0", "0"},
           {"0b101", "5"},
           {"-0B1_0", "-2"},
           {"1_000", "1000"},
           {"1_000.000_5", "1000.0005"},
           {"1.5e3", "1500"},
           {"1.25E-2", "0.0125"},
           {"1e0", "1"},
           {"1.000", "1"},
           {"0xFFFF_FFFF_FFFF_FFFF", "18446744073709551615"},
       }) {
    AttributeValue v = ParseValue(c.ion);
    EXPECT_TRUE(v.is(ValueType::kN)) << c.ion;
    if (v.is(ValueType::kN)) {
      EXPECT_EQ(v.scalar(), c.n) << c.ion;
    }
  }
  AttributeValue ns = ParseValue("$dynamodb_NS::[1, 2.5e1, 0x10, 7d0]");
  EXPECT_EQ(ns.set(), (std::vector<std::string>{"1", "25", "16", "7"}));
}

TEST(IonTest, ParsesNullsBlobsAndSets) {
  for (const char* null : {"null", "null.null", "null.string", "null.struct", "null.int"}) {
    EXPECT_TRUE(ParseValue(null).is(ValueType::kNull)) << null;
  }
  EXPECT_EQ(ParseValue("{{ AAH/ }}").scalar(), std::string("\x00\x01\xff", 3));
  EXPECT_EQ(ParseValue("{{\n YW\r\nJj  ZA== \t}}").scalar(), "abcd");
  EXPECT_EQ(ParseValue("{{}}").scalar(), "");
  EXPECT_TRUE(ParseValue("{{}}").is(ValueType::kB));
  AttributeValue bs = ParseValue("$dynamodb_BS :: [ {{YQ==}}, {{ Yg== }} ]");
  EXPECT_TRUE(bs.is(ValueType::kBS));
  EXPECT_EQ(bs.set(), (std::vector<std::string>{"a", "b"}));
  AttributeValue ss = ParseValue("'$dynamodb_SS'::['''a''' '''b''', \"c\",]");
  EXPECT_TRUE(ss.is(ValueType::kSS));
  EXPECT_EQ(ss.set(), (std::vector<std::string>{"ab", "c"}));
}

TEST(IonTest, NestingStopsAt32Levels) {
  auto nested = [](int containers) {
    std::string line = "{Item:{a:";
    for (int i = 0; i < containers; ++i) line += i % 2 ? "{k:" : "[";
    line += "\"x\"";
    for (int i = containers - 1; i >= 0; --i) line += i % 2 ? "}" : "]";
    return line + "}}";
  };
  EXPECT_TRUE(ParseIonItemLine(nested(31)).ok());
  Status s = Error(nested(32));
  EXPECT_EQ(s.kind(), ErrorKind::kValidation);
  EXPECT_EQ(s.message(),
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
            "levels beyond supported limit (column 71)");  // the 32nd container
}

TEST(IonTest, ReportsWhereTheErrorIs) {
  EXPECT_EQ(Error("$ion_1_0 {Item:{a:(1)}}").message(),
            "Invalid Ion: s-expressions (...) are not supported (column 19)");
  EXPECT_EQ(Error("{Item:{a:$dynamodb_SS::[]}}").message(),
            "One or more parameter values were invalid: An string set  may not be empty "
            "(column 10)");
  EXPECT_EQ(Error("{Item:{n:123456789012345678901234567890123456789}}").message(),
            "Attempting to store more than 38 significant digits in a Number (column 10)");
}

TEST(IonTest, RejectsWhatIsNotDynamoDbIon) {
  struct Case {
    const char* line;
    ErrorKind kind;
    const char* message_part;
  };
  const ErrorKind kSyntax = ErrorKind::kSerialization;
  const ErrorKind kInvalid = ErrorKind::kValidation;
  for (const Case& c : std::initializer_list<Case>{
           // Ion we do not map.
           {"{Item:{a:(1 2)}}", kSyntax, "s-expressions"},
           {"{Item:{a:2007-01-01T}}", kSyntax, "timestamps"},
           {"{Item:{a:2007T}}", kSyntax, "timestamps"},
           {"{Item:{a:2007-01-01T12:00Z}}", kSyntax, "timestamps"},
           {"{Item:{a:{{\"clob\"}}}}", kSyntax, "clobs"},
           {"{Item:{a:{{'''clob'''}}}}", kSyntax, "clobs"},
           {"{Item:{a:abc}}", kSyntax, "symbol values"},
           {"{Item:{a:'abc'}}", kSyntax, "symbol values"},
           {"{Item:{a:foo::[1]}}", kSyntax, "unknown annotation 'foo'"},
           {"{Item:{a:$dynamodb_SS::$dynamodb_SS::[\"a\"]}}", kSyntax, "must annotate a list"},
           {"{Item:{a:$dynamodb_SS::\"a\"}}", kSyntax, "must annotate a list"},
           {"{Item:{a:$dynamodb_SS::[1]}}", kSyntax, "elements must be strings"},
           {"{Item:{a:$dynamodb_NS::[\"1\"]}}", kSyntax, "elements must be numbers"},
           {"{Item:{a:$dynamodb_BS::[\"YQ==\"]}}", kSyntax, "elements must be {{blobs}}"},
           {"{Item:{a:$dynamodb_SS::[null]}}", kSyntax, "elements must be strings"},
           {"{Item:{a:nan}}", kSyntax, "nan"},
           {"{Item:{a:+inf}}", kSyntax, "+inf"},
           {"{Item:{a:-inf}}", kSyntax, "-inf"},
           {"{Item:{a:null.foo}}", kSyntax, "unknown typed null"},
           // The wrapper.
           {"", kSyntax, "empty line"},
           {"  // only a comment", kSyntax, "empty line"},
           {"$ion_1_0", kSyntax, "expected {Item:{...}}"},
           {"$ion_1_0 {Id:1}", kSyntax, "expected the field Item, found 'Id'"},
           {"{}", kSyntax, "missing the Item field"},
           {"{Item:[]}", kSyntax, "Item must be a struct"},
           {"{Item:{}, Other:1}", kSyntax, "the wrapper holds only Item"},
           {"$ion_1_1 {Item:{}}", kSyntax, "expected $ion_1_0"},
           {"{Item:{}} x", kSyntax, "unexpected text after the item"},
           {"{Item:{}} {Item:{}}", kSyntax, "unexpected text after the item"},
           {"{Item:{}", kSyntax, "unterminated"},
           {"[{Item:{}}]", kSyntax, "expected {Item:{...}}"},
           // Syntax.
           {"{Item:{a:1 b:2}}", kSyntax, "expected ',' or '}'"},
           {"{Item:{a:[1 2]}}", kSyntax, "expected ',' or ']'"},
           {"{Item:{a:[1,,2]}}", kSyntax, "two commas"},
           {"{Item:{a:[,]}}", kSyntax, "unexpected character ','"},
           {"{Item:{,}}", kSyntax, "expected a field name"},
           {"{Item:{a:[1}}", kSyntax, "expected ',' or ']'"},
           {"{Item:{a 1}}", kSyntax, "expected ':'"},
           {"{Item:{a::1}}", kSyntax, "expected ':'"},
           {"{Item:{a:}}", kSyntax, "unexpected character '}'"},
           {"{Item:{null:1}}", kSyntax, "keyword 'null'"},
           {"{Item:{$10:1}}", kSyntax, "symbol IDs"},
           {"{Item:{a:\"x}}", kSyntax, "unterminated string"},
           {"{Item:{a:'''x}}", kSyntax, "unterminated '''long string'''"},
           {"{Item:{a:\"x\ny\"}}", kSyntax, "raw line break"},
           {"{Item:{a:\"\x01\"}}", kSyntax, "control character"},
           {"{Item:{a:\"\\q\"}}", kSyntax, "unknown escape \\q"},
           {"{Item:{a:\"\\x4\"}}", kSyntax, "2 hex digits"},
           {"{Item:{a:\"\\uD83D\"}}", kSyntax, "unpaired surrogate"},
           {"{Item:{a:\"\\uD83Dx\"}}", kSyntax, "unpaired surrogate"},
           {"{Item:{a:\"\\uDE00\"}}", kSyntax, "not a Unicode scalar value"},
           {"{Item:{a:\"\\U00110000\"}}", kSyntax, "not a Unicode scalar value"},
           {"{Item:{a:\"\xc3\"}}", kSyntax, "invalid UTF-8"},
           {"{Item:{a:\"\xed\xa0\x80\"}}", kSyntax, "invalid UTF-8"},
           {"{Item:{a:1}} /* open", kSyntax, "unterminated /* comment"},
           {"{Item:{a:{{AAH}}}}", kSyntax, "not padded base64"},
           {"{Item:{a:{{A*==}}}}", kSyntax, "expected base64"},
           {"{Item:{a:{{YQ==}}", kSyntax, "unterminated"},
           {"{Item:{a:{{YQ==}}}", kSyntax, "unterminated"},
           {"{Item:{a:007}}", kSyntax, "leading zeros"},
           {"{Item:{a:.5}}", kSyntax, "unexpected character '.'"},
           {"{Item:{a:-}}", kSyntax, "malformed number"},
           {"{Item:{a:1__0}}", kSyntax, "malformed number"},
           {"{Item:{a:1_}}", kSyntax, "malformed number"},
           {"{Item:{a:0x}}", kSyntax, "malformed number"},
           {"{Item:{a:0x1G}}", kSyntax, "malformed number"},
           {"{Item:{a:0b2}}", kSyntax, "malformed number"},
           {"{Item:{a:1e}}", kSyntax, "malformed number"},
           {"{Item:{a:1.5f}}", kSyntax, "malformed number"},
           {"{Item:{a:1d1_0}}", kSyntax, "malformed number"},
           {"{Item:{a:+1}}", kSyntax, "unexpected character '+'"},
           // DynamoDB's rules.
           {"{Item:{a:$dynamodb_SS::[]}}", kInvalid, "An string set  may not be empty"},
           {"{Item:{a:$dynamodb_NS::[ ]}}", kInvalid, "An number set  may not be empty"},
           {"{Item:{a:$dynamodb_BS::[]}}", kInvalid, "Binary sets should not be empty"},
           {"{Item:{a:$dynamodb_SS::[\"x\",\"y\",\"x\"]}}", kInvalid,
            "Input collection [x, y, x] contains duplicates."},
           {"{Item:{a:$dynamodb_NS::[1, 1.0]}}", kInvalid, "Input collection contains duplicates"},
           {"{Item:{a:$dynamodb_BS::[{{YQ==}},{{YQ==}}]}}", kInvalid,
            "Input collection contains duplicates"},
           {"{Item:{a:1,a:2}}", kInvalid, "Duplicate field name 'a'"},
           {"{Item:{a:{b:1,'b':2}}}", kInvalid, "Duplicate field name 'b'"},
           {"{Item:{'':1}}", kInvalid, "An attribute name cannot be empty"},
           {"{Item:{a:123456789012345678901234567890123456789}}", kInvalid,
            "more than 38 significant digits"},
           {"{Item:{a:0xFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF}}", kInvalid,
            "more than 38 significant digits"},  // 2^128 - 1 has 39 digits
           {"{Item:{a:1d126}}", kInvalid, "Number overflow"},
           {"{Item:{a:-1e200}}", kInvalid, "Number overflow"},
           {"{Item:{a:1d-131}}", kInvalid, "Number underflow"},
           {"{Item:{a:$dynamodb_NS::[1d999999999999]}}", kInvalid, "Number overflow"},
       }) {
    Status s = Error(c.line);
    EXPECT_EQ(s.kind(), c.kind) << c.line << "\n" << s.message();
    EXPECT_NE(s.message().find(c.message_part), std::string::npos) << c.line << "\n" << s.message();
    EXPECT_NE(s.message().find("(column "), std::string::npos) << c.line;
  }

  // Huge hex ints overflow without being converted digit by digit.
  Status s = Error("{Item:{a:0x" + std::string(200000, 'F') + "}}");
  EXPECT_EQ(s.kind(), ErrorKind::kValidation);
  EXPECT_NE(s.message().find("Number overflow"), std::string::npos) << s.message();
  // A name over 65535 bytes.
  s = Error("{Item:{'" + std::string(65536, 'n') + "':1}}");
  EXPECT_EQ(s.kind(), ErrorKind::kValidation);
  EXPECT_NE(s.message().find("65535 bytes"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace cirrus::tools
