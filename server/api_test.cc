#include "server/api.h"

#include <gtest/gtest.h>

namespace cirrus::server {
namespace {

HttpRequest WithAuth(std::string_view authorization, std::string_view date = "20240101T000000Z") {
  HttpRequest r;
  r.authorization = authorization;
  r.amz_date = date;
  return r;
}

TEST(AuthorizationTest, AcceptsSigV4Shape) {
  EXPECT_TRUE(CheckAuthorization(WithAuth(
                  "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
                  "SignedHeaders=host;x-amz-date, Signature=abcd"))
                  .ok());
}

TEST(AuthorizationTest, RejectsAsDynamoDbDoes) {
  EXPECT_EQ(CheckAuthorization(WithAuth("")).kind(), ErrorKind::kMissingAuthenticationToken);
  // A query that only mentions the presigned form proves nothing.
  HttpRequest presigned = WithAuth("");
  presigned.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x";
  EXPECT_EQ(CheckAuthorization(presigned).kind(), ErrorKind::kIncompleteSignature);
  presigned.query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fdynamodb%2F"
      "aws4_request&X-Amz-Date=20240101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abcd";
  EXPECT_TRUE(CheckAuthorization(presigned).ok());
  presigned.query = "Action=x&X-Amz-Algorithm=HMAC-MD5&X-Amz-Credential=a&X-Amz-Date=d&"
                    "X-Amz-SignedHeaders=host&X-Amz-Signature=abcd";
  EXPECT_EQ(CheckAuthorization(presigned).kind(), ErrorKind::kIncompleteSignature);
  // A malformed header is refused whatever the query string says.
  HttpRequest both = WithAuth("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request");
  both.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
  EXPECT_EQ(CheckAuthorization(both).kind(), ErrorKind::kIncompleteSignature);
  Status s = CheckAuthorization(WithAuth("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"));
  EXPECT_EQ(s.kind(), ErrorKind::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "Authorization header requires 'Signature' parameter. Authorization header requires "
            "'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 "
            "Credential=a/b/c/d/aws4_request");
  s = CheckAuthorization(WithAuth(
      "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=x", ""));
  EXPECT_EQ(s.kind(), ErrorKind::kIncompleteSignature);
  s = CheckAuthorization(
      WithAuth("AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=x"));
  EXPECT_EQ(s.kind(), ErrorKind::kIncompleteSignature);
  EXPECT_EQ(CheckAuthorization(WithAuth("Basic dXNlcjpwYXNz")).kind(), ErrorKind::kIncompleteSignature);
}

TEST(OperationsTest, RoutesExactNames) {
  EXPECT_NE(FindOperation("PutItem"), nullptr);
  EXPECT_NE(FindOperation("BatchGetItem"), nullptr);
  EXPECT_NE(FindOperation("UpdateTable"), nullptr);
  EXPECT_EQ(FindOperation("putitem"), nullptr);
  EXPECT_NE(FindOperation("UpdateItem"), nullptr);
  EXPECT_NE(FindOperation("TransactWriteItems"), nullptr);
  EXPECT_NE(FindOperation("TransactGetItems"), nullptr);
  EXPECT_NE(FindOperation("ExecuteStatement"), nullptr);
  EXPECT_EQ(FindOperation("ExecuteStatements"), nullptr);
  EXPECT_EQ(FindOperation(""), nullptr);
}

}  // namespace
}  // namespace cirrus::server
