// cirrus-load: a load generator for DynamoDB-compatible servers over HTTP/1.1 keep-alive.
//
// Closed loop (default): each connection sends its next request when the previous answer
// arrives; reports throughput. Open loop (--rate R): requests are due at fixed times
// (R per second over all connections) and latency runs from the time a request was due,
// so a slow server is charged for the requests it delays (no coordinated omission).
// One I/O thread: the generator shares the machine with the server, so it reports its
// own CPU use.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <strings.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <set>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace ssl = net::ssl;
using Clock = std::chrono::steady_clock;

namespace {

// Latencies in nanoseconds, log-bucketed: 64 linear sub-buckets per power of two, so any
// percentile is within 1/64 (1.6%) of the true value.
class Histogram {
 public:
  void Record(int64_t ns) {
    if (ns < 1) ns = 1;
    ++count_;
    max_ = std::max(max_, ns);
    buckets_[Index(static_cast<uint64_t>(ns))]++;
  }
  int64_t count() const { return count_; }
  int64_t max() const { return max_; }
  // The value below which `q` (0..1) of the samples fall (bucket upper edge).
  int64_t Percentile(double q) const {
    int64_t target = static_cast<int64_t>(std::ceil(q * static_cast<double>(count_)));
    int64_t seen = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen >= target && buckets_[i] > 0) return std::min<int64_t>(UpperEdge(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int kSub = 64;
  static size_t Index(uint64_t v) {
    if (v < kSub) return v;
    int exp = 63 - __builtin_clzll(v);  // >= 6
    uint64_t sub = (v >> (exp - 6)) & (kSub - 1);
    return static_cast<size_t>((exp - 5) * kSub + sub);
  }
  static int64_t UpperEdge(size_t i) {
    if (i < kSub) return static_cast<int64_t>(i);
    int exp = static_cast<int>(i / kSub) + 5;
    uint64_t sub = i % kSub;
    return static_cast<int64_t>(((kSub + sub + 1) << (exp - 6)) - 1);
  }
  std::vector<int64_t> buckets_ = std::vector<int64_t>(64 * 60, 0);
  int64_t count_ = 0;
  int64_t max_ = 0;
};

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  std::string workload = "get";
  std::string table = "bench";
  int connections = 16;
  double duration = 10;
  double warmup = 1;
  double rate = 0;  // requests/s over all connections; 0 = closed loop
  int64_t items = 100000;
  int item_size = 200;
  bool preload = false;
  int gsis = -1;  // -1: plain items; 0..2: items with index attributes, the table with that many GSIs
  std::string stream;  // a StreamViewType: the table records its changes in a stream
  int partition_size = 1;   // >1: items i have key (pk = i / P, sk = i % P): Query reads a partition
  int limit = 100;          // query and scan: Limit
  std::string distribution = "uniform";  // or "zipf" (theta 0.99): which item a request names
  bool token = true;  // transactwrite: send a ClientRequestToken
  bool multi_attribute = false;  // items carry tenant, region, tr and at (see TenantOf)
  std::string json_out;
  bool tls = false;  // HTTPS (cirrusd --tls-cert); the certificate is not checked: loopback only
};

// --tls: the client side of every connection (TLS 1.2 or 1.3, as the server offers).
ssl::context& TlsClient() {
  static ssl::context tls(ssl::context::tls_client);
  return tls;
}

// --sign KEY:SECRET: requests carry a real SigV4 signature (for cirrusd --auth=sigv4), made
// with OpenSSL as the SDKs make it; otherwise a well-formed one that no server checks.
std::string g_sign_key, g_sign_secret;

std::string HexOf(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(d[p[i] >> 4]);
    s.push_back(d[p[i] & 15]);
  }
  return s;
}
std::string Sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return HexOf(out, sizeof(out));
}
std::string HmacRaw(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

// The X-Amz-Date and Authorization headers of a POST / with these parts.
std::pair<std::string, std::string> AuthFor(const std::string& host, std::string_view target,
                                            std::string_view body);

const char* kAuth =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=0000000000000000000000000000000000000000000000000000000000000000";

std::string KeyOf(int64_t i) { return "user#" + std::to_string(i); }

// The key attributes of item i: pk alone, or pk and sk when partitions hold several items.
int g_partition_size = 1;
std::string KeyJson(int64_t i) {
  if (g_partition_size <= 1) return "\"pk\":{\"S\":\"" + KeyOf(i) + "\"}";
  return "\"pk\":{\"S\":\"" + KeyOf(i / g_partition_size) + "\"},\"sk\":{\"N\":\"" +
         std::to_string(i % g_partition_size) + "\"}";
}

// Preloaded items carry "exp": this many epoch seconds (a TTL attribute), when not 0.
int64_t g_expires_at = 0;

// --multi-attribute: item i belongs to tenant i % 64 and region (i / 64) % 4 at time i; it
// carries both as attributes (a multi-attribute GSI key) and their concatenation tr (the
// synthetic key the same GSI needs without multi-attribute keys): 256 index partitions.
bool g_multi_attribute = false;
std::string TenantOf(int64_t i) { return "tenant-" + std::to_string(i % 64); }
std::string RegionOf(int64_t i) { return "region-" + std::to_string((i / 64) % 4); }

// `indexed`: also a status and a time (GSI keys), which `salt` varies from write to write.
std::string ItemJson(int64_t i, int item_size, bool indexed = false, uint64_t salt = 0) {
  std::string key = KeyOf(i);
  std::string extra;
  if (g_multi_attribute) {
    extra = ",\"tenant\":{\"S\":\"" + TenantOf(i) + "\"},\"region\":{\"S\":\"" + RegionOf(i) +
            "\"},\"tr\":{\"S\":\"" + TenantOf(i) + "#" + RegionOf(i) + "\"},\"at\":{\"N\":\"" +
            std::to_string(i) + "\"}";
  }
  if (indexed) {
    extra = ",\"status\":{\"S\":\"s" + std::to_string((static_cast<uint64_t>(i) + salt) % 16) +
            "\"},\"at\":{\"N\":\"" + std::to_string(salt % 1000000) + "\"}";
  }
  // pad so that the item (names + values) is about item_size bytes
  int overhead = static_cast<int>(2 + key.size() + 4 + (indexed ? 20 : 0));
  std::string payload(static_cast<size_t>(std::max(1, item_size - overhead)), 'x');
  if (g_expires_at != 0) extra += ",\"exp\":{\"N\":\"" + std::to_string(g_expires_at) + "\"}";
  return "{" + KeyJson(i) + ",\"data\":{\"S\":\"" + payload + "\"}" + extra + "}";
}

struct Request {
  std::string target;
  std::string body;
  const char* expect;  // substring a good answer contains, or nullptr
};

// Zipfian item choice (theta 0.99, as YCSB): item 0 the most requested. The CDF is built
// once; a draw is a binary search.
class Zipf {
 public:
  Zipf(int64_t n, double theta) : cdf_(static_cast<size_t>(n)) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += 1.0 / std::pow(static_cast<double>(i + 1), theta);
    double acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      acc += 1.0 / std::pow(static_cast<double>(i + 1), theta) / sum;
      cdf_[static_cast<size_t>(i)] = acc;
    }
  }
  int64_t Draw(std::mt19937_64& rng) const {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return std::min<int64_t>(static_cast<int64_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin()),
                             static_cast<int64_t>(cdf_.size()) - 1);
  }

 private:
  std::vector<double> cdf_;
};

