#include "server/http_compression.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "db/item/ascii.h"

namespace cirrus::server {
namespace {


std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Inflates `in` with zlib's window bits `bits` (31: gzip, 15: zlib, -15: raw).
InflateResult Inflate(std::string_view in, int bits, size_t limit, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, bits) != Z_OK) return InflateResult::kCorrupt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  out->clear();
  char chunk[64 * 1024];
  int rc = Z_OK;
  InflateResult result = InflateResult::kOk;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      result = InflateResult::kCorrupt;  // bad data, or input ended before the stream did
      break;
    }
    const size_t produced = sizeof chunk - z.avail_out;
    if (out->size() + produced > limit) {
      result = InflateResult::kTooLarge;
      break;
    }
    out->append(chunk, produced);
    if (rc == Z_OK && produced == 0 && z.avail_in == 0) {
      result = InflateResult::kCorrupt;  // truncated
      break;
    }
  }
  // Bytes after the end of the stream: not one body of this coding.
  if (result == InflateResult::kOk && z.avail_in != 0) result = InflateResult::kCorrupt;
  inflateEnd(&z);
  return result;
}

}  // namespace

InflateResult DecodeBody(std::string_view content_encoding, size_t limit, std::string* body) {
  const std::string coding = AsciiLower(Trim(content_encoding));
  if (coding.empty() || coding == "identity") return InflateResult::kOk;
  std::string out;
  InflateResult r;
  if (coding == "gzip" || coding == "x-gzip") {
    r = Inflate(*body, 31, limit, &out);
  } else if (coding == "deflate") {
    r = Inflate(*body, 15, limit, &out);
    if (r == InflateResult::kCorrupt) r = Inflate(*body, -15, limit, &out);
  } else {
    return InflateResult::kUnsupported;
  }
  if (r == InflateResult::kOk) body->swap(out);
  return r;
}

bool AcceptsGzip(std::string_view header) {
  // An entry naming gzip decides; otherwise "*" does.
  std::optional<bool> gzip, any;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t semi = item.find(';');
    const std::string coding = AsciiLower(Trim(item.substr(0, semi)));
    if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
    bool accepted = true;
    if (semi != std::string_view::npos) {
      std::string params = AsciiLower(item.substr(semi + 1));
      params.erase(std::remove_if(params.begin(), params.end(), [](char c) { return c == ' ' || c == '\t'; }),
                   params.end());
      if (params.rfind("q=", 0) == 0) accepted = std::strtod(params.c_str() + 2, nullptr) > 0;
    }
    (coding == "*" ? any : gzip) = accepted;
  }
  return gzip.value_or(any.value_or(false));
}

bool Gzip(std::string_view body, std::string* out) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out->resize(deflateBound(&z, static_cast<uLong>(body.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&z, Z_FINISH);
  out->resize(out->size() - z.avail_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END && out->size() < body.size();
}

}  // namespace cirrus::server
