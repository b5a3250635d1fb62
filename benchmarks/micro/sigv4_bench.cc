// SigV4 verification microbenchmark: what --auth=sigv4 adds to every request's server CPU
// (benchmarks/auth.sh measures it end to end).
#include <benchmark/benchmark.h>

#include <chrono>
#include <ctime>
#include <string>

#include "server/sigv4.h"

namespace cirrus::server {
namespace {

// A GetItem as botocore sends it, signed now with the key of `credential`.
struct SignedGetItem {
  std::string body = R"({"TableName": "bench", "Key": {"pk": {"S": "user#000184217"}}})";
  std::string amz_date, authorization;
  SignedRequest request;

  explicit SignedGetItem(const Credential& credential) {
    std::time_t t = std::time(nullptr);
    std::tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
    amz_date = buf;
    request.method = "POST";
    request.path = "/";
    request.body = body;
    request.headers = {{"Host", "127.0.0.1:8000"},
                       {"Accept-Encoding", "identity"},
                       {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
                       {"Content-Type", "application/x-amz-json-1.0"},
                       {"User-Agent", "Boto3/1.26.27 md/Botocore#1.29.27 ua/2.0 os/linux#6.1 lang/python#3.11.2"},
                       {"X-Amz-Date", amz_date},
                       {"Authorization", ""},
                       {"amz-sdk-invocation-id", "0c7b1e61-3f0d-4f3a-9d0b-9f3b5c2a1e77"},
                       {"amz-sdk-request", "attempt=1"},
                       {"Content-Length", "63"}};
    const std::string signed_headers = "content-type;host;x-amz-date;x-amz-target";
    const std::string scope = amz_date.substr(0, 8) + "/us-east-1/dynamodb/aws4_request";
    std::string signature = Signature(credential.secret_access_key, amz_date.substr(0, 8), "us-east-1", "dynamodb",
                                      StringToSign(amz_date, scope, CanonicalRequest(request, signed_headers,
                                                                                      Sha256Hex(body), false)));
    authorization = "AWS4-HMAC-SHA256 Credential=" + credential.access_key_id + "/" + scope +
                    ", SignedHeaders=" + signed_headers + ", Signature=" + signature;
    request.headers[6].second = authorization;
  }
};

Credential BenchCredential() {
  Credential c;
  c.profile = "bench";
  c.access_key_id = "AKIDBENCH";
  c.secret_access_key = "bench-secret";
  c.account_id = "123456789012";
  return c;
}

// Verify of a boto3 GetItem: parse, canonical request, three SHA-256s, one HMAC.
void BM_SigV4Verify(benchmark::State& state) {
  SigV4Verifier verifier({BenchCredential()}, "us-east-1");
  SignedGetItem get(BenchCredential());
  for (auto _ : state) {
    Result<const Credential*> who = verifier.Verify(get.request, std::chrono::system_clock::now(), "dynamodb");
    if (!who.ok()) state.SkipWithError(who.status().message().c_str());
    benchmark::DoNotOptimize(who);
  }
}
BENCHMARK(BM_SigV4Verify);

// What --auth=none checks instead: the Authorization header's shape.
void BM_SignatureShapeOnly(benchmark::State& state) {
  SignedGetItem get(BenchCredential());
  for (auto _ : state) benchmark::DoNotOptimize(ReadSignatureParts(get.authorization, "", get.amz_date));
}
BENCHMARK(BM_SignatureShapeOnly);

}  // namespace
}  // namespace cirrus::server
