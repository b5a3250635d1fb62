#include "server/sigv4.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace cirrus::server {
namespace {

// The AWS Signature Version 4 test suite's published cases
// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html, now archived in
// the SDKs' repositories): key AKIDEXAMPLE, this secret, us-east-1, service "service".
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";
const auto kSignedAt = std::chrono::system_clock::from_time_t(1440938160);  // kDate

struct Vector {
  const char* name;
  const char* method;
  const char* path;
  const char* query;
  std::vector<std::pair<std::string_view, std::string_view>> extra_headers;
  const char* signature;
};

std::string SignedHeaderList(const SignedRequest& r) {
  std::vector<std::string> names;
  for (const auto& [name, value] : r.headers) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    names.push_back(lower);
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ";") + n;
  return out;
}

TEST(SigV4Test, MatchesTheAwsTestSuite) {
  const std::vector<Vector> vectors = {
      {"get-vanilla", "GET", "/", "", {}, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"post-vanilla", "POST", "/", "", {}, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", {},
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"post-header-value-case", "POST", "/", "", {{"My-Header1", "VALUE1"}},
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"get-header-value-trim", "GET", "/", "", {{"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}},
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", {},
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      // The path as sent; the canonical URI encodes it once more ("$" becomes %24; an SDK's
      // own %3A would become %253A).
      {"normalize-path/get-special-character", "GET", "/example/$delete", "", {},
       "a853c9b21b528b19643d00910d35b83a10c366a10833ceefb45edd6c80e40f27"},
  };
  for (const Vector& v : vectors) {
    SignedRequest r;
    r.method = v.method;
    r.path = v.path;
    r.query = v.query;
    r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kDate}};
    for (const auto& h : v.extra_headers) r.headers.push_back(h);
    const std::string signed_headers = SignedHeaderList(r);
    const std::string canonical = CanonicalRequest(r, signed_headers, Sha256Hex(""), false);
    const std::string to_sign = StringToSign(kDate, "20150830/us-east-1/service/aws4_request", canonical);
    EXPECT_EQ(Signature(kSecret, "20150830", "us-east-1", "service", to_sign), v.signature) << v.name;

    // The verifier takes the same request with its Authorization header.
    std::string authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                                "SignedHeaders=" + signed_headers + ", Signature=" + v.signature;
    r.headers.emplace_back("Authorization", authorization);
    SigV4Verifier verifier({Credential{"default", "AKIDEXAMPLE", std::string(kSecret), "", "123456789012", ""}});
    Result<const Credential*> who = verifier.Verify(r, kSignedAt + std::chrono::minutes(3));
    ASSERT_TRUE(who.ok()) << v.name << ": " << who.status().message();
    EXPECT_EQ((*who)->profile, "default");
  }
}

class VerifyTest : public ::testing::Test {
 protected:
  // post-vanilla, signed.
  SignedRequest Request() {
    SignedRequest r;
    r.method = "POST";
    r.path = "/";
    r.headers = {{"Host", "example.amazonaws.com"},
                 {"X-Amz-Date", kDate},
                 {"Authorization", authorization_}};
    return r;
  }
  Status Verify(const SignedRequest& r, std::chrono::system_clock::time_point now = kSignedAt) {
    return verifier_.Verify(r, now).status();
  }
  std::string authorization_ =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b";
  SigV4Verifier verifier_{{Credential{"default", "AKIDEXAMPLE", std::string(kSecret), "", "123456789012", ""}}};
};

TEST_F(VerifyTest, RefusesAsDynamoDbDoes) {
  EXPECT_TRUE(Verify(Request()).ok());

  SignedRequest tampered = Request();
  tampered.body = "{}";
  EXPECT_EQ(Verify(tampered).kind(), ErrorKind::kInvalidSignature);
  EXPECT_EQ(Verify(tampered).message().rfind("The request signature we calculated does not match", 0), 0u);

  SignedRequest other_host = Request();
  other_host.headers[0].second = "evil.example.com";
  EXPECT_EQ(Verify(other_host).kind(), ErrorKind::kInvalidSignature);

  authorization_.replace(authorization_.find("AKIDEXAMPLE"), 11, "AKIDUNKNOWN");
  EXPECT_EQ(Verify(Request()).message(), "The security token included in the request is invalid.");
  EXPECT_EQ(Verify(Request()).kind(), ErrorKind::kUnrecognizedClient);

  SignedRequest unsigned_request = Request();
  unsigned_request.headers.pop_back();
  EXPECT_EQ(Verify(unsigned_request).kind(), ErrorKind::kMissingAuthenticationToken);

  authorization_ = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
  EXPECT_EQ(Verify(Request()).kind(), ErrorKind::kIncompleteSignature);
}

TEST_F(VerifyTest, FifteenMinutesOfSkewEachWay) {
  using std::chrono::minutes;
  EXPECT_TRUE(Verify(Request(), kSignedAt + minutes(15)).ok());
  EXPECT_TRUE(Verify(Request(), kSignedAt - minutes(15)).ok());
  EXPECT_EQ(Verify(Request(), kSignedAt + minutes(16)).message(),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
            "(20150830T125200Z - 15 min.)");
  EXPECT_EQ(Verify(Request(), kSignedAt - minutes(16)).message(),
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z "
            "(20150830T122000Z + 15 min.)");
}

TEST_F(VerifyTest, SessionTokensMustMatch) {
  SigV4Verifier with_token({Credential{"t", "AKIDEXAMPLE", std::string(kSecret), "token-1", "123456789012", ""}});
  EXPECT_EQ(with_token.Verify(Request(), kSignedAt).status().kind(), ErrorKind::kUnrecognizedClient);
}

TEST(CredentialsFileTest, ReadsProfilesAndRefusesWhatItCannotUse) {
  char path[] = "/tmp/cirrus-credentials-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  auto write = [&](const std::string& text) { std::ofstream(path) << text; };
  write("# comment\n[default]\naws_access_key_id = AKID1\naws_secret_access_key = s1\n\n"
        "[profile ci]\nregion = us-east-1\n[two]\n aws_access_key_id=AKID2 \naws_secret_access_key=s2\n"
        "aws_session_token = tok\naccount_id = 123456789012\n");
  Result<std::vector<Credential>> c = LoadCredentialsFile(path, "123456789012");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].profile, "default");
  EXPECT_EQ((*c)[1].access_key_id, "AKID2");
  EXPECT_EQ((*c)[1].session_token, "tok");

  write("[a]\naws_access_key_id = AKID1\n");
  EXPECT_FALSE(LoadCredentialsFile(path, "123456789012").ok());
  write("[a]\naws_access_key_id = AKID1\naws_secret_access_key = s\n[b]\naws_access_key_id = AKID1\naws_secret_access_key = t\n");
  EXPECT_FALSE(LoadCredentialsFile(path, "123456789012").ok());
  write("[a]\naws_access_key_id = AKID1\naws_secret_access_key = s\naccount_id = 99999999999x\n");
  EXPECT_FALSE(LoadCredentialsFile(path, "123456789012").ok());
  // Another account: the credential works in it; one without account_id in the server's.
  write("[a]\naws_access_key_id = AKID1\naws_secret_access_key = s\naccount_id = 999999999999\n"
        "[b]\naws_access_key_id = AKID2\naws_secret_access_key = t\n");
  c = LoadCredentialsFile(path, "123456789012");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ((*c)[0].account_id, "999999999999");
  EXPECT_EQ((*c)[1].account_id, "123456789012");
  write("");
  EXPECT_FALSE(LoadCredentialsFile(path, "123456789012").ok());
  std::remove(path);
  EXPECT_FALSE(LoadCredentialsFile(path, "123456789012").ok());
}

}  // namespace
}  // namespace cirrus::server
