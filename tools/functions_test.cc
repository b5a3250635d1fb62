#include "tools/functions.h"

#include <gtest/gtest.h>

namespace cirrus::tools {
namespace {

TEST(FunctionsEndpoint, ParsesHostPortAndBasePath) {
  Result<Endpoint> e = ParseEndpoint("http://127.0.0.1:8000");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, "8000");
  EXPECT_EQ(e->authority, "127.0.0.1:8000");
  EXPECT_EQ(e->base_path, "");
  EXPECT_EQ(e->text, "http://127.0.0.1:8000");

  e = ParseEndpoint("HTTP://localhost/");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->host, "localhost");
  EXPECT_EQ(e->port, "80");
  EXPECT_EQ(e->text, "HTTP://localhost");

  e = ParseEndpoint("http://[::1]:9000/cirrus//");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, "9000");
  EXPECT_EQ(e->authority, "[::1]:9000");
  EXPECT_EQ(e->base_path, "/cirrus");
}

TEST(FunctionsEndpoint, RefusesWhatItCannotCall) {
  for (const char* url : {"https://127.0.0.1:8000", "127.0.0.1:8000", "", "http://", "http://:8000",
                          "http://h:0", "http://h:65536", "http://h:80x", "http://h:", "http://u@h",
                          "http://h/?q=1", "http://h/#f", "http://h /", "http://[::1"}) {
    Result<Endpoint> e = ParseEndpoint(url);
    ASSERT_FALSE(e.ok()) << url;
    EXPECT_EQ(e.status().kind(), ErrorKind::kValidation) << url;
  }
  EXPECT_NE(ParseEndpoint("https://x").status().message().find("only http://"), std::string::npos);
}

TEST(FunctionsName, AllowsLettersDigitsDashUnderscore) {
  EXPECT_TRUE(ValidateFunctionName("orders-audit_2").ok());
  for (const char* name : {"", "a b", "a/b", "a:b", "arn:aws:lambda:x", "é", "a\n"}) {
    EXPECT_EQ(ValidateFunctionName(name).kind(), ErrorKind::kValidation) << name;
  }
}

TEST(FunctionsName, PercentEncodesAllButUnreserved) {
  EXPECT_EQ(PercentEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(PercentEncode("a b/c?%"), "a%20b%2Fc%3F%25");
  EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");
}

TEST(FunctionsCreate, BodySendsTimeoutOnlyWhenGiven) {
  CreateFunctionRequest r;
  r.name = "f";
  r.command = "echo \"hi\"\n";
  EXPECT_EQ(CreateFunctionBody(r),
            R"({"FunctionName":"f","CirrusHandler":{"Command":"echo \"hi\"\n"}})");
  r.command.clear();
  r.url = "http://127.0.0.1:9000/x";
  r.timeout_seconds = 900;
  EXPECT_EQ(
      CreateFunctionBody(r),
      R"({"FunctionName":"f","Timeout":900,"CirrusHandler":{"Url":"http://127.0.0.1:9000/x"}})");
}

TEST(FunctionsReplies, ParsesFunctionConfiguration) {
  Result<FunctionConfiguration> f = ParseFunctionConfiguration(
      R"({"FunctionName":"f","FunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:f",)"
      R"("Timeout":30,"CirrusHandler":{"Url":"http://h/"},)"
      R"("LastModified":"2024-05-01T00:00:00.000+0000",)"
      R"("Runtime":"provided","Extra":{"a":[1,2]}})");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->name, "f");
  EXPECT_EQ(f->arn, "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(f->timeout_seconds, 30);
  EXPECT_EQ(f->url, "http://h/");
  EXPECT_EQ(f->command, "");
  EXPECT_EQ(f->last_modified, "2024-05-01T00:00:00.000+0000");
}

TEST(FunctionsReplies, RefusesIncompleteOrMistypedReplies) {
  for (
      const char* body :
      {"", "[]", "{", R"({"FunctionArn":"a","CirrusHandler":{"Command":"x"}})",
       R"({"FunctionName":"f","CirrusHandler":{"Command":"x"}})",
       R"({"FunctionName":"f","FunctionArn":"a"})",
       R"({"FunctionName":"f","FunctionArn":"a","CirrusHandler":{}})",
       R"({"FunctionName":"f","FunctionArn":"a","CirrusHandler":{"Command":"x","Url":"u"}})",
       R"({"FunctionName":1,"FunctionArn":"a","CirrusHandler":{"Command":"x"}})",
       R"({"FunctionName":"f","FunctionArn":"a","Timeout":"3","CirrusHandler":{"Command":"x"}})"}) {
    Result<FunctionConfiguration> f = ParseFunctionConfiguration(body);
    ASSERT_FALSE(f.ok()) << body;
    EXPECT_EQ(f.status().kind(), ErrorKind::kSerialization) << body;
  }
}