class Workload {
 public:
  Workload(const Options& o) : o_(o), rng_(std::random_device{}()) {
    if (o.distribution == "zipf") zipf_ = std::make_unique<Zipf>(o.items, 0.99);
  }
  int64_t Pick() {
    return zipf_ ? zipf_->Draw(rng_) : static_cast<int64_t>(rng_() % static_cast<uint64_t>(o_.items));
  }
  Request Next() {
    int64_t i = Pick();
    const std::string table = "\"TableName\":\"" + o_.table + "\"";
    const std::string& w = o_.workload;
    if (w == "put" || (w == "mixed" && rng_() % 100 < 5)) {
      return {"DynamoDB_20120810.PutItem",
              "{" + table + ",\"Item\":" + ItemJson(i, o_.item_size, o_.gsis >= 0, rng_()) + "}", nullptr};
    }
    if (w == "update") {  // a counter
      return {"DynamoDB_20120810.UpdateItem",
              "{" + table + ",\"Key\":{" + KeyJson(i) + "},\"UpdateExpression\":\"ADD hits :one\","
              "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}},\"ReturnValues\":\"UPDATED_NEW\"}",
              "\"hits\""};
    }
    if (w == "query") {  // one partition: Limit items of it (all of it when P <= Limit)
      int64_t p = g_partition_size > 1 ? i / g_partition_size : i;
      return {"DynamoDB_20120810.Query",
              "{" + table + ",\"KeyConditionExpression\":\"pk = :p\",\"Limit\":" + std::to_string(o_.limit) +
              ",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"" + KeyOf(p) + "\"}}}",
              g_partition_size > 1 ? "\"Items\":[{" : "\"Count\":1"};
    }
    if (w == "query-synthetic" || w == "query-multi") {  // --multi-attribute: one index partition
      auto value = [](const char* name, const char* type, const std::string& v) {
        return "\"" + std::string(name) + "\":{\"" + type + "\":\"" + v + "\"}";
      };
      const std::string at = value(":at", "N", "0");  // from the partition's first item
      const bool multi = w == "query-multi";
      const std::string condition =
          multi ? "tenant = :t AND #r = :r AND #at >= :at" : "tr = :tr AND #at >= :at";
      const std::string values =
          multi ? value(":t", "S", TenantOf(i)) + "," + value(":r", "S", RegionOf(i)) + "," + at
                : value(":tr", "S", TenantOf(i) + "#" + RegionOf(i)) + "," + at;
      return {"DynamoDB_20120810.Query",
              "{" + table + ",\"IndexName\":\"" + (multi ? "byTenantRegion" : "bySynthetic") +
                  "\",\"KeyConditionExpression\":\"" + condition + "\",\"Limit\":" +
                  std::to_string(o_.limit) + ",\"ExpressionAttributeNames\":{\"#at\":\"at\"" +
                  (multi ? ",\"#r\":\"region\"" : "") + "},\"ExpressionAttributeValues\":{" +
                  values + "}}",
              "\"Items\":[{"};
    }
    if (w == "select") {  // PartiQL: the item by its key, as ExecuteStatement sends it
      std::string where = "pk = ?", parameters = "{\"S\":\"" + KeyOf(g_partition_size > 1 ? i / g_partition_size : i) + "\"}";
      if (g_partition_size > 1) {
        where += " AND sk = ?";
        parameters += ",{\"N\":\"" + std::to_string(i % g_partition_size) + "\"}";
      }
      return {"DynamoDB_20120810.ExecuteStatement",
              "{\"Statement\":\"SELECT * FROM \\\"" + o_.table + "\\\" WHERE " + where +
                  "\",\"Parameters\":[" + parameters + "]}",
              "\"Items\":[{"};
    }
    if (w == "scan") {  // a page from a random place of the key space
      return {"DynamoDB_20120810.Scan",
              "{" + table + ",\"Limit\":" + std::to_string(o_.limit) + ",\"ExclusiveStartKey\":{" + KeyJson(i) + "}}",
              "\"Items\":["};
    }
    if (w == "batchget") {  // 100 distinct keys
      std::string body = "{\"RequestItems\":{\"" + o_.table + "\":{\"Keys\":[";
      std::set<int64_t> keys;
      while (keys.size() < static_cast<size_t>(std::min<int64_t>(100, o_.items))) keys.insert(Pick());
      bool first = true;
      for (int64_t k : keys) {
        body += (first ? "{" : ",{") + KeyJson(k) + "}";
        first = false;
      }
      return {"DynamoDB_20120810.BatchGetItem", body + "]}}}", "\"Responses\""};
    }
    if (w == "batchwrite") {  // 25 distinct puts
      std::set<int64_t> keys;
      while (keys.size() < static_cast<size_t>(std::min<int64_t>(25, o_.items))) keys.insert(Pick());
      std::string body = "{\"RequestItems\":{\"" + o_.table + "\":[";
      bool first = true;
      for (int64_t k : keys) {
        body += (first ? "" : ",") + std::string("{\"PutRequest\":{\"Item\":") + ItemJson(k, o_.item_size) + "}}";
        first = false;
      }
      return {"DynamoDB_20120810.BatchWriteItem", body + "]}}", "UnprocessedItems"};
    }
    if (w == "transactwrite") {  // 2 Puts of distinct items, with a fresh token as SDKs send
      int64_t j = Pick();
      while (j == i && o_.items > 1) j = Pick();
      char token[33];
      std::snprintf(token, sizeof(token), "%016llx%016llx", static_cast<unsigned long long>(rng_()),
                    static_cast<unsigned long long>(rng_()));
      std::string body = o_.token ? "{\"ClientRequestToken\":\"" + std::string(token) + "\"," : "{";
      body += "\"TransactItems\":[";
      body += "{\"Put\":{" + table + ",\"Item\":" + ItemJson(i, o_.item_size) + "}},";
      body += "{\"Put\":{" + table + ",\"Item\":" + ItemJson(j, o_.item_size) + "}}]}";
      return {"DynamoDB_20120810.TransactWriteItems", body, nullptr};
    }
    if (w == "transactget") {  // 10 distinct items in one snapshot
      std::set<int64_t> keys;
      while (keys.size() < static_cast<size_t>(std::min<int64_t>(10, o_.items))) keys.insert(Pick());
      std::string body = "{\"TransactItems\":[";
      bool first = true;
      for (int64_t k : keys) {
        body += (first ? "" : ",") + std::string("{\"Get\":{") + table + ",\"Key\":{" + KeyJson(k) + "}}}";
        first = false;
      }
      return {"DynamoDB_20120810.TransactGetItems", body + "]}", "\"Responses\":[{\"Item\""};
    }
    return {"DynamoDB_20120810.GetItem", "{" + table + ",\"Key\":{" + KeyJson(i) + "}}",
            w == "static" ? nullptr : "\"Item\""};
  }

