#include "streams/filter.h"

#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

namespace cirrus::streams {
namespace {

// A stream record as Lambda hands it to a function
// (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html), with `new_image` as its
// dynamodb.NewImage.
std::string Record(const std::string& event_name, const std::string& new_image) {
  return R"({"eventID":"1","eventName":")" + event_name +
         R"(","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",)"
         R"("eventSourceARN":"arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/x",)"
         R"("dynamodb":{"ApproximateCreationDateTime":1704067200,"Keys":{"pk":{"S":"a"}},)"
         R"("NewImage":)" +
         new_image +
         R"(,"SequenceNumber":"111","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"}})";
}

FilterSet MustParse(const std::vector<std::string>& patterns) {
  Result<FilterSet> set = FilterSet::Parse(patterns);
  EXPECT_TRUE(set.ok()) << set.status().message();
  return set.ok() ? std::move(set).value() : FilterSet();
}

// Whether the one-filter set `pattern` admits `record`.
bool Match(const std::string& pattern, const std::string& record) {
  Result<FilterSet> set = FilterSet::Parse({pattern});
  EXPECT_TRUE(set.ok()) << pattern << ": " << set.status().message();
  return set.ok() && set->Matches(record);
}

void ExpectInvalid(const std::string& pattern) {
  Result<FilterSet> set = FilterSet::Parse({pattern});
  ASSERT_FALSE(set.ok()) << pattern;
  EXPECT_EQ(set.status().kind(), ErrorKind::kValidation) << pattern;
  EXPECT_EQ(set.status().message(), "Invalid filter pattern definition.") << pattern;
}

TEST(FilterSetTest, EmptySetMatchesEverything) {
  FilterSet none;
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.Matches(Record("INSERT", "{}")));
  FilterSet parsed = MustParse({});
  EXPECT_TRUE(parsed.empty());
  EXPECT_TRUE(parsed.Matches(R"({"eventName":"REMOVE"})"));
}

TEST(FilterSetTest, ExactStringIsCaseSensitive) {
  const std::string p = R"({"eventName":["INSERT"]})";
  EXPECT_TRUE(Match(p, Record("INSERT", "{}")));
  EXPECT_FALSE(Match(p, Record("insert", "{}")));
  EXPECT_FALSE(Match(p, Record("INSERTS", "{}")));
  EXPECT_FALSE(Match(p, R"({"eventName":["MODIFY"]})"));
}

TEST(FilterSetTest, EmptyStringAndNull) {
  EXPECT_TRUE(Match(R"({"a":[""]})", R"({"a":""})"));
  EXPECT_FALSE(Match(R"({"a":[""]})", R"({"a":"x"})"));
  EXPECT_FALSE(Match(R"({"a":[""]})", R"({"a":null})"));
  EXPECT_FALSE(Match(R"({"a":[""]})", R"({})"));
  EXPECT_TRUE(Match(R"({"a":[null]})", R"({"a":null})"));
  EXPECT_FALSE(Match(R"({"a":[null]})", R"({"a":""})"));
  EXPECT_FALSE(Match(R"({"a":[null]})", R"({})"));  // null is a value, absent is not
}

TEST(FilterSetTest, ExactNumbersMatchJsonNumbersOnly) {
  const std::string p = R"({"dynamodb":{"SizeBytes":[26]}})";
  EXPECT_TRUE(Match(p, Record("INSERT", "{}")));
  EXPECT_TRUE(Match(p, R"({"dynamodb":{"SizeBytes":26.0}})"));
  EXPECT_TRUE(Match(p, R"({"dynamodb":{"SizeBytes":2.6e1}})"));
  EXPECT_FALSE(Match(p, R"({"dynamodb":{"SizeBytes":27}})"));
  EXPECT_FALSE(Match(p, R"({"dynamodb":{"SizeBytes":"26"}})"));
  // DynamoDB numbers are strings: match them exactly as strings.
  EXPECT_TRUE(Match(R"({"qty":{"N":["12"]}})", R"({"qty":{"N":"12"}})"));
  EXPECT_FALSE(Match(R"({"qty":{"N":[12]}})", R"({"qty":{"N":"12"}})"));
}