TEST(FunctionsReplies, ParsesListsAndNextMarker) {
  std::string marker = "stale";
  Result<std::vector<FunctionConfiguration>> functions = ParseFunctionList(
      R"({"Functions":[{"FunctionName":"a","FunctionArn":"arn:a","CirrusHandler":{"Command":"x"}},)"
      R"({"FunctionName":"b","FunctionArn":"arn:b","Timeout":5,"CirrusHandler":{"Url":"u"}}],)"
      R"("NextMarker":"b"})",
      &marker);
  ASSERT_TRUE(functions.ok()) << functions.status().message();
  ASSERT_EQ(functions->size(), 2u);
  EXPECT_EQ((*functions)[0].timeout_seconds, 0);  // absent
  EXPECT_EQ((*functions)[1].timeout_seconds, 5);
  EXPECT_EQ(marker, "b");

  Result<std::vector<EventSourceMapping>> mappings = ParseEventSourceMappingList(
      R"({"EventSourceMappings":[{"UUID":"u1","FunctionArn":"arn:a","EventSourceArn":"s1",)"
      R"("State":"Enabled","LastProcessingResult":"OK","BatchSize":100,)"
      R"("IteratorAgeMilliseconds":42},)"
      R"({"UUID":"u2","FunctionArn":"arn:b","EventSourceArn":"s2",)"
      R"("IteratorAgeMilliseconds":null}]})",
      &marker);
  ASSERT_TRUE(mappings.ok()) << mappings.status().message();
  ASSERT_EQ(mappings->size(), 2u);
  EXPECT_EQ((*mappings)[0].batch_size, 100);
  EXPECT_EQ((*mappings)[0].iterator_age_ms, 42);
  EXPECT_EQ((*mappings)[0].state, "Enabled");
  EXPECT_FALSE((*mappings)[1].iterator_age_ms.has_value());
  EXPECT_EQ(marker, "");

  EXPECT_EQ(ParseFunctionList(R"({"Functions":{}})").status().kind(), ErrorKind::kSerialization);
  EXPECT_EQ(ParseEventSourceMappingList(R"({"Functions":[]})").status().kind(),
            ErrorKind::kSerialization);
  EXPECT_EQ(
      ParseEventSourceMappingList(R"({"EventSourceMappings":[{"UUID":"u"}]})").status().kind(),
      ErrorKind::kSerialization);
}

TEST(FunctionsReplies, ErrorMessagePrefersTheServersMessage) {
  EXPECT_EQ(ErrorMessage(404, "Not Found", "ResourceNotFoundException",
                         R"({"Type":"User","Message":"Function not found: arn:x"})"),
            "Function not found: arn:x");
  EXPECT_EQ(ErrorMessage(400, "Bad Request", "ValidationException", R"({"message":"bad"})"), "bad");
  EXPECT_EQ(ErrorMessage(409, "Conflict", "ResourceConflictException:http://internal/", ""),
            "ResourceConflictException (HTTP 409)");
  EXPECT_EQ(ErrorMessage(502, "Bad Gateway", "", "<html>"), "HTTP 502 Bad Gateway");
  EXPECT_EQ(ErrorMessage(500, "", "", R"({"Message":""})"), "HTTP 500");
  EXPECT_EQ(ErrorMessage(400, "", "", "{\"Message\":\"two\\nlines\"}"), "two lines");
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
  listing.functions = {{"audit", "arn:f:audit", "python3 a.py\n--x", "", 3, ""},
                       {"hook", "arn:f:hook", "", "http://h:9/i", 30, ""}};
  listing.mappings = {
      {"u-1", "arn:f:hook", "arn:s:T", "Enabled", "OK", 100, 1500},
      {"u-2", "arn:f:audit:$LATEST", "arn:s:Orders", "Disabled", "PROBLEM: Function call failed",
       10, std::nullopt},
      {"u-3", "arn:f:gone", "arn:s:Old", "Enabled", "No records processed", 100, std::nullopt},
      {"u-4", "arn:f:auditor", "arn:s:X", "Enabled", "OK", 100, 5}};
  EXPECT_EQ(FormatFunctionListing(listing),
            "FUNCTION  HANDLER                    TIMEOUT\n"
            "  MAPPING  STREAM        STATE     LAST RESULT                    LAG\n"
            "audit     command  python3 a.py --x  3 s\n"
            "  u-2      arn:s:Orders  Disabled  PROBLEM: Function call failed  -\n"
            "hook      url      http://h:9/i      30 s\n"
            "  u-1      arn:s:T       Enabled   OK                             1.5 s\n"
            "arn:f:gone (function not listed)\n"
            "  u-3      arn:s:Old     Enabled   No records processed           -\n"
            "arn:f:auditor (function not listed)\n"
            "  u-4      arn:s:X       Enabled   OK                             5 ms\n");
}

}  // namespace
}  // namespace cirrus::tools