 private:
  const Options& o_;
  std::mt19937_64 rng_;
  std::unique_ptr<Zipf> zipf_;
};

std::pair<std::string, std::string> AuthFor(const std::string& host, std::string_view target,
                                            std::string_view body) {
  if (g_sign_key.empty()) return {"20240101T000000Z", kAuth};
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[20];
  std::strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
  const std::string day(date, 8);
  const std::string canonical = "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:" + host +
                                "\nx-amz-date:" + date + "\nx-amz-target:" + std::string(target) +
                                "\n\ncontent-type;host;x-amz-date;x-amz-target\n" + Sha256(body);
  const std::string scope = day + "/us-east-1/dynamodb/aws4_request";
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(date) + "\n" + scope + "\n" + Sha256(canonical);
  thread_local std::string key_day, key;
  if (key_day != day) {
    key = HmacRaw(HmacRaw(HmacRaw(HmacRaw("AWS4" + g_sign_secret, day), "us-east-1"), "dynamodb"), "aws4_request");
    key_day = day;
  }
  const std::string mac = HmacRaw(key, to_sign);
  return {date, "AWS4-HMAC-SHA256 Credential=" + g_sign_key + "/" + scope +
                    ", SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" +
                    HexOf(reinterpret_cast<const unsigned char*>(mac.data()), mac.size())};
}

