#include "server/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <ctime>
#include <fstream>
#include <strings.h>
#include <map>

#include "db/item/ascii.h"

namespace cirrus::server {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr auto kSkew = std::chrono::minutes(15);
constexpr size_t kMaxSignedHeaders = 64;  // the SDKs sign about ten

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool AllDigits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}


std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

// SHA-256 through a digest fetched once and a context kept per thread: OpenSSL 3's one-shot
// SHA256() and HMAC() look the algorithm up on every call, which cost more than the hashing
// of a request (benchmarks/auth.sh).
void Sha256Into(std::initializer_list<std::string_view> parts, unsigned char out[SHA256_DIGEST_LENGTH]) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex2(ctx.get(), md, nullptr);
  for (std::string_view p : parts) EVP_DigestUpdate(ctx.get(), p.data(), p.size());
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &size);
}

// HMAC-SHA256 (RFC 2104) over Sha256Into.
std::string Hmac(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  unsigned char k[kBlock] = {};
  if (key.size() > kBlock) {
    Sha256Into({key}, k);
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  char ipad[kBlock], opad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<char>(k[i] ^ 0x36);
    opad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  unsigned char inner[SHA256_DIGEST_LENGTH], outer[SHA256_DIGEST_LENGTH];
  Sha256Into({std::string_view(ipad, kBlock), data}, inner);
  Sha256Into({std::string_view(opad, kBlock), std::string_view(reinterpret_cast<char*>(inner), sizeof(inner))}, outer);
  return std::string(reinterpret_cast<char*>(outer), sizeof(outer));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 encoding as SigV4 wants it: unreserved characters as they are, the rest %XX
// (upper case); '/' kept when `keep_slash`.
std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
  }
  return out;
}

// The path with "." and ".." segments resolved and empty segments dropped (a trailing
// slash kept), then encoded once more: the SDKs sign the already-encoded path, encoded again
// (every service but S3).
std::string CanonicalUri(std::string_view path) {
  if (path == "/") return "/";  // every DynamoDB request
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view segment = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string normalized = "/";
  for (size_t i = 0; i < segments.size(); ++i) normalized += std::string(i ? "/" : "") + std::string(segments[i]);
  if (!segments.empty() && path.size() > 1 && path.back() == '/') normalized += "/";
  return UriEncode(normalized, true);
}

std::vector<std::pair<std::string, std::string>> QueryParameters(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    std::string_view part = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      out.emplace_back(PercentDecode(part.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

std::string QueryValue(std::string_view query, std::string_view name) {
  for (auto& [key, value] : QueryParameters(query)) {
    if (key == name) return value;
  }
  return std::string();
}

// ASCII case-insensitive equality; `lower` is lower case already.
bool NameIs(std::string_view name, std::string_view lower) {
  return name.size() == lower.size() && strncasecmp(name.data(), lower.data(), name.size()) == 0;
}

std::string_view HeaderValue(const SignedRequest& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (NameIs(key, name)) return Trim(value);
  }
  return std::string_view();
}

// 20240101T000000Z -> time; false when it is not one.
bool ParseAmzDate(std::string_view s, std::chrono::system_clock::time_point* out) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (!IsDigit(s[i])) return false;
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  // Every request carries one: <chrono>'s calendar instead of timegm, which consults the
  // time zone on each call.
  using namespace std::chrono;
  const year_month_day day{year(num(0, 4)), month(static_cast<unsigned>(num(4, 2))),
                           std::chrono::day(static_cast<unsigned>(num(6, 2)))};
  const int hour = num(9, 2), minute = num(11, 2), second = num(13, 2);
  if (!day.ok() || hour > 23 || minute > 59 || second > 60) return false;  // 31 April is not a date
  *out = system_clock::time_point(sys_days(day) + hours(hour) + minutes(minute) + seconds(second));
  return true;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[20];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Status Incomplete(std::string message) { return Status(ErrorKind::kIncompleteSignature, std::move(message)); }
Status Mismatch() {
  return Status(ErrorKind::kInvalidSignature,
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service "
                "documentation for details.");
}
Status Unrecognized() {
  return Status(ErrorKind::kUnrecognizedClient, "The security token included in the request is invalid.");
}

// The signing key for a scope, cached per thread (it changes once a day per key and scope).
// The last key a thread used is checked first, without building the cache's id.
const std::string& SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                              std::string_view service) {
  struct Last {
    std::string secret, date, region, service, key;
  };
  thread_local Last last;
  if (!last.key.empty() && last.secret == secret && last.date == date && last.region == region &&
      last.service == service) {
    return last.key;
  }
  thread_local std::unordered_map<std::string, std::string> cache;
  std::string id = std::string(secret) + '\n' + std::string(date) + '\n' + std::string(region) + '\n' + std::string(service);
  auto it = cache.find(id);
  if (it == cache.end()) {
    std::string key = Hmac(Hmac(Hmac(Hmac("AWS4" + std::string(secret), date), region), service), "aws4_request");
    if (cache.size() >= 256) cache.clear();
    it = cache.emplace(std::move(id), std::move(key)).first;
  }
  last = Last{std::string(secret), std::string(date), std::string(region), std::string(service), it->second};
  return last.key;
}

}  // namespace

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}


