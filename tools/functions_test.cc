#include "tools/functions.h"

#include <gtest/gtest.h>

namespace cirrus::tools {
namespace {

TEST(FunctionsEnvironment, ParsesNameValuePairs) {
  auto env = ParseEnvironment({"A=1", "B=x=y", "EMPTY=", "A=2"});
  ASSERT_TRUE(env.ok()) << env.status().message();
  std::vector<std::pair<std::string, std::string>> expected = {{"A", "2"}, {"B", "x=y"}, {"EMPTY", ""}};
  EXPECT_EQ(*env, expected);
  EXPECT_EQ(ParseEnvironment({"NOEQUALS"}).status().kind(), ErrorKind::kValidation);
  EXPECT_EQ(ParseEnvironment({"=v"}).status().kind(), ErrorKind::kValidation);
}

TEST(FunctionsFormat, LagForPeople) {
  EXPECT_EQ(FormatLag(0), "0 ms");
  EXPECT_EQ(FormatLag(999), "999 ms");
  EXPECT_EQ(FormatLag(4200), "4.2 s");
  EXPECT_EQ(FormatLag(17 * 60'000), "17 min");
  EXPECT_EQ(FormatLag(3 * 3'600'000 + 1'800'000), "3.5 h");
}

TEST(FunctionsFormat, NoFunctions) { EXPECT_EQ(FormatFunctionListing({}), "no functions\n"); }

TEST(FunctionsFormat, MappingsBeneathTheirFunction) {
  FunctionListing listing;
  streams::FunctionConfig audit;
  audit.name = "audit";
  audit.command = "python3 a.py\n--x";
  audit.environment = {{"STAGE", "dev"}, {"TOKEN", "secret"}};
  streams::FunctionConfig hook;
  hook.name = "hook";
  hook.url = "http://h:9/i";
  hook.timeout_seconds = 30;
  listing.functions = {audit, hook};
  listing.mappings = {
      {"u-1", "hook", "arn:s:T", "Enabled", "OK", 1500},
      {"u-2", "audit", "arn:s:Orders", "Disabled", "PROBLEM: Function call failed", std::nullopt},
      {"u-3", "gone", "arn:s:Old", "Enabled", "-", std::nullopt},
      {"u-4", "auditor", "arn:s:X", "Enabled", "OK", 5}};
  EXPECT_EQ(FormatFunctionListing(listing),
            "FUNCTION  HANDLER                    TIMEOUT  ENV\n"
            "  MAPPING  STREAM        STATE     LAST RESULT                    LAG\n"
            "audit     command  python3 a.py --x  3 s      STAGE,TOKEN\n"
            "  u-2      arn:s:Orders  Disabled  PROBLEM: Function call failed  -\n"
            "hook      url      http://h:9/i      30 s     -\n"
            "  u-1      arn:s:T       Enabled   OK                             1.5 s\n"
            "gone (no such function)\n"
            "  u-3      arn:s:Old     Enabled   -                              -\n"
            "auditor (no such function)\n"
            "  u-4      arn:s:X       Enabled   OK                             5 ms\n");
}

}  // namespace
}  // namespace cirrus::tools