struct Run;

// The bytes of one HTTP request, built before it is due so that sending is a write.
std::string Serialize(const Options& o, const Request& q) {
  std::string r;
  r.reserve(q.body.size() + 400);
  r += "POST / HTTP/1.1\r\nHost: ";
  r += o.host;
  r += "\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: ";
  r += q.target;
  auto [date, authorization] = AuthFor(o.host, q.target, q.body);
  r += "\r\nX-Amz-Date: ";
  r += date;
  r += "\r\nAuthorization: ";
  r += authorization;
  r += "\r\nContent-Length: ";
  r += std::to_string(q.body.size());
  r += "\r\n\r\n";
  r += q.body;
  return r;
}

// One keep-alive connection working through requests. Responses are read with a minimal
// parser (status line, Content-Length, body): the generator shares the CPUs with the server,
// so it spends as little as it can.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& ioc, Run* run) : stream_(ioc, TlsClient()), run_(run) {}
  void Start(const tcp::endpoint& ep);
  void Send(Clock::time_point due);

 private:
  void Next();
  void Read(Clock::time_point due);
  void Finish(bool good, const std::string& why, Clock::time_point due);

  // Plain TCP is the SSL stream's next layer, used directly unless --tls.
  ssl::stream<tcp::socket> stream_;
  tcp::socket& socket_ = stream_.next_layer();
  Run* run_;
  std::string request_;
  std::string in_;  // bytes received, not yet consumed
  const char* expect_ = nullptr;
};

struct Run {
  Options o;
  net::io_context ioc{1};
  Workload workload{o};
  Clock::time_point start, measure_from, end;
  uint64_t next_slot = 0;
  Histogram histogram;
  int64_t ok = 0, errors = 0;
  std::string first_error;
  std::function<Request()> source;  // overrides the workload (preload)
  bool done = false;
  std::vector<std::shared_ptr<Connection>> idle;  // open loop: ready for their next request

  explicit Run(Options opts) : o(std::move(opts)) {}
};

