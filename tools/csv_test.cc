#include "tools/csv.h"

#include <gtest/gtest.h>

namespace cirrus::tools {
namespace {

std::vector<std::string> Fields(std::string_view text, char delimiter = ',') {
  Result<std::vector<std::string>> r = ParseCsvRecord(text, delimiter);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<std::string>{};
}

TEST(Csv, SplitsPlainAndQuotedFields) {
  EXPECT_EQ(Fields("a,b,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Fields("a,,c,"), (std::vector<std::string>{"a", "", "c", ""}));
  EXPECT_EQ(Fields(R"("x,y","say ""hi""",z)"), (std::vector<std::string>{"x,y", "say \"hi\"", "z"}));
  EXPECT_EQ(Fields("\"two\nlines\",b"), (std::vector<std::string>{"two\nlines", "b"}));
  EXPECT_EQ(Fields("a|b;c", '|'), (std::vector<std::string>{"a", "b;c"}));
  EXPECT_EQ(Fields("a\tb", '\t'), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Fields(""), (std::vector<std::string>{""}));
}

TEST(Csv, RejectsStrayQuotes) {
  EXPECT_FALSE(ParseCsvRecord(R"(a"b,c)", ',').ok());
  EXPECT_FALSE(ParseCsvRecord(R"("ab"c,d)", ',').ok());
  EXPECT_FALSE(ParseCsvRecord(R"("open,d)", ',').ok());
}

TEST(Csv, KnowsWhenARecordGoesOn) {
  EXPECT_TRUE(CsvRecordComplete("a,b", ','));
  EXPECT_FALSE(CsvRecordComplete("a,\"b", ','));
  EXPECT_TRUE(CsvRecordComplete("a,\"b\nc\"", ','));
  EXPECT_TRUE(CsvRecordComplete(R"("say ""hi""")", ','));
  EXPECT_TRUE(CsvRecordComplete(R"(1,6" tall)", ','));  // a stray quote opens nothing
  EXPECT_FALSE(CsvRecordComplete(R"(1|"a)", '|'));
}

}  // namespace
}  // namespace cirrus::tools