TEST(FilterSetTest, Booleans) {
  const std::string p = R"({"dynamodb":{"NewImage":{"ok":{"BOOL":[true]}}}})";
  EXPECT_TRUE(Match(p, Record("INSERT", R"({"ok":{"BOOL":true}})")));
  EXPECT_FALSE(Match(p, Record("INSERT", R"({"ok":{"BOOL":false}})")));
  EXPECT_FALSE(Match(p, Record("INSERT", R"({"ok":{"S":"true"}})")));
}

TEST(FilterSetTest, PrefixAndSuffixMatchStringsOnly) {
  EXPECT_TRUE(Match(R"({"s":[{"prefix":"AB-"}]})", R"({"s":"AB-12"})"));
  EXPECT_TRUE(Match(R"({"s":[{"prefix":"AB-"}]})", R"({"s":"AB-"})"));
  EXPECT_FALSE(Match(R"({"s":[{"prefix":"AB-"}]})", R"({"s":"ab-12"})"));
  EXPECT_FALSE(Match(R"({"s":[{"prefix":"AB-"}]})", R"({"s":"AB"})"));
  EXPECT_FALSE(Match(R"({"s":[{"prefix":"1"}]})", R"({"s":12})"));
  EXPECT_TRUE(Match(R"({"s":[{"prefix":""}]})", R"({"s":"anything"})"));
  EXPECT_TRUE(Match(R"({"f":[{"suffix":".png"}]})", R"({"f":"a/b.png"})"));
  EXPECT_FALSE(Match(R"({"f":[{"suffix":".png"}]})", R"({"f":"a/b.PNG"})"));
  EXPECT_FALSE(Match(R"({"f":[{"suffix":".png"}]})", R"({"f":"png"})"));
  EXPECT_TRUE(Match(R"({"s":[{"prefix":{"equals-ignore-case":"ab-"}}]})", R"({"s":"Ab-1"})"));
  EXPECT_TRUE(Match(R"({"f":[{"suffix":{"equals-ignore-case":".png"}}]})", R"({"f":"X.PNG"})"));
}

TEST(FilterSetTest, EqualsIgnoreCase) {
  const std::string p = R"({"s":[{"equals-ignore-case":"active"}]})";
  EXPECT_TRUE(Match(p, R"({"s":"ACTIVE"})"));
  EXPECT_TRUE(Match(p, R"({"s":"Active"})"));
  EXPECT_FALSE(Match(p, R"({"s":"ACTIVE1"})"));
  EXPECT_FALSE(Match(p, R"({"s":["x"]})"));
}

TEST(FilterSetTest, AnythingBut) {
  const std::string one = R"({"s":[{"anything-but":"test"}]})";
  EXPECT_TRUE(Match(one, R"({"s":"prod"})"));
  EXPECT_FALSE(Match(one, R"({"s":"test"})"));
  EXPECT_FALSE(Match(one, R"({})"));  // the field must be present
  EXPECT_TRUE(Match(one, R"({"s":12})"));

  const std::string list = R"({"s":[{"anything-but":["stopped","overloaded"]}]})";
  EXPECT_TRUE(Match(list, R"({"s":"running"})"));
  EXPECT_FALSE(Match(list, R"({"s":"stopped"})"));
  EXPECT_FALSE(Match(list, R"({"s":"overloaded"})"));

  const std::string numbers = R"({"n":[{"anything-but":[100,200]}]})";
  EXPECT_TRUE(Match(numbers, R"({"n":150})"));
  EXPECT_FALSE(Match(numbers, R"({"n":100})"));
  EXPECT_FALSE(Match(numbers, R"({"n":2e2})"));
  EXPECT_TRUE(Match(R"({"n":[{"anything-but":123}]})", R"({"n":124})"));

  const std::string prefix = R"({"s":[{"anything-but":{"prefix":"init"}}]})";
  EXPECT_TRUE(Match(prefix, R"({"s":"running"})"));
  EXPECT_FALSE(Match(prefix, R"({"s":"initializing"})"));
  const std::string suffix = R"({"s":[{"anything-but":{"suffix":".png"}}]})";
  EXPECT_TRUE(Match(suffix, R"({"s":"a.jpg"})"));
  EXPECT_FALSE(Match(suffix, R"({"s":"a.png"})"));
  const std::string folded = R"({"s":[{"anything-but":{"equals-ignore-case":["a","b"]}}]})";
  EXPECT_TRUE(Match(folded, R"({"s":"c"})"));
  EXPECT_FALSE(Match(folded, R"({"s":"B"})"));
}