std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  Sha256Into({data}, digest);
  return Hex(digest, sizeof(digest));
}

std::string CanonicalRequest(const SignedRequest& request, std::string_view signed_headers,
                             std::string_view payload_hash, bool presigned) {
  std::string out;
  out.reserve(512);  // a DynamoDB request's canonical form is about 300 bytes
  out += request.method;
  out += '\n';
  out += CanonicalUri(request.path);
  out += '\n';
  std::vector<std::pair<std::string, std::string>> params;
  for (auto& [key, value] : QueryParameters(request.query)) {
    if (presigned && key == "X-Amz-Signature") continue;
    params.emplace_back(UriEncode(key, false), UriEncode(value, false));
  }
  std::sort(params.begin(), params.end());
  for (size_t i = 0; i < params.size(); ++i) {
    out += (i ? "&" : "") + params[i].first + "=" + params[i].second;
  }
  out += '\n';
  // Each signed header: its values (repeated headers joined by ','), trimmed, inner runs of
  // whitespace collapsed to one space. Verify bounds the signed names (kMaxSignedHeaders).
  size_t start = 0;
  while (start <= signed_headers.size()) {
    size_t semi = signed_headers.find(';', start);
    std::string_view name = signed_headers.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start);
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [key, value] : request.headers) {
      if (!NameIs(key, name)) continue;
      if (!first) out += ',';
      first = false;
      const std::string_view trimmed = Trim(value);
      if (trimmed.find_first_of("\t ") == std::string_view::npos) {  // the usual case: nothing to fold
        out += trimmed;
        continue;
      }
      bool space = false;
      for (char c : trimmed) {
        if (c == ' ' || c == '\t') {
          space = true;
          continue;
        }
        if (space && out.back() != ':' && out.back() != ',') out += ' ';
        space = false;
        out += c;
      }
    }
    out += '\n';
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 3 + 2 * SHA256_DIGEST_LENGTH);
  out += kAlgorithm;
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign) {
  std::string mac = Hmac(SigningKey(secret, date, region, service), string_to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

Result<SignatureParts> ReadSignatureParts(std::string_view authorization, std::string_view query,
                                          std::string_view date) {
  const std::string_view header = Trim(authorization);
  SignatureParts parts;
  if (header.empty()) {
    // The presigned form carries the same parts in the query string; they are checked the same
    // way (a query that merely mentions X-Amz-Algorithm proves nothing).
    parts.presigned = true;
    if (QueryValue(query, "X-Amz-Algorithm").empty()) {
      return Status(ErrorKind::kMissingAuthenticationToken, "Request is missing Authentication Token");
    }
    std::string missing;
    for (std::string_view p : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                               "X-Amz-SignedHeaders", "X-Amz-Date"}) {
      if (QueryValue(query, p).empty()) missing += "AWS query-string parameters must include '" + std::string(p) + "'. ";
    }
    if (!missing.empty()) return Incomplete(missing + "Re-examine the query-string parameters.");
    if (QueryValue(query, "X-Amz-Algorithm") != kAlgorithm) {
      return Incomplete("Unsupported AWS 'algorithm': \"" + QueryValue(query, "X-Amz-Algorithm") + "\"");
    }
    parts.credential = QueryValue(query, "X-Amz-Credential");
    parts.signed_headers = QueryValue(query, "X-Amz-SignedHeaders");
    parts.signature = QueryValue(query, "X-Amz-Signature");
    parts.amz_date = QueryValue(query, "X-Amz-Date");
    if (std::count(parts.credential.begin(), parts.credential.end(), '/') != 4 ||
        !parts.credential.ends_with("aws4_request")) {
      return Incomplete("Credential should be scoped with a valid terminator: 'aws4_request'.");
    }
    return parts;
  }
  std::string_view params;
  if (header.substr(0, kAlgorithm.size()) == kAlgorithm) params = header.substr(kAlgorithm.size());
  while (!params.empty()) {
    size_t comma = params.find(',');
    std::string_view part = Trim(params.substr(0, comma));
    params = comma == std::string_view::npos ? std::string_view() : params.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") parts.credential = std::string(value);
    if (key == "SignedHeaders") parts.signed_headers = std::string(value);
    if (key == "Signature") parts.signature = std::string(value);
  }
  parts.amz_date = std::string(date);
  std::string missing;
  if (parts.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (parts.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (parts.signed_headers.empty()) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (date.empty()) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) return Incomplete(missing + "Authorization=" + std::string(header));
  // AKID/YYYYMMDD/region/service/aws4_request
  const std::string_view terminator = std::string_view(parts.credential).substr(parts.credential.rfind('/') + 1);
  if (std::count(parts.credential.begin(), parts.credential.end(), '/') != 4 || terminator != "aws4_request") {
    return Incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(terminator) + "'.");
  }
  return parts;
}

SigV4Verifier::SigV4Verifier(std::vector<Credential> credentials, std::string region)
    : expected_region_(std::move(region)) {
  for (Credential& c : credentials) {
    std::string key = c.access_key_id;
    by_access_key_.emplace(std::move(key), std::move(c));
  }
}

Result<const Credential*> SigV4Verifier::Verify(const SignedRequest& request,
                                                std::chrono::system_clock::time_point now,
                                                std::string_view service) const {
  std::string_view date_header = HeaderValue(request, "x-amz-date");
  const bool has_amz_date = !date_header.empty();
  if (!has_amz_date) date_header = HeaderValue(request, "date");
  CIRRUS_ASSIGN_OR_RETURN(SignatureParts parts,
                          ReadSignatureParts(HeaderValue(request, "authorization"), request.query, date_header));
  const bool presigned = parts.presigned;
  if (!presigned && !has_amz_date) return Mismatch();  // only Date: we check X-Amz-Date's form alone
  const std::string& credential = parts.credential;
  const std::string& signed_headers = parts.signed_headers;
  const std::string& signature = parts.signature;
  const std::string& amz_date = parts.amz_date;
  // AKID/YYYYMMDD/region/service/aws4_request (checked by ReadSignatureParts)
  std::array<std::string_view, 5> scope;  // ReadSignatureParts counted 4 slashes
  {
    std::string_view rest = credential;
    for (size_t i = 0; i < scope.size(); ++i) {
      size_t slash = rest.find('/');
      scope[i] = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    }
  }
  std::chrono::system_clock::time_point signed_at;
  if (!ParseAmzDate(amz_date, &signed_at)) return Mismatch();
  if (scope[1] != std::string_view(amz_date).substr(0, 8)) {
    return Status(ErrorKind::kInvalidSignature,
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                  "from HTTP: '" + std::string(scope[1]) + "' != '" + amz_date.substr(0, 8) +
                      "', from '" + amz_date + "'.");
  }
  auto it = by_access_key_.find(scope[0]);
  if (it == by_access_key_.end()) return Unrecognized();
  const Credential& key = it->second;
  if (presigned ? QueryValue(request.query, "X-Amz-Security-Token") != key.session_token
                : HeaderValue(request, "x-amz-security-token") != key.session_token) {
    return Unrecognized();
  }

  if (!expected_region_.empty() && scope[2] != expected_region_) {
    return Status(ErrorKind::kInvalidSignature,
                  "Credential should be scoped to a valid region, not '" + std::string(scope[2]) + "'. ");
  }
  if (!service.empty() && scope[3] != service) {
    return Status(ErrorKind::kInvalidSignature,
                  "Credential should be scoped to correct service: '" + std::string(service) + "'. ");
  }
  // A presigned URL lives for its X-Amz-Expires (at most a week); anything else 15 minutes.
  const std::string expires = presigned ? QueryValue(request.query, "X-Amz-Expires") : std::string();
  if (!expires.empty()) {
    if (expires.size() > 7 || !AllDigits(expires)) return Mismatch();
    if (std::stol(expires) > 604800) {
      return Status(ErrorKind::kInvalidSignature,
                    "X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    if (now > signed_at + std::chrono::seconds(std::stol(expires))) {
      return Status(ErrorKind::kAccessDenied, "Request has expired");
    }
  } else if (now - signed_at > kSkew) {
    return Status(ErrorKind::kInvalidSignature,
                  "Signature expired: " + amz_date + " is now earlier than " + AmzDate(now - kSkew) +
                      " (" + AmzDate(now) + " - 15 min.)");
  }
  if (signed_at - now > kSkew) {
    return Status(ErrorKind::kInvalidSignature,
                  "Signature not yet current: " + amz_date + " is still later than " +
                      AmzDate(now + kSkew) + " (" + AmzDate(now) + " + 15 min.)");
  }
  // The payload: its SHA-256, which X-Amz-Content-Sha256 may state (then it must be right).
  // A presigned URL signs it too, as the SDKs presign for every service but S3: a DynamoDB
  // request's body is what it does, so UNSIGNED-PAYLOAD (S3's) is not accepted.
  const std::string body_hash =
      request.body_sha256.empty() ? Sha256Hex(request.body) : std::string(request.body_sha256);
  std::string_view stated = HeaderValue(request, "x-amz-content-sha256");
  if (!stated.empty() && AsciiLower(stated) != body_hash) return Mismatch();
  // SignedHeaders: ascending, each once, with the host and every header that decides what the
  // request does (X-Amz-*, Content-Type, Content-Encoding), as the SDKs sign them: an
  // unsigned X-Amz-Target could turn a captured GetItem into a DeleteItem.
  const std::string lowered = AsciiLower(signed_headers);
  std::vector<std::string_view> names;
  for (size_t start = 0; start <= lowered.size();) {
    size_t semi = lowered.find(';', start);
    names.push_back(std::string_view(lowered).substr(start, semi == std::string::npos ? std::string::npos : semi - start));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  if (names.size() > kMaxSignedHeaders || !std::is_sorted(names.begin(), names.end()) ||
      std::adjacent_find(names.begin(), names.end()) != names.end() ||
      !std::binary_search(names.begin(), names.end(), "host")) {
    return Mismatch();
  }
  for (const auto& [key, value] : request.headers) {
    const bool decisive = (key.size() > 6 && strncasecmp(key.data(), "x-amz-", 6) == 0) ||
                          NameIs(key, "content-type") || NameIs(key, "content-encoding");
    if (!decisive) continue;
    const std::string name = AsciiLower(key);
    if (!std::binary_search(names.begin(), names.end(), name)) {
      return Status(ErrorKind::kInvalidSignature,
                    "There were headers present in the request which were not signed: " + name);
    }
  }
  const std::string_view scope_text = std::string_view(credential).substr(credential.find('/') + 1);
  const std::string canonical = CanonicalRequest(request, lowered, body_hash, presigned);
  const std::string expected = Signature(key.secret_access_key, scope[1], scope[2], scope[3],
                                         StringToSign(amz_date, scope_text, canonical));
  if (expected.size() != signature.size() ||
      CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return Mismatch();
  }
  return &key;
}

Result<std::vector<Credential>> LoadCredentialsFile(const std::string& path,
                                                    const std::string& default_account_id) {
  std::ifstream in(path);
  if (!in) return ValidationError("cannot read the credentials file " + path);
  std::vector<Credential> out;
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::vector<std::string> order;
  std::string line, section;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view l = Trim(line);
    if (l.empty() || l[0] == '#' || l[0] == ';') continue;
    if (l.front() == '[') {
      if (l.back() != ']') return ValidationError(path + ":" + std::to_string(number) + ": a section is [name]");
      section = std::string(Trim(l.substr(1, l.size() - 2)));
      if (section.rfind("profile ", 0) == 0) section = std::string(Trim(std::string_view(section).substr(8)));
      if (!sections.count(section)) order.push_back(section);
      sections[section];
      continue;
    }
    size_t eq = l.find('=');
    if (eq == std::string_view::npos || section.empty()) {
      return ValidationError(path + ":" + std::to_string(number) + ": expected key = value inside a [section]");
    }
    sections[section][AsciiLower(Trim(l.substr(0, eq)))] = std::string(Trim(l.substr(eq + 1)));
  }
  std::map<std::string, std::string> seen;  // access key -> profile
  for (const std::string& name : order) {
    const auto& keys = sections[name];
    auto get = [&](const char* k) {
      auto it = keys.find(k);
      return it == keys.end() ? std::string() : it->second;
    };
    Credential c;
    c.profile = name;
    c.access_key_id = get("aws_access_key_id");
    c.secret_access_key = get("aws_secret_access_key");
    c.session_token = get("aws_session_token");
    c.account_id = get("account_id");
    if (c.access_key_id.empty() && c.secret_access_key.empty()) continue;  // e.g. only a region
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      return ValidationError(path + ": profile [" + name + "] needs both aws_access_key_id and aws_secret_access_key");
    }
    if (c.account_id.empty()) c.account_id = default_account_id;
    if (c.account_id.size() != 12 || !AllDigits(c.account_id)) {
      return ValidationError(path + ": profile [" + name + "]: account_id is 12 digits");
    }
    c.policy_file = get("policy_file");
    if (!c.policy_file.empty() && c.policy_file[0] != '/') {  // relative to the credentials file
      size_t slash = path.rfind('/');
      if (slash != std::string::npos) c.policy_file = path.substr(0, slash + 1) + c.policy_file;
    }
    if (auto [it, inserted] = seen.emplace(c.access_key_id, name); !inserted) {
      return ValidationError(path + ": profiles [" + it->second + "] and [" + name + "] have the same access key");
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) return ValidationError(path + " holds no credentials (aws_access_key_id, aws_secret_access_key)");
  return out;
}

}  // namespace cirrus::server
