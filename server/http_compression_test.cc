#include "server/http_compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace cirrus::server {
namespace {

std::string Compress(std::string_view in, int bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

TEST(DecodeBodyTest, GzipDeflateAndRawDeflate) {
  const std::string json = R"({"TableName":"t","Key":{"pk":{"S":"a"}}})";
  for (auto [coding, bits] : {std::pair{"gzip", 31}, {"x-gzip", 31}, {"Deflate", 15}, {"deflate", -15}}) {
    std::string body = Compress(json, bits);
    EXPECT_EQ(DecodeBody(coding, 1 << 20, &body), InflateResult::kOk) << coding;
    EXPECT_EQ(body, json) << coding;
  }
  std::string plain = json;
  EXPECT_EQ(DecodeBody("", 10, &plain), InflateResult::kOk);  // no coding: no limit here
  EXPECT_EQ(DecodeBody("identity", 10, &plain), InflateResult::kOk);
  EXPECT_EQ(plain, json);
}

TEST(DecodeBodyTest, RefusesBadTruncatedTrailingAndUnknown) {
  const std::string json(5000, 'x');
  std::string bad = "not gzip at all";
  EXPECT_EQ(DecodeBody("gzip", 1 << 20, &bad), InflateResult::kCorrupt);
  EXPECT_EQ(bad, "not gzip at all");
  std::string truncated = Compress(json, 31);
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(DecodeBody("gzip", 1 << 20, &truncated), InflateResult::kCorrupt);
  std::string trailing = Compress(json, 31) + "junk";
  EXPECT_EQ(DecodeBody("gzip", 1 << 20, &trailing), InflateResult::kCorrupt);
  std::string br = "x";
  EXPECT_EQ(DecodeBody("br", 1 << 20, &br), InflateResult::kUnsupported);
}

TEST(DecodeBodyTest, StopsAtTheLimitWithoutInflatingEverything) {
  // 64 MB of zeros compress to about 64 KB: a bomb against a 1 MB limit.
  const std::string big(size_t{64} << 20, '\0');
  std::string bomb = Compress(big, 31);
  ASSERT_LT(bomb.size(), size_t{100} << 10);
  EXPECT_EQ(DecodeBody("gzip", size_t{1} << 20, &bomb), InflateResult::kTooLarge);
  std::string fits = Compress(std::string(1000, 'a'), 31);
  EXPECT_EQ(DecodeBody("gzip", 1000, &fits), InflateResult::kOk);
  std::string over = Compress(std::string(1001, 'a'), 31);
  EXPECT_EQ(DecodeBody("gzip", 1000, &over), InflateResult::kTooLarge);
}

TEST(AcceptsGzipTest, Header) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));  // the explicit entry wins
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_TRUE(AcceptsGzip("br, *;q=0.1"));
}

TEST(GzipTest, RoundTripsAndSkipsWhatDoesNotShrink) {
  const std::string json = std::string(R"({"Items":[)") + std::string(4000, 'a') + "]}";
  std::string out;
  ASSERT_TRUE(Gzip(json, &out));
  EXPECT_LT(out.size(), json.size());
  EXPECT_EQ(DecodeBody("gzip", 1 << 20, &out), InflateResult::kOk);
  EXPECT_EQ(out, json);
  EXPECT_FALSE(Gzip("ab", &out));
}

}  // namespace
}  // namespace cirrus::server