TEST(FilterSetTest, NumericComparisons) {
  struct Case {
    const char* numeric;
    double value;
    bool match;
  };
  for (const Case& c : std::vector<Case>{{R"(["=",10])", 10, true},
                                         {R"(["=",10])", 10.5, false},
                                         {R"(["<",10])", 9.99, true},
                                         {R"(["<",10])", 10, false},
                                         {R"(["<=",10])", 10, true},
                                         {R"(["<=",10])", 11, false},
                                         {R"([">",10])", 10, false},
                                         {R"([">",10])", 10.01, true},
                                         {R"([">=",10])", 10, true},
                                         {R"([">=",10])", -10, false},
                                         {R"([">",10,"<=",20])", 10, false},
                                         {R"([">",10,"<=",20])", 15, true},
                                         {R"([">",10,"<=",20])", 20, true},
                                         {R"([">",10,"<=",20])", 20.5, false},
                                         {R"([">=",-1.5,"<",0])", -1.5, true},
                                         {R"([">=",-1.5,"<",0])", 0, false}}) {
    std::string pattern = std::string(R"({"n":[{"numeric":)") + c.numeric + "}]}";
    std::string number = std::to_string(c.value);
    EXPECT_EQ(Match(pattern, R"({"n":)" + number + "}"), c.match) << pattern << " " << number;
    EXPECT_EQ(Match(pattern, R"({"n":")" + number + "\"}"), c.match)
        << pattern << " \"" << number << "\"";
  }
}

TEST(FilterSetTest, NumericOnDynamoDbNumberStrings) {
  const std::string p = R"({"dynamodb":{"NewImage":{"qty":{"N":[{"numeric":[">",10,"<=",20]}]}}}})";
  EXPECT_TRUE(Match(p, Record("INSERT", R"({"qty":{"N":"12"}})")));
  EXPECT_TRUE(Match(p, Record("INSERT", R"({"qty":{"N":"1.2E1"}})")));
  EXPECT_FALSE(Match(p, Record("INSERT", R"({"qty":{"N":"10"}})")));
  EXPECT_FALSE(Match(p, Record("INSERT", R"({"qty":{"N":"-12"}})")));
  // Strings that are not wholly a finite number, and non-numbers, never match.
  for (const char* value : {R"("12abc")", R"(" 12")", R"("")", R"("inf")", R"("nan")", R"("1e999")",
                            "true", "null", "[]", "{}"}) {
    EXPECT_FALSE(Match(p, Record("INSERT", std::string(R"({"qty":{"N":)") + value + "}}")))
        << value;
  }
}

