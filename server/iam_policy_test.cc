#include "server/iam_policy.h"

#include <gtest/gtest.h>

namespace cirrus::server {
namespace {

using Decision = Policy::Decision;

TEST(PolicyTest, ExplicitDenyWinsThenAllowElseDeny) {
  Result<Policy> p = Policy::Parse(R"({"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:Query"],
       "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/app-*"},
      {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/app-secret*"},
      {"Effect": "Allow", "NotAction": "dynamodb:Delete*", "Resource": "arn:aws:dynamodb:*:*:table/scratch"}]})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const std::string app = "arn:aws:dynamodb:us-east-1:123456789012:table/app-users";
  EXPECT_EQ(p->Evaluate("dynamodb:GetItem", app), Decision::kAllow);
  EXPECT_EQ(p->Evaluate("DynamoDB:getitem", app), Decision::kAllow);  // actions ignore case
  EXPECT_EQ(p->Evaluate("dynamodb:Query", app + "/index/byEmail"), Decision::kAllow);  // * spans '/'
  EXPECT_EQ(p->Evaluate("dynamodb:PutItem", app), Decision::kImplicitDeny);
  EXPECT_EQ(p->Evaluate("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/App-users"),
            Decision::kImplicitDeny);  // resources keep case
  EXPECT_EQ(p->Evaluate("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/app-secrets"),
            Decision::kExplicitDeny);
  const std::string scratch = "arn:aws:dynamodb:us-east-1:123456789012:table/scratch";
  EXPECT_EQ(p->Evaluate("dynamodb:PutItem", scratch), Decision::kAllow);
  EXPECT_EQ(p->Evaluate("dynamodb:DeleteItem", scratch), Decision::kImplicitDeny);
}

TEST(PolicyTest, WildcardsAndOneStatementObject) {
  Result<Policy> p = Policy::Parse(R"({"Statement": {"Effect": "Allow", "Action": "dynamodb:?etItem",
                                       "NotResource": "arn:aws:dynamodb:*:*:table/x"}})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->Evaluate("dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/y"), Decision::kAllow);
  EXPECT_EQ(p->Evaluate("dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/x"), Decision::kImplicitDeny);
  EXPECT_EQ(p->Evaluate("dynamodb:GetItems", "arn:aws:dynamodb:r:1:table/y"), Decision::kImplicitDeny);
}

TEST(PolicyTest, RefusesWhatItCannotEvaluate) {
  for (const char* bad : {"[]", "{}", R"({"Statement": [{"Effect": "Maybe", "Action": "a", "Resource": "*"}]})",
                          R"({"Statement": [{"Effect": "Allow", "Resource": "*"}]})",
                          R"({"Statement": [{"Effect": "Allow", "Action": "a", "NotAction": "b", "Resource": "*"}]})",
                          R"({"Statement": [{"Effect": "Allow", "Action": "a"}]})",
                          R"({"Statement": [{"Effect": "Allow", "Action": [1], "Resource": "*"}]})",
                          R"({"Statement": [{"Effect": "Allow", "Action": "a", "Resource": "*", "Condition": {}}]})"}) {
    EXPECT_EQ(Policy::Parse(bad).status().kind(), ErrorKind::kValidation) << bad;
  }
}

TEST(PolicyTest, LambdaPathsNameTheirActionsAndResources) {
  ServerConfig config;
  config.region = "eu-west-1";
  config.account_id = "111122223333";
  using P = std::pair<std::string, std::string>;
  const std::string fn = "arn:aws:lambda:eu-west-1:111122223333:function:";
  const std::string esm = "arn:aws:lambda:eu-west-1:111122223333:event-source-mapping:";
  EXPECT_EQ(LambdaPermission("GET", "/2015-03-31/event-source-mappings/", config), P("lambda:ListEventSourceMappings", "*"));
  EXPECT_EQ(LambdaPermission("POST", "/2015-03-31/event-source-mappings", config), P("lambda:CreateEventSourceMapping", "*"));
  EXPECT_EQ(LambdaPermission("DELETE", "/2015-03-31/event-source-mappings/abc", config),
            P("lambda:DeleteEventSourceMapping", esm + "abc"));
  EXPECT_EQ(LambdaPermission("PUT", "/2015-03-31/event-source-mappings/abc/", config),
            P("lambda:UpdateEventSourceMapping", esm + "abc"));
  EXPECT_EQ(LambdaPermission("GET", "/2015-03-31/event-source-mappings/abc", config),
            P("lambda:GetEventSourceMapping", esm + "abc"));
  EXPECT_EQ(LambdaPermission("POST", "/2015-03-31/functions/f/invocations", config), P("lambda:InvokeFunction", fn + "f"));
  EXPECT_EQ(LambdaPermission("GET", "/2015-03-31/functions/f", config), P("lambda:GetFunction", fn + "f"));
  EXPECT_EQ(LambdaPermission("GET", "/2015-03-31/functions/", config), P("lambda:ListFunctions", "*"));
  // The collection is the segment after the version, whatever a function is called.
  EXPECT_EQ(LambdaPermission("POST", "/2015-03-31/functions/event-source-mappings/invocations", config),
            P("lambda:InvokeFunction", fn + "event-source-mappings"));
  // A function named by its ARN (percent-encoded in the path) is that ARN.
  EXPECT_EQ(LambdaPermission("POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A444455556666%3Afunction%3Ag/invocations",
                             config),
            P("lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:444455556666:function:g"));
}

}  // namespace
}  // namespace cirrus::server
