#include "streams/functions.h"

#include <gtest/gtest.h>

#include "db/testing/temp_database.h"

namespace cirrus::streams {
namespace {

FunctionConfig Command(std::string name, std::string command) {
  FunctionConfig f;
  f.name = std::move(name);
  f.command = std::move(command);
  return f;
}

TEST(FunctionValidation, NamesHandlersTimeoutsAndVariables) {
  EXPECT_TRUE(ValidateFunction(Command("audit-1_x", "cat")).ok());
  EXPECT_EQ(ValidateFunction(Command("", "cat")).kind(), ErrorKind::kValidation);
  EXPECT_EQ(ValidateFunction(Command(std::string(65, 'a'), "cat")).kind(), ErrorKind::kValidation);
  EXPECT_EQ(ValidateFunction(Command("a b", "cat")).kind(), ErrorKind::kValidation);
  FunctionConfig both = Command("f", "cat");
  both.url = "http://127.0.0.1:9/";
  EXPECT_EQ(ValidateFunction(both).kind(), ErrorKind::kValidation);
  FunctionConfig neither = Command("f", "");
  EXPECT_EQ(ValidateFunction(neither).kind(), ErrorKind::kValidation);
  FunctionConfig https;
  https.name = "f";
  https.url = "https://example.com/";
  EXPECT_EQ(ValidateFunction(https).kind(), ErrorKind::kValidation);
  FunctionConfig slow = Command("f", "cat");
  slow.timeout_seconds = 901;
  EXPECT_EQ(ValidateFunction(slow).kind(), ErrorKind::kValidation);
  FunctionConfig env = Command("f", "cat");
  env.environment = {{"GOOD_1", "x"}};
  EXPECT_TRUE(ValidateFunction(env).ok());
  env.environment = {{"1BAD", "x"}};
  EXPECT_EQ(ValidateFunction(env).kind(), ErrorKind::kValidation);
  env.environment = {{"BIG", std::string(4097, 'x')}};
  EXPECT_EQ(ValidateFunction(env).kind(), ErrorKind::kValidation);
}

TEST(FunctionCodec, RoundTripsEveryField) {
  FunctionConfig f = Command("audit", "python3 /srv/h.py \"quoted\"\nline");
  f.timeout_seconds = 30;
  f.environment = {{"B", "2"}, {"A", "1=one"}};
  f.last_modified_ms = 1714000000123;
  Result<FunctionConfig> back = DecodeFunction(EncodeFunction(f));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->name, f.name);
  EXPECT_EQ(back->command, f.command);
  EXPECT_EQ(back->url, "");
  EXPECT_EQ(back->timeout_seconds, 30);
  EXPECT_EQ(back->environment, f.environment);  // order kept
  EXPECT_EQ(back->last_modified_ms, f.last_modified_ms);
  EXPECT_EQ(DecodeFunction("{").status().kind(), ErrorKind::kInternal);
  EXPECT_EQ(DecodeFunction(R"({"FunctionName":"x"})").status().kind(), ErrorKind::kInternal);
}

TEST(FunctionNames, FromNamesAndArns) {
  EXPECT_EQ(FunctionNameOf("audit"), "audit");
  EXPECT_EQ(FunctionNameOf("arn:aws:lambda:us-east-1:123456789012:function:audit"), "audit");
  EXPECT_EQ(FunctionNameOf("arn:aws:lambda:us-east-1:123456789012:function:audit:$LATEST"),
            "audit");
  EXPECT_EQ(FunctionNameOf("audit:1"), "audit");
}

class FunctionRegistryTest : public ::testing::Test {
 protected:
  db::testing::TempDatabase db_;
};

TEST_F(FunctionRegistryTest, RegisterFindListRemove) {
  Result<FunctionConfig> made = RegisterFunction(*db_, Command("b", "cat"));
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_GT(made->last_modified_ms, 0);
  ASSERT_TRUE(RegisterFunction(*db_, Command("a", "true")).ok());
  EXPECT_EQ(RegisterFunction(*db_, Command("a", "false")).status().kind(),
            ErrorKind::kResourceInUse);
  EXPECT_EQ(RegisterFunction(*db_, Command("bad name", "x")).status().kind(),
            ErrorKind::kValidation);
  {
    Result<db::ReadView> view = db_->Read();
    ASSERT_TRUE(view.ok());
    Result<std::optional<FunctionConfig>> a = FindFunction(*view, "arn:aws:lambda:r:1:function:a");
    ASSERT_TRUE(a.ok() && a->has_value());
    EXPECT_EQ((*a)->command, "true");  // the first registration stands
    Result<std::vector<FunctionConfig>> all = ListFunctions(*view);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].name, "a");
    EXPECT_EQ((*all)[1].name, "b");
  }
  EXPECT_TRUE(RemoveFunction(*db_, "a").ok());
  EXPECT_EQ(RemoveFunction(*db_, "a").kind(), ErrorKind::kResourceNotFound);
  Result<db::ReadView> view = db_->Read();
  ASSERT_TRUE(view.ok());
  Result<std::optional<FunctionConfig>> a = FindFunction(*view, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->has_value());
}

}  // namespace
}  // namespace cirrus::streams