TEST(FilterSetTest, Exists) {
  const std::string present = R"({"dynamodb":{"NewImage":{"note":{"S":[{"exists":true}]}}}})";
  const std::string absent = R"({"dynamodb":{"NewImage":{"note":{"S":[{"exists":false}]}}}})";
  std::string with_note = Record("INSERT", R"({"note":{"S":""}})");
  std::string without_note = Record("INSERT", R"({"other":{"S":"x"}})");
  EXPECT_TRUE(Match(present, with_note));
  EXPECT_FALSE(Match(present, without_note));
  EXPECT_FALSE(Match(absent, with_note));
  EXPECT_TRUE(Match(absent, without_note));
  // exists:false is the one matcher an absent key can satisfy, at any depth.
  EXPECT_TRUE(Match(absent, R"({"eventName":"REMOVE"})"));
  EXPECT_TRUE(Match(R"({"a":[{"exists":false}]})", R"({})"));
  EXPECT_TRUE(Match(R"({"a":[null]})", R"({"a":null})"));
  EXPECT_TRUE(Match(R"({"a":[{"exists":true}]})", R"({"a":null})"));  // null is a value
  // Exists looks at leaf values only: an object or an empty array is not one.
  EXPECT_FALSE(Match(R"({"a":[{"exists":true}]})", R"({"a":{"S":"x"}})"));
  EXPECT_TRUE(Match(R"({"a":[{"exists":false}]})", R"({"a":{"S":"x"}})"));
  EXPECT_FALSE(Match(R"({"a":[{"exists":true}]})", R"({"a":[]})"));
  EXPECT_TRUE(Match(R"({"a":[{"exists":true}]})", R"({"a":["x"]})"));
  // OR'ed with another matcher.
  const std::string either = R"({"a":["x",{"exists":false}]})";
  EXPECT_TRUE(Match(either, R"({"a":"x"})"));
  EXPECT_TRUE(Match(either, R"({})"));
  EXPECT_FALSE(Match(either, R"({"a":"y"})"));
}

TEST(FilterSetTest, AbsentFieldsFailEveryOtherMatcher) {
  for (const char* matchers :
       {R"(["x"])", R"([""])", "[null]", "[1]", "[true]", R"([{"prefix":""}])",
        R"([{"suffix":""}])", R"([{"equals-ignore-case":"x"}])", R"([{"numeric":[">",0]}])",
        R"([{"anything-but":"x"}])", R"([{"exists":true}])"}) {
    std::string pattern =
        std::string(R"({"dynamodb":{"NewImage":{"missing":{"S":)") + matchers + "}}}}";
    EXPECT_FALSE(Match(pattern, Record("INSERT", R"({"qty":{"N":"1"}})"))) << pattern;
    EXPECT_FALSE(Match(pattern, R"({"eventName":"INSERT"})")) << pattern;
  }
}

TEST(FilterSetTest, NestedPatternOverNonObjectFails) {
  EXPECT_FALSE(Match(R"({"eventName":{"S":["INSERT"]}})", Record("INSERT", "{}")));
  EXPECT_FALSE(Match(R"({"a":{"b":["x"]}})", R"({"a":"x"})"));
  EXPECT_FALSE(Match(R"({"a":{"b":["x"]}})", R"({"a":["x"]})"));
  EXPECT_TRUE(Match(R"({"a":{"b":["x"]}})", R"({"a":{"b":"x"}})"));
}

TEST(FilterSetTest, FieldsAreAndedMatchersOred) {
  const std::string p =
      R"({"eventName":["INSERT","MODIFY"],"dynamodb":{"Keys":{"pk":{"S":["a","b"]}}}})";
  EXPECT_TRUE(Match(p, Record("INSERT", "{}")));
  EXPECT_TRUE(Match(p, Record("MODIFY", "{}")));
  EXPECT_FALSE(Match(p, Record("REMOVE", "{}")));
  EXPECT_FALSE(Match(p, R"({"eventName":"INSERT","dynamodb":{"Keys":{"pk":{"S":"c"}}}})"));
  EXPECT_TRUE(Match(p, R"({"eventName":"INSERT","dynamodb":{"Keys":{"pk":{"S":"b"}}}})"));
  EXPECT_FALSE(Match(p, R"({"eventName":"INSERT"})"));
}

