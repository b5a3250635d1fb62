#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "db/item/status.h"

// AWS Signature Version 4, verified as AWS verifies it
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): the
// Authorization header form and the presigned query-string form, the canonical request,
// HMAC-SHA256 (OpenSSL) over a signing key derived per day, region and service, a
// constant-time comparison, and a 15-minute clock skew window. Hand-written: no library in
// Debian verifies SigV4 (they sign), and it is the server's front door.
namespace cirrus::server {

// A key pair from --credentials: the AWS shared credentials file format, [profile]
// sections with aws_access_key_id and aws_secret_access_key (and aws_session_token: then a
// request must carry it in X-Amz-Security-Token), plus account_id (12 digits; the account whose
// tables, streams and functions the credential works with, server/accounts.h).
struct Credential {
  std::string profile;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string account_id;
  std::string policy_file;  // an IAM policy document (server/iam_policy.h); empty: none
};

// Reads a credentials file. kValidation naming the line for what it cannot use; a file
// without a credential is an error too.
Result<std::vector<Credential>> LoadCredentialsFile(const std::string& path,
                                                    const std::string& default_account_id);

// What SigV4 covers of an HTTP request, as received.
struct SignedRequest {
  std::string_view method;
  std::string_view path;   // as sent, percent-encoded
  std::string_view query;  // as sent, after '?'
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // as sent
  std::string_view body;         // as sent, unless body_sha256 is given
  std::string_view body_sha256;  // hex SHA-256 of the body as sent (before Content-Encoding
                                 // was undone), when the body here is not that
};

// The parts a signature is given in, from the Authorization header or the presigned query
// string, checked for shape as DynamoDB checks them: MissingAuthenticationToken or
// IncompleteSignature (with DynamoDB's texts) otherwise. `date`: X-Amz-Date, else Date. This
// is all --auth=none checks; SigV4Verifier::Verify goes on from here.
struct SignatureParts {
  bool presigned = false;
  std::string credential;  // AKID/YYYYMMDD/region/service/aws4_request
  std::string signed_headers;
  std::string signature;
  std::string amz_date;
};
Result<SignatureParts> ReadSignatureParts(std::string_view authorization, std::string_view query,
                                          std::string_view date);

// Verifies requests against a set of credentials. Immutable and thread-safe; replaced as a
// whole when the credentials file is reloaded.
class SigV4Verifier {
 public:
  // `region`: what a signature's scope must name (empty: any).
  explicit SigV4Verifier(std::vector<Credential> credentials, std::string region = "");

  // The credential that signed `request`, or DynamoDB's error: MissingAuthenticationToken,
  // IncompleteSignature (a malformed Authorization), UnrecognizedClient (an unknown access
  // key or session token), InvalidSignature (a wrong signature, scope or date outside the
  // window: 15 minutes, or a presigned URL's X-Amz-Expires), AccessDenied (an expired
  // presigned URL). `service`: what the scope must name ("dynamodb", "lambda"; empty: any).
  Result<const Credential*> Verify(const SignedRequest& request,
                                   std::chrono::system_clock::time_point now,
                                   std::string_view service = {}) const;

  size_t size() const { return by_access_key_.size(); }

 private:
  struct KeyHash {  // lookups by string_view, without a copy
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Credential, KeyHash, std::equal_to<>> by_access_key_;
  std::string expected_region_;
};

// The parts, for tests against AWS's published test vectors.
std::string CanonicalRequest(const SignedRequest& request, std::string_view signed_headers,
                             std::string_view payload_hash, bool presigned);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign);
std::string Sha256Hex(std::string_view data);
// %XX decoded; '+' stays '+' (RFC 3986, as in SigV4's query strings and URL paths).
std::string PercentDecode(std::string_view s);

}  // namespace cirrus::server
