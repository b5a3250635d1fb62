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

TEST(PolicyTest, LambdaPathsNameTheirActions) {
  EXPECT_EQ(LambdaAction("GET", "/2015-03-31/event-source-mappings/"), "lambda:ListEventSourceMappings");
  EXPECT_EQ(LambdaAction("POST", "/2015-03-31/event-source-mappings/"), "lambda:CreateEventSourceMapping");
  EXPECT_EQ(LambdaAction("DELETE", "/2015-03-31/event-source-mappings/abc"), "lambda:DeleteEventSourceMapping");
  EXPECT_EQ(LambdaAction("POST", "/2015-03-31/functions/f/invocations"), "lambda:InvokeFunction");
  EXPECT_EQ(LambdaAction("GET", "/2015-03-31/functions/f"), "lambda:GetFunction");
}

}  // namespace
}  // namespace cirrus::server