TEST(FilterSetTest, FiltersAreOred) {
  FilterSet set = MustParse(
      {R"({"eventName":["INSERT"]})", R"({"dynamodb":{"NewImage":{"kind":{"S":["vip"]}}}})"});
  EXPECT_FALSE(set.empty());
  EXPECT_TRUE(set.Matches(Record("INSERT", R"({"kind":{"S":"basic"}})")));
  EXPECT_TRUE(set.Matches(Record("MODIFY", R"({"kind":{"S":"vip"}})")));
  EXPECT_FALSE(set.Matches(Record("MODIFY", R"({"kind":{"S":"basic"}})")));
}

TEST(FilterSetTest, ArraysInRecordsMatchAnyElement) {
  const std::string tags = R"({"dynamodb":{"NewImage":{"tags":{"SS":["red"]}}}})";
  EXPECT_TRUE(Match(tags, Record("INSERT", R"({"tags":{"SS":["blue","red"]}})")));
  EXPECT_FALSE(Match(tags, Record("INSERT", R"({"tags":{"SS":["blue","green"]}})")));
  const std::string sizes = R"({"dynamodb":{"NewImage":{"s":{"NS":[{"numeric":[">",5]}]}}}})";
  EXPECT_TRUE(Match(sizes, Record("INSERT", R"({"s":{"NS":["1","7"]}})")));
  EXPECT_FALSE(Match(sizes, Record("INSERT", R"({"s":{"NS":["1","2"]}})")));
  // anything-but over an array: some element is not excluded.
  const std::string not_red = R"({"t":[{"anything-but":"red"}]})";
  EXPECT_TRUE(Match(not_red, R"({"t":["red","blue"]})"));
  EXPECT_FALSE(Match(not_red, R"({"t":["red"]})"));
  // Nested arrays flatten.
  EXPECT_TRUE(Match(R"({"t":["x"]})", R"({"t":[["a"],["x"]]})"));
  // A nested pattern over a list of maps: one element must match all of it.
  const std::string line = R"({"L":{"M":{"sku":{"S":["A"]},"n":{"N":["2"]}}}})";
  EXPECT_TRUE(Match(line, R"({"L":[{"M":{"sku":{"S":"B"},"n":{"N":"2"}}},)"
                          R"({"M":{"sku":{"S":"A"},"n":{"N":"2"}}}]})"));
  EXPECT_FALSE(Match(line, R"({"L":[{"M":{"sku":{"S":"B"},"n":{"N":"2"}}},)"
                           R"({"M":{"sku":{"S":"A"},"n":{"N":"3"}}}]})"));
}

TEST(FilterSetTest, SpecExamplePattern) {
  FilterSet set = MustParse({R"({"eventName":["INSERT","MODIFY"],
 "dynamodb":{"NewImage":{"status":{"S":["ACTIVE"]},
                         "qty":{"N":[{"numeric":[">",10,"<=",20]}]},
                         "sku":{"S":[{"prefix":"AB-"}]},
                         "note":{"S":[{"exists":true}]},
                         "kind":{"S":[{"anything-but":["test"]}]}}}})"});
  auto image = [](const char* status, const char* qty, const char* sku, bool note,
                  const char* kind) {
    std::string s = std::string(R"({"pk":{"S":"a"},"status":{"S":")") + status +
                    R"("},"qty":{"N":")" + qty + R"("},"sku":{"S":")" + sku + R"("},)";
    if (note) s += R"("note":{"S":"hi"},)";
    return s + R"("kind":{"S":")" + kind + R"("}})";
  };
  EXPECT_TRUE(set.Matches(Record("INSERT", image("ACTIVE", "12", "AB-1", true, "prod"))));
  EXPECT_TRUE(set.Matches(Record("MODIFY", image("ACTIVE", "20", "AB-", true, "x"))));
  EXPECT_FALSE(set.Matches(Record("REMOVE", image("ACTIVE", "12", "AB-1", true, "prod"))));
  EXPECT_FALSE(set.Matches(Record("INSERT", image("active", "12", "AB-1", true, "prod"))));
  EXPECT_FALSE(set.Matches(Record("INSERT", image("ACTIVE", "10", "AB-1", true, "prod"))));
  EXPECT_FALSE(set.Matches(Record("INSERT", image("ACTIVE", "21", "AB-1", true, "prod"))));
  EXPECT_FALSE(set.Matches(Record("INSERT", image("ACTIVE", "12", "XAB-1", true, "prod"))));
  EXPECT_FALSE(set.Matches(Record("INSERT", image("ACTIVE", "12", "AB-1", false, "prod"))));
  EXPECT_FALSE(set.Matches(Record("INSERT", image("ACTIVE", "12", "AB-1", true, "test"))));
  // A REMOVE record has no NewImage.
  EXPECT_FALSE(set.Matches(R"({"eventName":"MODIFY","dynamodb":{"Keys":{"pk":{"S":"a"}}}})"));
}

