#pragma once
// HTTP content codings for the server (zlib): request bodies sent with Content-Encoding gzip
// or deflate, and answers gzipped for clients that send Accept-Encoding: gzip.
#include <cstddef>
#include <string>
#include <string_view>

namespace cirrus::server {

enum class InflateResult {
  kOk,
  kUnsupported,  // a coding other than gzip, x-gzip, deflate, identity
  kCorrupt,      // not valid data of that coding (or truncated)
  kTooLarge,     // it would decompress past the limit (it is not inflated further)
};

// Decodes `body` in place by its Content-Encoding (empty or "identity": as is). `deflate` is
// the zlib format, as HTTP defines it; a raw deflate stream, which some clients send, is
// accepted too. Stops, without using more memory, once the output would pass `limit`.
InflateResult DecodeBody(std::string_view content_encoding, size_t limit, std::string* body);

// Whether an Accept-Encoding header accepts gzip ("gzip", "x-gzip" or "*", unless q=0).
bool AcceptsGzip(std::string_view accept_encoding);

// Smallest body worth compressing: below it the header costs more than it saves.
constexpr size_t kCompressMinBytes = 1024;

// Gzips `body` (fast level) into *out; false if that would not make it smaller.
bool Gzip(std::string_view body, std::string* out);

}  // namespace cirrus::server