void Connection::Start(const tcp::endpoint& ep) {
  socket_.async_connect(ep, [self = shared_from_this()](beast::error_code ec) {
    if (ec) {
      std::fprintf(stderr, "connect: %s\n", ec.message().c_str());
      self->run_->errors++;
      return;
    }
    self->socket_.set_option(tcp::no_delay(true));
    if (!self->run_->o.tls) return self->Next();
    self->stream_.async_handshake(ssl::stream_base::client, [self](beast::error_code e) {
      if (e) {
        std::fprintf(stderr, "TLS handshake: %s\n", e.message().c_str());
        self->run_->errors++;
        return;
      }
      self->Next();
    });
  });
}

void Connection::Next() {
  Run& r = *run_;
  if (r.done) return;
  Request q = r.source ? r.source() : r.workload.Next();
  if (q.target.empty()) {
    r.done = true;
    return;
  }
  expect_ = q.expect;
  request_ = Serialize(r.o, q);  // built now, sent when due
  Clock::time_point now = Clock::now();
  if (now >= r.end) return;
  if (r.o.rate <= 0) return Send(now);
  r.idle.push_back(shared_from_this());  // the pacer sends it when a request is due
}

void Connection::Send(Clock::time_point due) {
  auto sent = [self = shared_from_this(), due](beast::error_code ec, size_t) {
    if (ec) return self->Finish(false, ec.message(), due);
    self->Read(due);
  };
  if (run_->o.tls) {
    net::async_write(stream_, net::buffer(request_), std::move(sent));
  } else {
    net::async_write(socket_, net::buffer(request_), std::move(sent));
  }
}

void Connection::Read(Clock::time_point due) {
  // A complete response in in_? "HTTP/1.1 200 OK\r\n...Content-Length: n\r\n\r\n<body>"
  size_t header_end = in_.find("\r\n\r\n");
  if (header_end != std::string::npos) {
    size_t length = 0;
    bool chunked = false;  // Jetty (DynamoDB Local) chunks large answers
    for (size_t at = in_.find('\n'); at < header_end; at = in_.find('\n', at + 1)) {
      if (strncasecmp(in_.data() + at + 1, "content-length:", 15) == 0) {
        length = std::strtoul(in_.data() + at + 16, nullptr, 10);
      } else if (strncasecmp(in_.data() + at + 1, "transfer-encoding: chunked", 26) == 0) {
        chunked = true;
      }
    }
    std::string body;
    size_t total = 0;
    if (chunked) {  // size CRLF data CRLF ... 0 CRLF CRLF
      size_t at = header_end + 4;
      for (;;) {
        size_t eol = in_.find("\r\n", at);
        if (eol == std::string::npos) break;
        size_t n = std::strtoul(in_.data() + at, nullptr, 16);
        if (n == 0) {
          if (in_.size() >= eol + 4) total = eol + 4;
          break;
        }
        if (in_.size() < eol + 2 + n + 2) break;
        body.append(in_, eol + 2, n);
        at = eol + 2 + n + 2;
      }
    } else if (in_.size() >= header_end + 4 + length) {
      total = header_end + 4 + length;
      body.assign(in_, header_end + 4, length);
    }
    if (total) {
      bool status_ok = in_.compare(0, 12, "HTTP/1.1 200") == 0;
      bool good = status_ok && (!expect_ || body.find(expect_) != std::string::npos);
      std::string why = good ? "" : in_.substr(0, std::min<size_t>(total, 400));
      in_.erase(0, total);
      return Finish(good, why, due);
    }
  }
  size_t old = in_.size();
  in_.resize(old + 16384);
  auto received = [self = shared_from_this(), old, due](beast::error_code ec, size_t n) {
    self->in_.resize(old + n);
    if (ec) return self->Finish(false, ec.message(), due);
    self->Read(due);
  };
  if (run_->o.tls) {
    stream_.async_read_some(net::buffer(in_.data() + old, 16384), std::move(received));
  } else {
    socket_.async_read_some(net::buffer(in_.data() + old, 16384), std::move(received));
  }
}

void Connection::Finish(bool good, const std::string& why, Clock::time_point due) {
  Run& r = *run_;
  Clock::time_point now = Clock::now();
  if (due >= r.measure_from) {
    if (good) {
      r.ok++;
      r.histogram.Record(std::chrono::duration_cast<std::chrono::nanoseconds>(now - due).count());
    } else {
      r.errors++;
      if (r.first_error.empty()) r.first_error = why;
    }
  }
  if (!good && !socket_.is_open()) return;
  if (!good && why.rfind("HTTP/", 0) != 0) return;  // the connection failed
  Next();
}

double CpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Sends one request synchronously over a connection of its own (setup, statistics).
http::response<http::string_body> Exchange(const Options& o, http::request<http::string_body> req) {
  net::io_context ioc;
  ssl::stream<tcp::socket> s(ioc, TlsClient());
  tcp::resolver resolver(ioc);
  net::connect(s.next_layer(), resolver.resolve(o.host, std::to_string(o.port)));
  req.set(http::field::host, o.host);
  req.prepare_payload();
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  if (o.tls) {
    s.handshake(ssl::stream_base::client);
    http::write(s, req);
    http::read(s, buf, res);
  } else {
    http::write(s.next_layer(), req);
    http::read(s.next_layer(), buf, res);
  }
  return res;
}

// One DynamoDB API call (table setup); returns the answer's body.
std::string Call(const Options& o, const std::string& target, const std::string& body) {
  http::request<http::string_body> req{http::verb::post, "/", 11};
  req.set(http::field::content_type, "application/x-amz-json-1.0");
  req.set("X-Amz-Target", target);
  req.set(http::field::host, o.host);
  auto [date, authorization] = AuthFor(o.host, target, body);
  req.set("X-Amz-Date", date);
  req.set(http::field::authorization, authorization);
  req.body() = body;
  return Exchange(o, std::move(req)).body();
}

// cirrusd's group-commit counters (GET /cirrus/stats): {commits, batches}, or {-1, -1} from
// a server without them (the peers).
std::pair<double, double> WriterStats(const Options& o) {
  try {
    auto res = Exchange(o, http::request<http::string_body>{http::verb::get, "/cirrus/stats", 11});
    double commits, batches;
    if (res.result() == http::status::ok &&
        std::sscanf(res.body().c_str(), "{\"WriterCommits\":%lf,\"WriterBatches\":%lf}", &commits, &batches) == 2) {
      return {commits, batches};
    }
  } catch (const std::exception&) {
  }
  return {-1, -1};
}

// Runs a workload; returns false on connection failure.
void Drive(Run& r, double seconds, double warmup) {
  tcp::resolver resolver(r.ioc);
  tcp::endpoint ep = *resolver.resolve(r.o.host, std::to_string(r.o.port)).begin();
  r.start = Clock::now();
  r.measure_from = r.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  r.end = r.measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int i = 0; i < r.o.connections; ++i) std::make_shared<Connection>(r.ioc, &r)->Start(ep);
  if (r.o.rate <= 0) {
    r.ioc.run();
    return;
  }
  // Open loop: this thread paces by polling, not with a timer per request (which cost the
  // generator four times the CPU of a closed-loop request): due requests go to idle
  // connections; one due while all are busy waits, and its latency counts the wait.
  uint64_t slot = 0;
  const double ns_per_request = 1e9 / r.o.rate;
  auto busy = net::make_work_guard(r.ioc);  // all connections idle is not "out of work"
  for (;;) {
    r.ioc.poll();
    Clock::time_point now = Clock::now();
    Clock::time_point due = r.start + std::chrono::nanoseconds(static_cast<int64_t>(
                                          static_cast<double>(slot) * ns_per_request));
    if (due >= r.end || now >= r.end) break;
    while (due <= now && !r.idle.empty()) {
      std::shared_ptr<Connection> c = std::move(r.idle.back());
      r.idle.pop_back();
      c->Send(due);
      ++slot;
      due = r.start + std::chrono::nanoseconds(static_cast<int64_t>(
                          static_cast<double>(slot) * ns_per_request));
    }
  }
  r.idle.clear();
  r.done = true;
  busy.reset();
  r.ioc.run_for(std::chrono::seconds(5));  // answers still under way
}