TEST(FilterSetTest, MalformedRecordsMatchNothing) {
  FilterSet set = MustParse({R"({"a":[{"exists":false}]})"});
  EXPECT_TRUE(set.Matches("{}"));
  for (const char* record : {"", "{", R"({"a":1)", "[]", R"("x")", "null", R"({"a":1} x)"}) {
    EXPECT_FALSE(set.Matches(record)) << record;
  }
}

TEST(FilterSetTest, RepeatedLeafKeyKeepsTheLast) {
  EXPECT_TRUE(Match(R"({"a":["x"],"a":["y"]})", R"({"a":"y"})"));
  EXPECT_FALSE(Match(R"({"a":["x"],"a":["y"]})", R"({"a":"x"})"));
}

TEST(FilterSetTest, RejectsInvalidPatterns) {
  for (const char* pattern : {
           // Malformed JSON.
           "",
           "{",
           R"({"a":["x"]} x)",
           R"({'a':['x']})",
           // Not an object, empty objects and arrays, values neither object nor array.
           R"(["x"])",
           R"("x")",
           "null",
           "{}",
           R"({"a":{}})",
           R"({"a":[]})",
           R"({"a":"x"})",
           R"({"a":1})",
           R"({"a":[["x"]]})",
           // Operator objects: none, two, unknown, or not offered by Lambda.
           R"({"a":[{}]})",
           R"({"a":[{"prefix":"x","suffix":"y"}]})",
           R"({"a":[{"contains":"x"}]})",
           R"({"a":[{"wildcard":"x*"}]})",
           R"({"a":[{"cidr":"10.0.0.0/24"}]})",
           R"({"$or":[{"a":["x"]},{"b":["y"]}]})",
           // Bad operands.
           R"({"a":[{"prefix":1}]})",
           R"({"a":[{"prefix":["x"]}]})",
           R"({"a":[{"prefix":{"exists":true}}]})",
           R"({"a":[{"suffix":null}]})",
           R"({"a":[{"equals-ignore-case":["x"]}]})",
           R"({"a":[{"exists":"true"}]})",
           R"({"a":[{"exists":1}]})",
           // numeric: not an array, bad operators, non-number operands, arity, order, empty range.
           R"({"a":[{"numeric":">1"}]})",
           R"({"a":[{"numeric":[]}]})",
           R"({"a":[{"numeric":["!=",1]}]})",
           R"({"a":[{"numeric":["==",1]}]})",
           R"({"a":[{"numeric":[">","1"]}]})",
           R"({"a":[{"numeric":[">"]}]})",
           R"({"a":[{"numeric":[">",1,"<"]}]})",
           R"({"a":[{"numeric":[">",1,"<",5,"<",6]}]})",
           R"({"a":[{"numeric":["=",1,"<",5]}]})",
           R"({"a":[{"numeric":["<",5,">",1]}]})",
           R"({"a":[{"numeric":[">",1,">",5]}]})",
           R"({"a":[{"numeric":[">",5,"<",1]}]})",
           R"({"a":[{"numeric":[">=",5,"<=",5]}]})",
           // anything-but: empty or mixed lists, other JSON types, bad nested operators.
           R"({"a":[{"anything-but":[]}]})",
           R"({"a":[{"anything-but":["x",1]}]})",
           R"({"a":[{"anything-but":null}]})",
           R"({"a":[{"anything-but":true}]})",
           R"({"a":[{"anything-but":[null]}]})",
           R"({"a":[{"anything-but":{"prefix":""}}]})",
           R"({"a":[{"anything-but":{"numeric":[">",1]}}]})",
           R"({"a":[{"anything-but":{"equals-ignore-case":1}}]})",
           R"({"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]})",
       }) {
    ExpectInvalid(pattern);
  }
}

TEST(FilterSetTest, AtMostFiveFilters) {
  std::vector<std::string> patterns(5, R"({"eventName":["INSERT"]})");
  EXPECT_TRUE(FilterSet::Parse(patterns).ok());
  patterns.push_back(R"({"eventName":["MODIFY"]})");
  Result<FilterSet> set = FilterSet::Parse(patterns);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().kind(), ErrorKind::kValidation);
  EXPECT_NE(set.status().message().find("less than or equal to 5"), std::string::npos)
      << set.status().message();
}

TEST(FilterSetTest, PatternsUpTo4096Characters) {
  auto pattern_of_size = [](size_t chars, const std::string& filler) {
    std::string head = R"({"a":[")";
    std::string tail = R"("]})";
    std::string p = head;
    for (size_t n = head.size() + tail.size(); n < chars; ++n) p += filler;
    return p + tail;
  };
  EXPECT_TRUE(FilterSet::Parse({pattern_of_size(4096, "x")}).ok());
  // Characters, not bytes: 4096 characters of which most take two bytes in UTF-8.
  EXPECT_TRUE(FilterSet::Parse({pattern_of_size(4096, "\xC3\xA9")}).ok());
  Result<FilterSet> set = FilterSet::Parse({R"({"a":["x"]})", pattern_of_size(4097, "x")});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().kind(), ErrorKind::kValidation);
  EXPECT_NE(set.status().message().find("filters.2.member.pattern"), std::string::npos)
      << set.status().message();
}

TEST(FilterSetTest, InvalidFilterAmongValidOnesFailsTheSet) {
  Result<FilterSet> set = FilterSet::Parse({R"({"a":["x"]})", R"({"a":[{"bogus":1}]})"});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().kind(), ErrorKind::kValidation);
}

TEST(FilterSetTest, UnescapedKeysAndValues) {
  EXPECT_TRUE(
      Match(R"({"caf\u00e9":["\u00e9t\u00e9"]})", "{\"caf\xC3\xA9\":\"\xC3\xA9t\xC3\xA9\"}"));
  EXPECT_TRUE(Match("{\"caf\xC3\xA9\":[\"x\"]}", R"({"caf\u00e9":"x"})"));
}

TEST(FilterSetTest, CopiesAndMovesKeepPatterns) {
  FilterSet original = MustParse({R"({"eventName":["INSERT"]})"});
  FilterSet copy = original;
  FilterSet moved = std::move(original);
  for (const FilterSet* set : {&copy, &moved}) {
    EXPECT_TRUE(set->Matches(Record("INSERT", "{}")));
    EXPECT_FALSE(set->Matches(Record("REMOVE", "{}")));
  }
  copy = FilterSet();
  EXPECT_TRUE(copy.Matches(Record("REMOVE", "{}")));
}

TEST(FilterSetTest, SharedAcrossThreads) {
  const FilterSet set =
      MustParse({R"({"dynamodb":{"NewImage":{"n":{"N":[{"numeric":[">",50]}]}}}})"});
  std::vector<int> matched(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&set, &matched, t] {
      for (int i = 0; i < 100; ++i) {
        if (set.Matches(Record("INSERT", R"({"n":{"N":")" + std::to_string(i) + R"("}})"))) {
          ++matched[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : matched) EXPECT_EQ(count, 49);
}

}  // namespace
}  // namespace cirrus::streams