void Preload(const Options& o) {
  // Up to two GSIs with projection ALL (the costliest to keep): (status, at) and (status).
  std::string definitions = "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}";
  std::string schema = "{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}";
  if (o.partition_size > 1) {
    definitions += ",{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}";
    schema += ",{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}";
  }
  std::string indexes;
  if (o.multi_attribute) {  // the same index twice: a synthetic key, and multi-attribute keys
    for (const char* name : {"tenant", "region", "tr"}) {
      definitions += ",{\"AttributeName\":\"" + std::string(name) + "\",\"AttributeType\":\"S\"}";
    }
    definitions += ",{\"AttributeName\":\"at\",\"AttributeType\":\"N\"}";
    indexes = ",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"bySynthetic\",\"KeySchema\":["
              "{\"AttributeName\":\"tr\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"at\","
              "\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}},"
              "{\"IndexName\":\"byTenantRegion\",\"KeySchema\":["
              "{\"AttributeName\":\"tenant\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"region\","
              "\"KeyType\":\"HASH\"},{\"AttributeName\":\"at\",\"KeyType\":\"RANGE\"}],"
              "\"Projection\":{\"ProjectionType\":\"ALL\"}}]";
  } else if (o.gsis >= 1) {
    definitions += ",{\"AttributeName\":\"status\",\"AttributeType\":\"S\"},"
                   "{\"AttributeName\":\"at\",\"AttributeType\":\"N\"}";
    indexes = ",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"byStatusAt\",\"KeySchema\":["
              "{\"AttributeName\":\"status\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"at\","
              "\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}";
    if (o.gsis >= 2) {
      indexes += ",{\"IndexName\":\"byStatus\",\"KeySchema\":[{\"AttributeName\":\"status\","
                 "\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}";
    }
    indexes += "]";
  }
  std::string created = Call(o, "DynamoDB_20120810.CreateTable",
                             "{\"TableName\":\"" + o.table + "\",\"BillingMode\":\"PAY_PER_REQUEST\","
                             "\"KeySchema\":[" + schema + "],"
                             "\"AttributeDefinitions\":[" + definitions + "]" + indexes +
                             (o.stream.empty() ? std::string() : ",\"StreamSpecification\":{\"StreamEnabled\":true,"
                                                 "\"StreamViewType\":\"" + o.stream + "\"}") + "}");
  if (created.find("TableDescription") == std::string::npos &&
      created.find("ResourceInUse") == std::string::npos) {
    std::fprintf(stderr, "CreateTable failed: %s\n", created.c_str());
    std::exit(1);
  }
  // Some servers (dynalite, DynamoDB) create tables asynchronously: wait until ACTIVE.
  for (int i = 0; i < 600; ++i) {
    std::string described = Call(o, "DynamoDB_20120810.DescribeTable", "{\"TableName\":\"" + o.table + "\"}");
    if (described.find("\"TableStatus\":\"ACTIVE\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Options lo = o;
  lo.rate = 0;
  lo.connections = 8;
  Run r(lo);
  int64_t next = 0;
  r.source = [&]() -> Request {
    if (next >= o.items) return {};
    std::string body = "{\"RequestItems\":{\"" + o.table + "\":[";
    for (int k = 0; k < 25 && next < o.items; ++k, ++next) {
      if (k) body += ",";
      body += "{\"PutRequest\":{\"Item\":" + ItemJson(next, o.item_size, o.gsis >= 0, 0) + "}}";
    }
    return {"DynamoDB_20120810.BatchWriteItem", body + "]}}", "UnprocessedItems"};
  };
  Drive(r, 3600, 0);
  if (r.errors) {
    std::fprintf(stderr, "preload: %lld errors, first: %s\n", static_cast<long long>(r.errors), r.first_error.c_str());
    std::exit(1);
  }
  std::fprintf(stderr, "preloaded %lld items of ~%d bytes into %s\n", static_cast<long long>(o.items),
               o.item_size, o.table.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"cirrus-load: HTTP load for DynamoDB-compatible servers"};
  app.add_option("--host", o.host)->capture_default_str();
  app.add_option("--port", o.port)->capture_default_str();
  app.add_option("--workload", o.workload,
                 "get | put | update (a counter) | mixed (95% get, 5% put) | query (a partition, "
                 "--limit) | scan (a --limit page) | batchget (100 keys) | batchwrite (25 puts) | "
                 "transactwrite (2 Puts) | transactget (10 Gets) | select (PartiQL, the item by key) | "
                 "query-synthetic, query-multi "
                 "(--multi-attribute: a --limit page of one GSI partition) | static (any 200)")
      ->check(CLI::IsMember({"get", "put", "update", "mixed", "query", "scan", "batchget", "batchwrite",
                             "transactwrite", "transactget", "select", "query-synthetic", "query-multi", "static"}))
      ->capture_default_str();
  app.add_option("--partition-size", o.partition_size,
                 "Items per partition key (>1: the table has a sort key; Query reads a partition)")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--limit", o.limit, "Limit of query and scan requests")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--distribution", o.distribution, "uniform | zipf (theta 0.99): which items requests name")
      ->check(CLI::IsMember({"uniform", "zipf"}))->capture_default_str();
  app.add_option("--table", o.table)->capture_default_str();
  app.add_option("--connections", o.connections)->capture_default_str();
  app.add_option("--duration", o.duration, "Measured seconds")->capture_default_str();
  app.add_option("--warmup", o.warmup, "Seconds before measuring")->capture_default_str();
  app.add_option("--rate", o.rate, "Open loop: requests per second over all connections (0: closed loop)")
      ->capture_default_str();
  app.add_option("--items", o.items, "Key space (and items preloaded)")->capture_default_str();
  app.add_option("--item-size", o.item_size, "Approximate item size in bytes")->capture_default_str();
  app.add_flag("!--no-token", o.token, "transactwrite: without a ClientRequestToken (the SDKs always send one)");
  app.add_flag("--preload", o.preload, "Create the table and load --items items first");
  app.add_option("--expires-at", g_expires_at,
                 "Items written carry \"exp\" with these epoch seconds (a TTL attribute; 0: none)");
  app.add_flag("--multi-attribute", o.multi_attribute,
               "Items carry tenant, region, their concatenation tr and at; with --preload the table "
               "has the GSIs bySynthetic (tr; at) and byTenantRegion (tenant, region; at), for the "
               "query-synthetic and query-multi workloads");
  app.add_option("--gsis", o.gsis,
                 "Items carry a status and a time that each put changes; --preload creates the "
                 "table with this many GSIs (0-2, projection ALL) on them")
      ->check(CLI::Range(0, 2));
  app.add_option("--stream", o.stream, "With --preload: the table has a stream of this view type (e.g. NEW_AND_OLD_IMAGES)");
  app.add_flag("--tls", o.tls, "HTTPS (cirrusd --tls-cert); the server's certificate is not checked");
  app.add_option("--json", o.json_out, "Also write the results as JSON to this file");
  std::string sign;
  app.add_option("--sign", sign, "KEY:SECRET: sign every request with SigV4 (cirrusd --auth=sigv4)");
  CLI11_PARSE(app, argc, argv);
  g_partition_size = o.partition_size;
  if (!sign.empty()) {
    size_t colon = sign.find(':');
    if (colon == std::string::npos) {
      std::fprintf(stderr, "--sign takes KEY:SECRET\n");
      return 2;
    }
    g_sign_key = sign.substr(0, colon);
    g_sign_secret = sign.substr(colon + 1);
  }
  g_multi_attribute = o.multi_attribute;

  if (o.preload) Preload(o);
  if (o.duration <= 0) return 0;
  Run r(o);
  auto [commits0, batches0] = WriterStats(o);
  double cpu0 = CpuSeconds();
  Drive(r, o.duration, o.warmup);
  double cpu = CpuSeconds() - cpu0;
  auto [commits1, batches1] = WriterStats(o);
  // Writes per fsync the server formed (warm-up included), when it says.
  double group = commits0 >= 0 && commits1 > commits0 ? (batches1 - batches0) / (commits1 - commits0) : 0;
  double wall = o.duration + o.warmup;
  double throughput = static_cast<double>(r.ok) / o.duration;
  auto us = [&](double q) { return static_cast<double>(r.histogram.Percentile(q)) / 1000.0; };
  std::printf("%s %s conns=%d rate=%s: %.0f req/s ok=%lld errors=%lld  p50=%.0fus p90=%.0fus "
              "p99=%.0fus p99.9=%.0fus max=%.0fus  generator cpu=%.0f%%\n",
              o.workload.c_str(), o.rate > 0 ? "open-loop" : "closed-loop", o.connections,
              o.rate > 0 ? std::to_string(static_cast<int64_t>(o.rate)).c_str() : "max", throughput,
              static_cast<long long>(r.ok), static_cast<long long>(r.errors), us(0.5), us(0.9),
              us(0.99), us(0.999), static_cast<double>(r.histogram.max()) / 1000.0, 100 * cpu / wall);
  if (group > 0) std::printf("server write group: %.1f writes per commit\n", group);
  if (!r.first_error.empty()) std::printf("first error: %s\n", r.first_error.c_str());
  if (!o.json_out.empty()) {
    std::ofstream out(o.json_out);
    out << "{\"workload\":\"" << o.workload << "\",\"connections\":" << o.connections
        << ",\"rate\":" << o.rate << ",\"throughput\":" << throughput << ",\"ok\":" << r.ok
        << ",\"errors\":" << r.errors << ",\"p50_us\":" << us(0.5) << ",\"p90_us\":" << us(0.9)
        << ",\"p99_us\":" << us(0.99) << ",\"p999_us\":" << us(0.999)
        << ",\"max_us\":" << static_cast<double>(r.histogram.max()) / 1000.0
        << ",\"generator_cpu\":" << cpu / wall << ",\"write_group\":" << group << "}\n";
  }
  return r.errors > 0 ? 3 : 0;
}
